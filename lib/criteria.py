"""From a territory dataset and the strategist's choices to the criteria frame that gets scored.

Derived criteria (our share, abstention, LMP potential, vote reserve, closeness) come from the
long results; the others are indicator columns. A criterion the territory or the choices cannot
provide is returned as unavailable *with a French reason*, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import fr
from lib.config import Bloc, Criterion
from lib.dataset import TerritoryData
from lib.results_import import is_imported


@dataclass(frozen=True)
class Choices:
    """What the strategist picked (everything a shared link must carry)."""

    election: str  # reference election
    ours: tuple[str, ...]  # candidates/lists counted as "our side" in the reference election
    high: str | None = None  # high-turnout election for the vote reserve
    low: str | None = None  # low-turnout election for the vote reserve
    blocs: tuple[str, ...] = ()  # bloc ids used to pick "ours" (to find our side in other elections)


@dataclass(frozen=True)
class CriteriaFrame:
    """Criterion values per bureau plus why the missing ones are missing."""

    values: pd.DataFrame  # index bureau_id, one float column per available criterion
    unavailable: Mapping[str, str]  # criterion id → French reason


def elections_with_results(territory: TerritoryData) -> list[str]:
    """Ids of elections that have candidate results (most recent first)."""
    ids = [e["id"] for e in territory.elections if e.get("has_results", True)]
    return list(reversed(ids))


def candidates(results: pd.DataFrame, election: str) -> pd.DataFrame:
    """Candidates/lists of an election with their nuance and territory-wide share, biggest first."""
    rows = results[results["election"] == election]
    if rows.empty:
        return pd.DataFrame(columns=["candidate", "nuance", "share"])
    if rows["votes"].notna().any():
        totals = rows.groupby(["candidate", "nuance"], dropna=False)["votes"].sum()
        expressed = rows.drop_duplicates("bureau_id")["expressed"].sum()
        share = totals / expressed * 100 if expressed else totals * np.nan
    else:  # share-only source: registered-weighted mean of the bureau shares
        weights = rows["voters"].fillna(rows["registered"])
        share = (rows["share"] * weights).groupby([rows["candidate"], rows["nuance"]], dropna=False).sum() \
            / weights.groupby([rows["candidate"], rows["nuance"]], dropna=False).sum()
    out = share.rename("share").reset_index().sort_values("share", ascending=False, ignore_index=True)
    return out


def bloc_members(cands: pd.DataFrame, blocs: Iterable[Bloc]) -> list[str]:
    """Candidates of ``cands`` whose nuance or name belongs to one of ``blocs``."""
    blocs = list(blocs)
    nuances = {n.upper() for b in blocs for n in b.nuances}
    names = {fr.fold_upper(n) for b in blocs for n in b.candidates}
    picked = []
    for cand, nuance in zip(cands["candidate"], cands["nuance"], strict=True):
        folded = fr.fold_upper(cand)
        if (isinstance(nuance, str) and nuance.upper() in nuances) or any(
                folded == n or folded.startswith(n + " ") for n in names):
            picked.append(str(cand))
    return picked


def _per_bureau(results: pd.DataFrame, election: str) -> pd.DataFrame:
    return results[results["election"] == election]


def our_share(results: pd.DataFrame, election: str, ours: Collection[str]) -> pd.Series:
    """Our summed share of expressed votes (%) per bureau in ``election``.

    A bureau where none of our candidates stood (a second round we are in only in some
    circonscriptions, a list not present everywhere) has no value — « pas de candidat de notre
    camp » — rather than 0 %, which would read as a bureau where we are absent by the voters' choice.
    """
    rows = _per_bureau(results, election)
    mine = rows[rows["candidate"].isin(list(ours))]
    share = mine.groupby("bureau_id")["share"].sum(min_count=1)
    return share.reindex(rows["bureau_id"].unique()).rename("our_share")


def abstention(results: pd.DataFrame, election: str) -> pd.Series:
    """Abstention (% of registered) per bureau in ``election``."""
    rows = _per_bureau(results, election).drop_duplicates("bureau_id").set_index("bureau_id")
    return (100 * (1 - rows["voters"] / rows["registered"])).rename("abstention")


def turnout_voters(results: pd.DataFrame, election: str) -> pd.Series:
    """Voters per bureau in ``election``."""
    rows = _per_bureau(results, election).drop_duplicates("bureau_id").set_index("bureau_id")
    return rows["voters"].astype(float)


def closeness(results: pd.DataFrame, election: str, ours: Collection[str]) -> pd.Series:
    """100 − |our share − best single opponent's share|: high = a close contest."""
    rows = _per_bureau(results, election)
    mine = our_share(results, election, ours)
    others = rows[~rows["candidate"].isin(list(ours))]
    best_other = others.groupby("bureau_id")["share"].max().reindex(mine.index).fillna(0.0)
    # NaN where our side did not stand (see our_share): no contest to be close in.
    return (100 - (mine - best_other).abs()).rename("closeness")


def potential_gap(results: pd.DataFrame, election: str, ours: Collection[str]) -> pd.Series:
    """Our share in each bureau minus our share over the whole territory (points).

    Why against the territory: a bureau's strength is relative — 30 % is a bastion where we
    average 20 % and a weak spot where we average 40 % (the German Greens' cockpit classes
    polling stations this way).
    """
    mine = our_share(results, election, ours)
    cands = candidates(results, election)
    average = float(cands.loc[cands["candidate"].isin(list(ours)), "share"].sum())
    return (mine - average).rename("potential_gap")


def default_reserve_pair(territory: TerritoryData) -> tuple[str | None, str | None]:
    """Highest- and lowest-turnout elections with results (the usual presidential vs other)."""
    turnout = {}
    for e in elections_with_results(territory):
        rows = territory.results[territory.results["election"] == e].drop_duplicates("bureau_id")
        reg = rows["registered"].sum()
        if reg:
            turnout[e] = rows["voters"].sum() / reg
    if len(turnout) < 2:
        return None, None
    ordered = sorted(turnout, key=turnout.get)
    return ordered[-1], ordered[0]


class Unavailable(Exception):
    """A derived criterion cannot be computed for these choices; the message (French) says why."""


@dataclass(frozen=True)
class Derivation:
    """What a derived criterion reads: the territory's results and the strategist's choices."""

    results: pd.DataFrame
    choices: Choices
    known: frozenset[str]  # elections with results
    blocs: Mapping[str, Bloc]

    @property
    def ours(self) -> list[str]:
        return list(self.choices.ours)


def _reference(election: str, high: str | None, low: str | None) -> tuple[str | None, ...]:
    return (election,)


@dataclass(frozen=True)
class Derived:
    """A criterion computed from results: its function, its unit, whether it needs our side, and
    which elections it reads per bureau (reference, high, low → the ones it reads)."""

    compute: Callable[[Derivation], pd.Series]
    unit: str
    needs_ours: bool = True
    reads: Callable[[str, str | None, str | None], tuple[str | None, ...]] = _reference


def _vote_reserve(d: Derivation) -> pd.Series:
    """(voters at the high-turnout election − voters at the low one) × our share at the high one."""
    high, low = d.choices.high, d.choices.low
    if not high or not low or high == low or high not in d.known or low not in d.known:
        raise Unavailable("il faut deux élections différentes (forte et faible participation)")
    share = our_share(d.results, d.choices.election, d.ours)
    if d.choices.election != high:
        ours_high = ours_in(d.results, high, d.choices, d.blocs)
        if not ours_high:
            raise Unavailable(f"notre camp n'a pas de candidat reconnu dans l'élection forte ({high}) : "
                              "choisissez-la comme référence ou cochez un bloc")
        share = our_share(d.results, high, ours_high)
    gap = turnout_voters(d.results, high) - turnout_voters(d.results, low)
    return gap * share / 100


# Registry of derived criteria (config.toml `kind = "derived"`): one entry per criterion id.
DERIVED: dict[str, Derived] = {
    "our_share": Derived(lambda d: our_share(d.results, d.choices.election, d.ours), "% des exprimés"),
    "abstention": Derived(lambda d: abstention(d.results, d.choices.election), "% des inscrits",
                          needs_ours=False),
    "lmp_potential": Derived(lambda d: abstention(d.results, d.choices.election) / 100
                             * our_share(d.results, d.choices.election, d.ours), "% des inscrits"),
    "closeness": Derived(lambda d: closeness(d.results, d.choices.election, d.ours), "100 − écart en points"),
    "potential_gap": Derived(lambda d: potential_gap(d.results, d.choices.election, d.ours),
                             "points d'écart à notre moyenne"),
    "vote_reserve": Derived(_vote_reserve, "voix", reads=lambda election, high, low: (election, high, low)),
}


def read_from_imports(criterion_ids: Iterable[str], election: str, high: str | None = None,
                      low: str | None = None) -> list[str]:
    """The criteria (among ``criterion_ids``) whose per-bureau values are read from an imported
    election: a campaign's own results file, never exported value by value."""
    return [cid for cid in criterion_ids if cid in DERIVED
            and any(is_imported(e) for e in DERIVED[cid].reads(election, high, low))]


def needs_our_side() -> list[str]:
    """Ids of the derived criteria that stay unavailable until our side is chosen."""
    return [cid for cid, d in DERIVED.items() if d.needs_ours]


def unit_of(criterion_id: str) -> str:
    """Unit of a derived criterion ("" for indicators: their unit is in the dataset metadata)."""
    derived = DERIVED.get(criterion_id)
    return derived.unit if derived else ""


def _derived_value(cid: str, d: Derivation) -> pd.Series:
    derived = DERIVED.get(cid)
    if derived is None:
        raise Unavailable("critère dérivé sans calcul défini (ajoutez-le à lib.criteria.DERIVED)")
    if d.choices.election not in d.known:
        raise Unavailable("choisissez une élection de référence qui a des résultats")
    if derived.needs_ours and not d.ours:
        raise Unavailable("cochez au moins un candidat ou une liste de notre camp")
    return derived.compute(d)


def _indicator_value(cid: str, territory: TerritoryData) -> pd.Series:
    if cid in territory.indicators.columns:
        return territory.indicators[cid]
    meta = territory.indicator(cid) or {}
    raise Unavailable(meta.get("reason") or "indicateur absent des données de ce territoire")


def build_criteria(territory: TerritoryData, choices: Choices,
                   criteria: Mapping[str, Criterion],
                   blocs: Mapping[str, Bloc] | None = None) -> CriteriaFrame:
    """Values of every criterion of the config for this territory and these choices."""
    index = pd.Index(territory.bureaux["bureau_id"], name="bureau_id")
    derivation = Derivation(territory.results, choices, frozenset(elections_with_results(territory)),
                            blocs or {})
    values: dict[str, pd.Series] = {}
    unavailable: dict[str, str] = {}
    for cid, crit in criteria.items():
        try:
            values[cid] = (_indicator_value(cid, territory) if crit.kind == "indicator"
                           else _derived_value(cid, derivation))
        except Unavailable as why:
            unavailable[cid] = str(why)
    frame = pd.DataFrame({k: v.reindex(index).astype(float) for k, v in values.items()}, index=index)
    return CriteriaFrame(values=frame, unavailable=unavailable)


def ours_in(results: pd.DataFrame, election: str, choices: Choices,
            blocs: Mapping[str, Bloc]) -> list[str]:
    """Our side in another election: by the chosen blocs, else by shared nuances/names."""
    if choices.blocs:
        chosen = [blocs[b] for b in choices.blocs if b in blocs]
        return bloc_members(candidates(results, election), chosen)
    return bloc_like(results, election, choices.ours)


def bloc_like(results: pd.DataFrame, election: str, ours: Collection[str]) -> list[str]:
    """Our side carried to another election: the candidates sharing our nuances there.

    Why: "our share at the high-turnout election" needs our side in *that* election; candidates
    differ between elections, nuances carry the political family across them.
    """
    ref = results[results["candidate"].isin(list(ours))]
    nuances = set(ref["nuance"].dropna().astype(str))
    names = {fr.fold_upper(c).split(" ")[0] for c in ours}
    rows = results[results["election"] == election].drop_duplicates("candidate")
    picked = rows[rows["nuance"].astype("string").isin(nuances).fillna(False)
                  | rows["candidate"].map(lambda c: fr.fold_upper(c).split(" ")[0] in names)]
    return picked["candidate"].astype(str).tolist()


def indicator_rows(indicators: Iterable[Mapping], criteria: Mapping[str, Criterion]) -> list[dict[str, object]]:
    """The home page's « Indicateurs » table: one row per indicator of ``metadata.json`` (the
    per-election abstention columns folded into the trend), named in French — by the dataset's
    label, else the criteria registry's; a raw id (``station_distance``) never reaches a user."""
    rows = []
    for ind in indicators:
        if ind["id"].startswith("abstention_") and ind["id"] != "abstention_trend":
            continue
        known = criteria.get(ind["id"])
        rows.append({"Indicateur": ind.get("label") or (known.label if known else ind["id"].replace("_", " ")),
                     "Disponible": "oui" if ind["available"] else "non",
                     "Unité": ind.get("unit", ""),
                     "Source / raison": (f"{ind.get('source', '')} {ind.get('year') or ''}".strip()
                                         if ind["available"] else ind.get("reason", ""))})
    return rows


def same_reasons(order: Iterable[str], reasons: Mapping[str, str]) -> list[tuple[list[str], str]]:
    """The unavailable criteria of ``order`` grouped by their reason, first appearance first: a dozen
    census criteria missing the same file are one line naming them all, not twelve copies of the
    file's name and address."""
    groups: dict[str, list[str]] = {}
    for cid in order:
        if cid in reasons:
            groups.setdefault(reasons[cid], []).append(cid)
    return [(ids, reason) for reason, ids in groups.items()]
