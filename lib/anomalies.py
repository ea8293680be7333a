"""Bureaux that look wrong in the data: detected at build time, read by the pages.

Why: a strategist trusts the first bureau of the ranking. In Paris that bureau was a phantom
(``75056_1599``: a 1 m² contour 4 km outside Paris, no address, 97.5 % abstention) and in 92-13 a
real bureau with 964 registered voters (``92019_0020``) vanished because it has no contour. The
build now runs every detector of :data:`DETECTORS` and writes what they find into
``metadata.json`` → ``anomalies``, each with a French reason; rows the build could not keep are
counted in ``metadata.json`` → ``dropped``.

An anomaly is ``{"bureau_id", "kind", "message", "exclude"}``. ``exclude = True`` marks a
« bureau atypique »: the map, the ranking and the walk lists leave it out by default (the pages
offer a toggle). Other anomalies are shown, never hidden.

API for the pages (pure, no Streamlit)::

    anomalies.of(metadata)            # DataFrame: bureau_id, kind, kind_label, message, exclude
    anomalies.excluded_ids(metadata)  # set of bureau ids left out by default
    anomalies.dropped(metadata)       # DataFrame: source, rows, reason
    anomalies.kept_mask(ids, metadata, include_atypical=False)  # bool Series for map/ranking/lists

Thresholds were chosen on the real Paris (903 bureaux) and 92-13 (91 bureaux) data; each
detector's docstring gives the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lib import fr
from lib.geo import LAMBERT93

TINY_CONTOUR_M2 = 1_000.0
DETACHED_M = 500.0
COVERAGE_FOR_EXPECTED = 0.95
TURNOUT_Z = 8.0
SWING_Z = 6.0
MAD_FLOOR_POINTS = 1.0
MIN_BUREAUX_FOR_STATS = 10
REGISTERED_RATIO = 3.0
REGISTERED_SWING = 2.0
SHARE_TOLERANCE = {"votes": 0.5, "share": 3.0}  # points of % of expressed, by value_kind

KIND_LABELS = {
    "tiny_contour": "contour minuscule",
    "detached_contour": "contour détaché",
    "no_addresses": "bureau sans adresse",
    "no_contour": "bureau sans contour",
    "results_without_contour": "résultats sans contour",
    "contour_without_results": "contour sans résultats",
    "turnout_outlier": "abstention hors norme",
    "registered_outlier": "nombre d'inscrits hors norme",
    "registered_swing": "inscrits instables entre élections",
    "abstention_swing": "évolution de l'abstention hors norme",
    "shares_sum": "parts ne totalisant pas 100 %",
    "mixed_circonscriptions": "bureau à cheval sur deux circonscriptions",
}
ANOMALY_COLUMNS = ["bureau_id", "kind", "kind_label", "message", "exclude"]
DROPPED_COLUMNS = ["source", "rows", "reason"]


@dataclass(frozen=True)
class Inputs:
    """Everything the detectors read, already on the reference map.

    ``abstention`` is indexed by bureau id with one column per election id (rates in % of
    registered, from results or from a source that only gives the rate); ``off_map`` holds the
    result rows whose bureau has no contour (they cannot be kept in ``results.parquet``).
    """

    bureaux: gpd.GeoDataFrame  # bureau_id, label, registered, n_addresses, geometry (EPSG:4326)
    results: pd.DataFrame  # contract columns, bureaux of the reference map only
    abstention: pd.DataFrame
    elections: dict[str, str]  # election id → French label
    registered_election: str
    has_addresses: bool
    off_map: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.Series | None = None  # abstention(later) − abstention(earlier), by bureau
    trend_label: str = ""
    shapeless: frozenset[str] = frozenset()  # bureaux of the contours file without a shape

    @cached_property
    def labels(self) -> dict[str, str]:
        """Bureau id → display label (computed once: detectors name many bureaux)."""
        if "label" not in self.bureaux:
            return {}
        return dict(zip(self.bureaux["bureau_id"].astype(str), self.bureaux["label"], strict=True))


def anomaly(bureau_id: str, kind: str, message: str, *, exclude: bool) -> dict[str, Any]:
    """One anomaly record (the shape written to ``metadata.json``)."""
    return {"bureau_id": str(bureau_id), "kind": kind, "message": message, "exclude": bool(exclude)}


def _name(inputs: Inputs, bureau_id: str) -> str:
    """« Paris 15e — bureau 1599 (75056_1599) »: the label a user recognises, and the id."""
    label = inputs.labels.get(str(bureau_id))
    return f"{label} ({bureau_id})" if isinstance(label, str) and label else str(bureau_id)


def robust_z(values: pd.Series) -> pd.Series:
    """Distance to the median in robust standard deviations (1.4826 × MAD, floored).

    Why robust: the phantom bureau itself would inflate a mean and a standard deviation. The
    floor (1 point) keeps a territory whose bureaux are all alike from flagging tiny differences.
    """
    x = pd.to_numeric(values, errors="coerce").dropna()
    if len(x) < MIN_BUREAUX_FOR_STATS:
        return pd.Series(dtype=float)
    med = x.median()
    scale = max(1.4826 * (x - med).abs().median(), MAD_FLOOR_POINTS)
    return (x - med) / scale


# ---------------------------------------------------------------------------------- contours

def _areas_m2(bureaux: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(bureaux.to_crs(LAMBERT93).area.to_numpy(), index=bureaux["bureau_id"].to_numpy())


def tiny_contours(inputs: Inputs) -> list[dict[str, Any]]:
    """Contours under 1,000 m² (≈ 30 m × 30 m): no real bureau is that small.

    The smallest real contours are 16,379 m² in Paris and 55,409 m² in 92-13; the Paris phantom
    ``75056_1599`` measures 1 m². Excluded: its rates describe no street a team can walk.
    """
    area = _areas_m2(inputs.bureaux)
    return [anomaly(bid, "tiny_contour",
                    f"{_name(inputs, bid)} : contour de {fr.number(a)} m² seulement (seuil "
                    f"{fr.number(TINY_CONTOUR_M2)} m²) — probablement un reliquat de découpage.",
                    exclude=True)
            for bid, a in area[area < TINY_CONTOUR_M2].items()]


def detached_contours(inputs: Inputs) -> list[dict[str, Any]]:
    """Contours more than 500 m from every other bureau of the territory.

    Real bureaux tile their commune: every Paris and 92-13 contour touches another (distance 0);
    the phantom sits 4,047 m outside Paris. Not excluded on its own: an island bureau is real.
    """
    if len(inputs.bureaux) < 2:
        return []
    geoms = inputs.bureaux.to_crs(LAMBERT93).geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    # Cheap first: bureaux tile their commune, so nearly all touch a neighbour (pairs from the
    # index within 1 m, exact test with early exit). Only the rest pay for an exact nearest
    # distance, which on a city of 10,000 many-vertex contours took 3.8 s for all bureaux.
    left, right = tree.query(geoms, predicate="dwithin", distance=1.0)
    near = np.zeros(len(geoms), dtype=bool)
    near[left[left != right]] = True
    lonely = np.flatnonzero(~near)
    if not len(lonely):
        return []
    (src, _), dist = tree.query_nearest(geoms[lonely], exclusive=True, return_distance=True, all_matches=False)
    nearest = pd.Series(dist, index=inputs.bureaux["bureau_id"].to_numpy()[lonely[src]])
    far = nearest[nearest > DETACHED_M]
    return [anomaly(bid, "detached_contour",
                    f"{_name(inputs, bid)} : contour isolé, à {fr.number(d)} m du bureau le plus "
                    f"proche (seuil {fr.number(DETACHED_M)} m).", exclude=False)
            for bid, d in far.items()]


def bureaux_without_addresses(inputs: Inputs) -> list[dict[str, Any]]:
    """Bureaux holding no BAN address while the territory has addresses (0 of 903 real Paris
    bureaux besides the phantom): the walk list would be empty and the centre is the polygon's."""
    if not inputs.has_addresses:
        return []
    n = pd.to_numeric(inputs.bureaux["n_addresses"], errors="coerce")
    ids = inputs.bureaux.loc[n == 0, "bureau_id"]
    return [anomaly(bid, "no_addresses",
                    f"{_name(inputs, bid)} : aucune adresse BAN dans le contour — pas de liste de "
                    "porte-à-porte possible.", exclude=False) for bid in ids]


# ----------------------------------------------------------------------------------- results

def results_without_contour(inputs: Inputs) -> list[dict[str, Any]]:
    """Bureaux with results but no contour on the reference map (92-13: ``92019_0020``).

    Their rows cannot be kept (the map has nowhere to draw them); the anomaly names them with
    their registered voters so the loss is visible. Excluded, since they are absent anyway.
    """
    if inputs.off_map.empty:
        return []
    out = []
    for bid, rows in inputs.off_map.groupby("bureau_id", sort=True):
        if bid in inputs.shapeless:
            continue  # said by bureaux_without_contour
        out.append(anomaly(bid, "results_without_contour",
                           f"{bid} : résultats sans contour sur la carte de référence "
                           f"({_registered_text(inputs, rows)}) ; "
                           f"{fr.number(len(rows))} lignes de résultats écartées, bureau absent de la carte.",
                           exclude=True))
    return out


def _registered_text(inputs: Inputs, rows: pd.DataFrame) -> str:
    """« 964 inscrits, Législatives 2024, 1er tour »: a bureau's registered voters in the reference
    election (else its latest), from its result rows."""
    firsts = rows.drop_duplicates("election").set_index("election")["registered"]
    latest = inputs.registered_election if inputs.registered_election in firsts else firsts.index.max()
    return f"{fr.number(firsts[latest])} inscrits, {inputs.elections.get(latest, latest)}"


def bureaux_without_contour(inputs: Inputs) -> list[dict[str, Any]]:
    """Bureaux listed in the contours file with an empty shape (Toulouse 2026: ``31555_001A``).

    The build goes on without them: their registered voters count in the territory's totals, the
    anomaly gives them; they cannot be drawn or walked, so they are left out of the map, the
    ranking and the walk lists (excluded).
    """
    out = []
    for bid in sorted(inputs.shapeless):
        rows = inputs.off_map[inputs.off_map["bureau_id"] == bid] if len(inputs.off_map) else inputs.off_map
        results = (f"{_registered_text(inputs, rows)}, comptés dans les totaux du territoire" if len(rows)
                   else "aucun résultat pour ce bureau")
        out.append(anomaly(bid, "no_contour",
                           f"{bid} : bureau du fichier des contours sans contour (géométrie vide) ; {results} ; "
                           "absent de la carte, du classement et des listes — complétez son contour dans le "
                           "fichier pour l'y faire figurer.", exclude=True))
    return out


def contours_without_results(inputs: Inputs) -> list[dict[str, Any]]:
    """Bureaux with no rate in an election that covers at least 95 % of the territory.

    Why 95 %: a 2nd round legitimately skips whole circonscriptions (Paris législatives 2017 T2:
    841 of 902 bureaux); a bureau missing from a territory-wide election is a join failure.
    """
    missing: dict[str, list[str]] = {}
    for election, rates in inputs.abstention.items():
        if rates.notna().mean() < COVERAGE_FOR_EXPECTED:
            continue
        for bid in rates.index[rates.isna()]:
            missing.setdefault(bid, []).append(inputs.elections.get(election, election))
    return [anomaly(bid, "contour_without_results",
                    f"{_name(inputs, bid)} : pas de résultats pour {', '.join(labels)} "
                    "(alors que les autres bureaux en ont).", exclude=False)
            for bid, labels in sorted(missing.items())]


def turnout_outliers(inputs: Inputs) -> list[dict[str, Any]]:
    """Abstention more than 8 robust standard deviations from the territory's median.

    The most abstentionist real bureaux reach |z| = 7.2 (Paris, présidentielle 2017 T1,
    19e arrondissement) and 5.8 (92-13); the phantom's 97.5 % in 2026 is at z = 11.3. Excluded:
    such a rate would top every abstention ranking.
    """
    out = []
    for election, rates in inputs.abstention.items():
        z = robust_z(rates)
        for bid, value in z[z.abs() > TURNOUT_Z].items():
            out.append(anomaly(bid, "turnout_outlier",
                               f"{_name(inputs, bid)} : abstention de {fr.percent(rates[bid])} en "
                               f"{inputs.elections.get(election, election)}, contre "
                               f"{fr.percent(rates.median())} pour le bureau médian (écart robuste "
                               f"{fr.number(value, 1)}).", exclude=True))
    return out


def registered_outliers(inputs: Inputs) -> list[dict[str, Any]]:
    """Registered voters under a third or over three times the territory's median.

    Real bureaux stay within 0.53–1.50 × the median in Paris (835–2,336 voters) and 0.77–1.29 ×
    in 92-13. A bureau of a few dozen voters gives rates that are noise: excluded; a very large
    one is only flagged.
    """
    reg = pd.to_numeric(inputs.bureaux.set_index("bureau_id")["registered"], errors="coerce").dropna()
    if len(reg) < MIN_BUREAUX_FOR_STATS:
        return []
    med = reg.median()
    odd = reg[(reg < med / REGISTERED_RATIO) | (reg > med * REGISTERED_RATIO)]
    return [anomaly(bid, "registered_outlier",
                    f"{_name(inputs, bid)} : {fr.number(v)} inscrits, soit {fr.number(v / med, 2)} fois "
                    f"le bureau médian ({fr.number(med)}).", exclude=bool(v < med))
            for bid, v in odd.items()]


def registered_swings(inputs: Inputs) -> list[dict[str, Any]]:
    """Registered voters halved or doubled between an election and the reference one.

    On one map the electorate of a bureau moves by a few percent (92-13, 2022 → 2024:
    0.86–1.32×); beyond ×2 or ÷2 the bureau was redrawn, or its results were carried over from
    old boundaries with the wrong weights.
    """
    totals = inputs.results.drop_duplicates(["bureau_id", "election"])
    reg = totals.pivot(index="bureau_id", columns="election", values="registered")
    if inputs.registered_election not in reg:
        return []
    ratio = reg.drop(columns=inputs.registered_election).div(reg[inputs.registered_election], axis=0)
    odd = ratio.where((ratio > REGISTERED_SWING) | (ratio < 1 / REGISTERED_SWING)).stack().dropna()
    ref = inputs.elections.get(inputs.registered_election, inputs.registered_election)
    out = []
    for bid, found in odd.groupby(level=0):
        parts = [f"{fr.number(reg.at[bid, e])} en {inputs.elections.get(e, e)} (× {fr.number(r, 2)})"
                 for (_, e), r in found.items()]
        out.append(anomaly(bid, "registered_swing",
                           f"{_name(inputs, bid)} : {fr.number(reg.at[bid, inputs.registered_election])} "
                           f"inscrits en {ref}, mais {' ; '.join(parts)}.", exclude=False))
    return out


def abstention_swings(inputs: Inputs) -> list[dict[str, Any]]:
    """Change of abstention more than 6 robust standard deviations from the median change.

    Real changes stay within |z| = 4.5 in Paris (2020 → 2026) and 3.3 in 92-13 (2022 → 2024):
    a larger swing is more likely a renumbered or mis-joined bureau than a local political event.
    """
    if inputs.trend is None:
        return []
    z = robust_z(inputs.trend)
    return [anomaly(bid, "abstention_swing",
                    f"{_name(inputs, bid)} : abstention en évolution de {fr.number(inputs.trend[bid], 1)} "
                    f"points ({inputs.trend_label}), contre {fr.number(inputs.trend.median(), 1)} pour le "
                    f"bureau médian (écart robuste {fr.number(value, 1)}).", exclude=False)
            for bid, value in z[z.abs() > SWING_Z].items()]


def share_sums(inputs: Inputs) -> list[dict[str, Any]]:
    """Shares of a bureau not summing to 100 % of expressed votes, beyond a tolerance.

    From votes the sum is exactly 100 (tolerance 0.5 point for rounding in the source). Paris
    municipales 2026 gives rounded percentages per list plus « autres »: sums run from 94.9 to
    100.0 % (median 98.7 %), the gap being lists the source leaves out. Tolerance 3 points
    there (44 of 903 bureaux beyond it): a bigger gap can reorder two lists. Flagged, not
    excluded: abstention is unaffected.
    """
    sums = inputs.results.groupby(["bureau_id", "election"]).agg(
        total=("share", "sum"), kind=("value_kind", "first"))
    tolerance = sums["kind"].map(SHARE_TOLERANCE).fillna(SHARE_TOLERANCE["votes"])
    odd = sums[(sums["total"] - 100).abs() > tolerance]
    return [anomaly(bid, "shares_sum",
                    f"{_name(inputs, bid)} : les listes totalisent {fr.percent(row.total)} des exprimés en "
                    f"{inputs.elections.get(election, election)} (tolérance ± "
                    f"{fr.number(SHARE_TOLERANCE.get(row.kind, 0.5), 1)} point).", exclude=False)
            for (bid, election), row in odd.iterrows()]


def _races(candidate_sets: pd.Series) -> list[frozenset]:
    """Candidate sets found in some bureau that contain no other bureau's set: one per race."""
    unique = set(candidate_sets)
    return [s for s in unique if not any(other < s for other in unique)]


def mixed_circonscriptions(inputs: Inputs) -> list[dict[str, Any]]:
    """Bureaux whose législatives results hold the candidates of two circonscriptions.

    Happens when results are carried from old boundaries and an old bureau of another
    circonscription overlaps the new one (Paris 2017 → 2026: 3 bureaux). Shares then mix two
    races; the message gives the part of the votes from the other race. Flagged, not excluded.
    """
    legis = inputs.results[inputs.results["election"].astype(str).str.startswith("leg")]
    return [a for election, rows in legis.groupby("election") for a in _mixed_in(inputs, str(election), rows)]


def _mixed_in(inputs: Inputs, election: str, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Mixed bureaux of one législatives election (see :func:`mixed_circonscriptions`)."""
    sets = rows.groupby("bureau_id")["candidate"].agg(frozenset)
    races = _races(sets)
    race_of = {c: i for i, race in enumerate(races) for c in race}
    out = []
    for bid in sets.index[sets.map(lambda s: sum(r <= s for r in races) >= 2)]:
        mine = rows[rows["bureau_id"] == bid]
        votes = mine.groupby(mine["candidate"].map(race_of))["votes"].sum()
        other = 1 - votes.max() / votes.sum() if votes.sum() > 0 else float("nan")
        out.append(anomaly(bid, "mixed_circonscriptions",
                           f"{_name(inputs, bid)} : en {inputs.elections.get(election, election)}, "
                           f"candidats de {len(votes)} circonscriptions ({fr.percent(100 * other)} "
                           "des voix viennent d'une autre circonscription).", exclude=False))
    return out


DETECTORS: dict[str, Callable[[Inputs], list[dict[str, Any]]]] = {
    "tiny_contour": tiny_contours,
    "detached_contour": detached_contours,
    "no_addresses": bureaux_without_addresses,
    "no_contour": bureaux_without_contour,
    "results_without_contour": results_without_contour,
    "contour_without_results": contours_without_results,
    "turnout_outlier": turnout_outliers,
    "registered_outlier": registered_outliers,
    "registered_swing": registered_swings,
    "abstention_swing": abstention_swings,
    "shares_sum": share_sums,
    "mixed_circonscriptions": mixed_circonscriptions,
}


def detect(inputs: Inputs) -> list[dict[str, Any]]:
    """Run every detector; excluded bureaux first, then by kind and bureau."""
    found = [a for detector in DETECTORS.values() for a in detector(inputs)]
    return sorted(found, key=lambda a: (not a["exclude"], list(DETECTORS).index(a["kind"]), a["bureau_id"]))


# ------------------------------------------------------------------------- API for the pages

def of(metadata: dict[str, Any]) -> pd.DataFrame:
    """The anomalies of a dataset as a table (empty, with the columns, when there are none)."""
    rows = metadata.get("anomalies") or []
    frame = pd.DataFrame(rows, columns=["bureau_id", "kind", "message", "exclude"])
    frame["kind_label"] = frame["kind"].map(KIND_LABELS).fillna(frame["kind"])
    return frame.astype({"exclude": bool})[ANOMALY_COLUMNS]


def excluded_ids(metadata: dict[str, Any]) -> set[str]:
    """Ids of the « bureaux atypiques »: left out of map, ranking and walk lists by default."""
    return {a["bureau_id"] for a in metadata.get("anomalies") or [] if a["exclude"]}


def atypical_sidebar(metadata: dict[str, Any], bureau_ids: Collection[str]) -> tuple[int, str]:
    """How many « bureaux atypiques » the map sets aside, and the sentence saying it: the count of
    the bureaux *on the map* (as the legend counts them); the excluded bureaux without a contour
    (results without contour) are never on the map, ranking or lists, so they are said apart."""
    excluded = excluded_ids(metadata)
    on_map = len(excluded & set(map(str, bureau_ids)))
    elsewhere = len(excluded) - on_map
    parts = [f"{on_map} bureau(x) atypique(s) écarté(s) de la carte"] if on_map else []
    if elsewhere:
        parts.append(f"{elsewhere} bureau(x) avec résultats sans contour, absent(s) de la carte")
    return on_map, (" ; ".join(parts) + " : voir la page d'accueil.") if parts else ""


def dropped(metadata: dict[str, Any]) -> pd.DataFrame:
    """Rows the build could not keep, per source, with the reason (French)."""
    return pd.DataFrame(metadata.get("dropped") or [], columns=DROPPED_COLUMNS)


def dropped_rows(source: str, rows: int, reason: str) -> list[dict[str, Any]]:
    """A ``dropped`` entry, or nothing when no row was dropped (a zero is not news)."""
    return [{"source": source, "rows": int(rows), "reason": reason}] if rows else []


def kept_mask(bureau_ids: pd.Series, metadata: dict[str, Any], *, include_atypical: bool = False) -> pd.Series:
    """True for the bureaux a page shows: all of them when the user ticks « bureaux atypiques »,
    otherwise every bureau but the excluded ones (same index as ``bureau_ids``)."""
    if include_atypical:
        return pd.Series(True, index=bureau_ids.index)
    return ~bureau_ids.astype(str).isin(excluded_ids(metadata))
