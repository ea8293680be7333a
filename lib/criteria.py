"""From a territory dataset and the strategist's choices to the criteria frame that gets scored.

Derived criteria (our share, abstention, LMP potential, vote reserve, closeness) come from the
long results; the others are indicator columns. A criterion the territory or the choices cannot
provide is returned as unavailable *with a French reason*, never silently dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.config import Bloc, Criterion
from lib.dataset import TerritoryData


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


def _fold(text: str) -> str:
    """Upper-case without accents, to match candidate names across sources."""
    norm = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in norm if not unicodedata.combining(c)).upper().strip()


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
    names = {_fold(n) for b in blocs for n in b.candidates}
    picked = []
    for cand, nuance in zip(cands["candidate"], cands["nuance"], strict=True):
        folded = _fold(cand)
        if (isinstance(nuance, str) and nuance.upper() in nuances) or any(
                folded == n or folded.startswith(n + " ") for n in names):
            picked.append(str(cand))
    return picked


def _per_bureau(results: pd.DataFrame, election: str) -> pd.DataFrame:
    return results[results["election"] == election]


def our_share(results: pd.DataFrame, election: str, ours: Collection[str]) -> pd.Series:
    """Our summed share of expressed votes (%) per bureau in ``election``."""
    rows = _per_bureau(results, election)
    mine = rows[rows["candidate"].isin(list(ours))]
    share = mine.groupby("bureau_id")["share"].sum(min_count=1)
    present = rows["bureau_id"].unique()
    return share.reindex(present).fillna(0.0).rename("our_share")


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
    return (100 - (mine - best_other).abs()).rename("closeness")


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


def build_criteria(territory: TerritoryData, choices: Choices,
                   criteria: Mapping[str, Criterion],
                   blocs: Mapping[str, Bloc] | None = None) -> CriteriaFrame:
    """Values of every criterion of the config for this territory and these choices."""
    index = pd.Index(territory.bureaux["bureau_id"], name="bureau_id")
    values: dict[str, pd.Series] = {}
    unavailable: dict[str, str] = {}
    results = territory.results
    known = set(elections_with_results(territory))
    has_ref = choices.election in known
    ours = list(choices.ours)
    for cid, crit in criteria.items():
        if crit.kind == "indicator":
            if cid in territory.indicators.columns:
                values[cid] = territory.indicators[cid]
            else:
                meta = territory.indicator(cid)
                unavailable[cid] = (meta or {}).get("reason") or "indicateur absent des données de ce territoire"
            continue
        if not has_ref:
            unavailable[cid] = "choisissez une élection de référence qui a des résultats"
            continue
        if cid == "abstention":
            values[cid] = abstention(results, choices.election)
            continue
        if not ours:
            unavailable[cid] = "cochez au moins un candidat ou une liste de notre camp"
            continue
        share = our_share(results, choices.election, ours)
        if cid == "our_share":
            values[cid] = share
        elif cid == "lmp_potential":
            values[cid] = abstention(results, choices.election) / 100 * share
        elif cid == "closeness":
            values[cid] = closeness(results, choices.election, ours)
        elif cid == "vote_reserve":
            high, low = choices.high, choices.low
            if not high or not low or high == low or high not in known or low not in known:
                unavailable[cid] = "il faut deux élections différentes (forte et faible participation)"
                continue
            if choices.election != high:
                ours_high = ours_in(results, high, choices, blocs or {})
                if not ours_high:
                    unavailable[cid] = (f"notre camp n'a pas de candidat reconnu dans l'élection forte "
                                        f"({high}) : choisissez-la comme référence ou cochez un bloc")
                    continue
                share = our_share(results, high, ours_high)
            gap = turnout_voters(results, high) - turnout_voters(results, low)
            values[cid] = gap * share / 100
        else:
            unavailable[cid] = "critère non calculable"
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
    names = {_fold(c).split(" ")[0] for c in ours}
    rows = results[results["election"] == election].drop_duplicates("candidate")
    picked = rows[rows["nuance"].astype("string").isin(nuances).fillna(False)
                  | rows["candidate"].map(lambda c: _fold(c).split(" ")[0] in names)]
    return picked["candidate"].astype(str).tolist()
