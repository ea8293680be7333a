"""Results carried across boundary vintages: seed weights (addresses, else areas), calibration on
registered voters (iterative proportional fitting), carrying, and what could not be carried.

Why: Paris's 2017 results sit on the 2017 bureaux; the reference map is 2026's (docs/data.md).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lib import anomalies, fr, geo
from lib.contract import RESULTS_COLUMNS


def transfer_weights(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *, old_id: str, new_id: str,
                     address_old: pd.Series | None, address_new: pd.Series | None) -> pd.DataFrame:
    """Share of each old bureau that goes to each new bureau (rows of an old bureau sum to 1).

    Weighted by the addresses in each old ∩ new intersection; an old bureau that holds no address
    falls back to intersection areas (Lambert-93). Parts of an old bureau outside every new bureau
    are spread over the parts inside, so totals are conserved.
    """
    weights = []
    with_addresses: set[str] = set()
    if address_old is not None and address_new is not None:
        pairs = pd.DataFrame({"old": address_old, "new": address_new}).dropna()
        counts = pairs.groupby(["old", "new"]).size().rename("n").reset_index()
        counts["weight"] = counts["n"] / counts.groupby("old")["n"].transform("sum")
        weights.append(counts[["old", "new", "weight"]].assign(method="addresses"))
        with_addresses = set(counts["old"])
    rest = old[~old[old_id].isin(with_addresses)]
    if len(rest):
        pieces = gpd.overlay(rest[[old_id, "geometry"]].to_crs(geo.LAMBERT93),
                             new[[new_id, "geometry"]].to_crs(geo.LAMBERT93),
                             how="intersection", keep_geom_type=True)
        pieces["area"] = pieces.area
        pieces = pieces[pieces["area"] > 0]
        pieces["weight"] = pieces["area"] / pieces.groupby(old_id)["area"].transform("sum")
        weights.append(pd.DataFrame({"old": pieces[old_id], "new": pieces[new_id],
                                     "weight": pieces["weight"], "method": "area"}))
    return pd.concat(weights, ignore_index=True)


def registered_by_bureau(results: pd.DataFrame) -> pd.Series:
    """Mean registered voters per bureau over the elections of ``results`` (the old margin)."""
    totals = results.drop_duplicates(["bureau_id", "election"])
    return totals.groupby("bureau_id")["registered"].mean()


def calibrate_weights(weights: pd.DataFrame, *, old_registered: pd.Series, new_registered: pd.Series,
                      max_iter: int = 2000, tol: float = 1e-6) -> pd.DataFrame:
    """Re-weight the pieces so carried registered voters match each new bureau's own count.

    Why: address counts mis-size a split when one address holds hundreds of dwellings (Paris
    ``75056_1716``: 259 carried vs 1,502 registered). Iterative proportional fitting on the
    matrix registered(old) × weight, seeded by the address (or area) weights, alternately scales
    columns to the new bureaux' registered voters and rows back to the old bureaux' totals. Only
    existing pieces move: a piece without address overlap stays at zero. Column targets are scaled
    per connected group of old and new bureaux to the group's old total (the electorate grew
    between vintages; only its split is calibrated). The last step is a row step, so each old
    bureau's weights sum to 1 exactly and totals are conserved. Old bureaux without a registered
    count and new bureaux without one keep their seed shares.
    """
    w = weights.reset_index(drop=True).copy()
    r_old = w["old"].map(old_registered).astype(float).to_numpy()
    target = w["new"].map(new_registered).astype(float).to_numpy()
    free_row = ~(r_old > 0)
    mass = np.where(free_row, 0.0, np.nan_to_num(r_old) * w["weight"].to_numpy())
    target = _group_scaled_targets(w, mass, target)
    new_codes, _ = pd.factorize(w["new"])
    old_codes, _ = pd.factorize(w["old"])
    fitted = np.isfinite(target) & ~free_row
    for _ in range(max_iter):
        col = np.bincount(new_codes, weights=mass)[new_codes]
        mass = np.where(fitted & (col > 0), mass * target / np.where(col > 0, col, 1), mass)
        row = np.bincount(old_codes, weights=mass)[old_codes]
        mass = np.where(row > 0, mass * np.nan_to_num(r_old) / np.where(row > 0, row, 1), mass)
        col = np.bincount(new_codes, weights=mass)[new_codes]
        if not fitted.any() or np.nanmax(np.abs(col[fitted] / target[fitted] - 1)) < tol:
            break
    row = np.bincount(old_codes, weights=mass)[old_codes]
    share = np.divide(mass, row, out=w["weight"].to_numpy(dtype=float, copy=True), where=row > 0)
    w["weight"] = np.where(free_row, w["weight"], share)
    return w


def _group_scaled_targets(w: pd.DataFrame, mass: np.ndarray, target: np.ndarray) -> np.ndarray:
    """New-bureau targets scaled so each connected group's targets add up to its old total.

    IPF only converges when both margins agree within each block of the matrix; the seed mass
    sent to new bureaux without a target is left to them.
    """
    new_codes, _ = pd.factorize(w["new"])
    group = carry_groups(w)
    has_target = np.isfinite(target)
    first_of_new = ~pd.Series(new_codes).duplicated().to_numpy()
    old_total = np.bincount(group, weights=mass)
    free_mass = np.bincount(group, weights=np.where(has_target, 0.0, mass))
    target_total = np.bincount(group, weights=np.where(has_target & first_of_new, target, 0.0))
    scale = np.divide(old_total - free_mass, target_total, out=np.ones_like(old_total),
                      where=target_total > 0)
    return target * scale[group]


def carry_groups(weights: pd.DataFrame) -> np.ndarray:
    """Label per piece of its connected group (old and new bureaux linked by some piece).

    Within a group, carrying can only move voters around; the group's total is fixed.
    """
    old_codes, old_ids = pd.factorize(weights["old"])
    new_codes, new_ids = pd.factorize(weights["new"])
    n_old = len(old_ids)
    graph = coo_matrix((np.ones(len(weights)), (old_codes, n_old + new_codes)),
                       shape=(n_old + len(new_ids),) * 2)
    _, labels = connected_components(graph, directed=False)
    return labels[old_codes]


def carry_ratio(weights: pd.DataFrame, *, old_registered: pd.Series,
                new_registered: pd.Series) -> pd.Series:
    """Carried registered ÷ own registered, per new bureau that takes a piece of a split old
    bureau (the bureaux a carry-over method can mis-size; bench/carry_report.py prints it)."""
    split_old = weights.groupby("old")["new"].nunique().loc[lambda n: n > 1].index
    touched = weights.loc[weights["old"].isin(split_old), "new"].unique()
    carried = (weights["old"].map(old_registered) * weights["weight"]).groupby(weights["new"]).sum()
    return (carried / new_registered).reindex(touched).dropna().sort_values()


def carry_losses(results: pd.DataFrame, weights: pd.DataFrame, *, source: str) -> list[dict[str, Any]]:
    """Result rows of old bureaux that no weight carries anywhere (counted in ``dropped``)."""
    lost = ~results["bureau_id"].isin(set(weights["old"]))
    ids = sorted(results.loc[lost, "bureau_id"].astype(str).unique())
    return anomalies.dropped_rows(source, int(lost.sum()),
                                  "bureaux d'origine sans intersection avec la carte de référence : "
                                  + fr.first_items(ids))


COUNT_COLUMNS = ["registered", "voters", "expressed", "blank", "null"]


def carry_results(results: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Move long-format results from old bureau ids onto new ones with ``weights``.

    Bureau totals (registered, voters…) and candidate votes are carried separately, then shares
    are recomputed on the carried totals. Output rows are flagged ``carried``.
    """
    totals = results.drop_duplicates(["bureau_id", "election"])[["bureau_id", "election", *COUNT_COLUMNS]]
    t = totals.merge(weights, left_on="bureau_id", right_on="old")
    for col in COUNT_COLUMNS:
        t[col] = t[col] * t["weight"]
    t = t.groupby(["new", "election"], as_index=False)[COUNT_COLUMNS].sum(min_count=1)

    v = results[["bureau_id", "election", "candidate", "nuance", "votes"]].merge(
        weights, left_on="bureau_id", right_on="old")
    v["votes"] = v["votes"] * v["weight"]
    v = v.groupby(["new", "election", "candidate", "nuance"], as_index=False, dropna=False)["votes"].sum()
    out = v.merge(t, on=["new", "election"], how="left").rename(columns={"new": "bureau_id"})
    out["share"] = out["votes"] / out["expressed"] * 100
    out["value_kind"] = "votes"
    out["carried"] = True
    return out[RESULTS_COLUMNS]
