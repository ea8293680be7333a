"""What a walk plan may be worth in votes: the published evidence as a stated prior.

Net votes = doors × contact rate (people reached) × effect per person reached on turnout
× (2 × our share among those mobilised − 1): every extra voter votes for us with probability *s*
and against with 1 − *s*, so only 2s − 1 of them count. The effect is Green, McGrath & Aronow's
meta-analysis of 71 canvassing experiments (2013): +2.54 points of turnout per person reached,
95 % interval 1.82–3.26; the range carries that interval. The result is set against the margin of
the reference election in the plan's bureaux, to say whether the plan could matter. With more
than two candidates *s* defaults to our share head to head with the best opponent (the margin's
two sides), so that a first-round leader is not read as losing to « everyone else ».
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import fr
from lib.holdout import CONTROL

EFFECT_PER_CONTACT = 2.54  # points of turnout per person reached (Green, McGrath & Aronow 2013)
EFFECT_LOW, EFFECT_HIGH = 1.82, 3.26  # its 95 % confidence interval
# People reached per door knocked, editable on the page: ≈ 30 % of doors opened in one French
# campaign (Pivot, 1 698 / 5 590, press figure; see the project's domain notes).
CONTACT_RATE = 0.30
SOURCES = (
    "Green, McGrath & Aronow (2013), Journal of Elections, Public Opinion and Parties — 71 expériences de "
    "porte-à-porte : +2,54 points de participation par personne rencontrée (IC 95 % : 1,82–3,26).",
    "Bhatti et al. (2016), British Journal of Political Science — six pays européens : effets nettement plus "
    "faibles qu'aux États-Unis, nuls dans deux expériences danoises.",
    "Kalla & Broockman (2018), American Political Science Review — 49 expériences : effet de persuasion "
    "proche de zéro dans les élections générales.",
)


@dataclass(frozen=True)
class Margin:
    """The reference election in a set of bureaux: our votes, the best opponent's, our share."""

    ours: float
    opponent: float
    opponent_name: str
    share: float  # our share head to head with the best opponent: ours / (ours + theirs), 0–1
    estimated: bool  # votes rebuilt from shares × voters (a source with shares only)

    @property
    def gap(self) -> float:
        """Our votes minus the best opponent's (negative: we were behind)."""
        return self.ours - self.opponent


@dataclass(frozen=True)
class DoorValue:
    """Expected contacts and net votes (low, central, high) of a plan."""

    doors: float
    contact_rate: float
    share: float  # our share among those mobilised (0–1)
    contacts: float
    extra_voters: tuple[float, float, float]
    net_votes: tuple[float, float, float]


def door_value(doors: float, contact_rate: float, share: float) -> DoorValue:
    """Contacts, extra voters and net votes of ``doors`` knocked, with the prior's 95 % range."""
    if not 0 <= contact_rate <= 1 or not 0 <= share <= 1:
        raise ValueError("contact rate and share are fractions between 0 and 1")
    contacts = float(doors) * contact_rate
    extra = tuple(contacts * e / 100 for e in (EFFECT_LOW, EFFECT_PER_CONTACT, EFFECT_HIGH))
    net = tuple(sorted(x * (2 * share - 1) for x in extra))
    return DoorValue(float(doors), contact_rate, share, contacts, extra, (net[0], net[1], net[2]))


def _votes(rows: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Votes per row; rebuilt from share × expressed (or voters) when the source has shares only."""
    if rows["votes"].notna().all():
        return rows["votes"].astype(float), False
    base = rows["expressed"].fillna(rows["voters"]).astype(float)
    return rows["votes"].fillna(rows["share"] / 100 * base).astype(float), True


def margin(results: pd.DataFrame, election: str, ours: Collection[str], bureaux: Sequence[str]) -> Margin | None:
    """Our votes against the best single opponent's, summed over ``bureaux`` (None: nothing to read)."""
    rows = results[(results["election"] == election) & results["bureau_id"].isin(list(bureaux))]
    if rows.empty or not ours:
        return None
    votes, estimated = _votes(rows)
    by_candidate = votes.groupby(rows["candidate"]).sum()
    mine = float(by_candidate[by_candidate.index.isin(list(ours))].sum())
    others = by_candidate[~by_candidate.index.isin(list(ours))]
    if others.empty or mine + float(others.max()) <= 0:
        return None
    theirs = float(others.max())
    return Margin(mine, theirs, str(others.idxmax()), mine / (mine + theirs), estimated)


def visited(bureaux: Sequence[str], design: pd.DataFrame | None) -> list[str]:
    """The plan's bureaux without its témoins (never visited): the doors' bureaux."""
    if design is None or design.empty:
        return [str(b) for b in bureaux]
    controls = set(design.loc[design["groupe"] == CONTROL, "bureau_id"].astype(str))
    return [str(b) for b in bureaux if str(b) not in controls]


def reading(value: DoorValue, against: Margin | None, election_label: str) -> str:
    """The estimate in plain French, its range, its assumptions and the margin it is set against."""
    low, mid, high = value.net_votes
    text = (f"≈ {fr.number(value.contacts)} personnes rencontrées ({fr.number(value.doors)} portes × "
            f"{fr.number(100 * value.contact_rate)} % d'ouverture) → ≈ {fr.number(value.extra_voters[1])} votants en "
            f"plus ({fr.number(value.extra_voters[0])} à {fr.number(value.extra_voters[2])}), soit un solde de "
            f"{_signed(mid)} voix pour notre camp ({_signed(low)} à {_signed(high)}) s'il en gagne "
            f"{fr.number(100 * value.share)} %.")
    if value.share <= 0.5:
        text += " À 50 % ou moins parmi les mobilisés, mobiliser n'apporte rien ou fait perdre des voix."
    if against is not None:
        side = "d'avance" if against.gap >= 0 else "de retard"
        text += (f" Dans ces bureaux, à « {election_label} », notre camp avait {fr.number(abs(against.gap))} voix "
                 f"{side} sur {against.opponent_name}"
                 + (" (voix estimées à partir des parts et des votants)" if against.estimated else "") + ".")
    return text + (" Ordre de grandeur américain : en Europe les effets mesurés sont plus faibles, parfois nuls "
                   "(Bhatti et al. 2016) ; la persuasion est proche de zéro (Kalla & Broockman 2018).")


def _signed(x: float) -> str:
    return ("+" if np.round(x) > 0 else "") + fr.number(x)
