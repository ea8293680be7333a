"""Anomaly detectors: each flags the case it is named for, and leaves ordinary bureaux alone."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from lib import anomalies
from lib.anomalies import Inputs
from lib.geo import LAMBERT93, WGS84

from .helpers import DATA_DIR, requires_dataset, synthetic_results


def _territory(n: int = 12) -> gpd.GeoDataFrame:
    """``n`` adjoining 200 m squares in a row near Paris, 1,000 registered voters each."""
    x0, y0 = 652000.0, 6862000.0
    boxes = [shapely.box(x0 + 200 * i, y0, x0 + 200 * (i + 1), y0 + 200) for i in range(n)]
    ids = [f"99001_{i + 1:04d}" for i in range(n)]
    gdf = gpd.GeoDataFrame({"bureau_id": ids, "label": [f"Ville — bureau {i + 1}" for i in range(n)],
                            "registered": 1000.0, "n_addresses": 50}, geometry=boxes, crs=LAMBERT93)
    return gdf.to_crs(WGS84)


def _inputs(bureaux: gpd.GeoDataFrame | None = None, **overrides) -> Inputs:
    bureaux = _territory() if bureaux is None else bureaux
    ids = bureaux["bureau_id"].tolist()
    results = synthetic_results(ids)
    rates = 100 * (1 - results.drop_duplicates("bureau_id").set_index("bureau_id")["voters"] / 1000)
    values = {"bureaux": bureaux, "results": results, "abstention": pd.DataFrame({"leg2024t1": rates}),
              "elections": {"leg2024t1": "Législatives 2024, 1er tour"},
              "registered_election": "leg2024t1", "has_addresses": True}
    return Inputs(**{**values, **overrides})


def _kinds(found: list[dict]) -> list[tuple[str, str]]:
    return [(a["kind"], a["bureau_id"]) for a in found]


def test_an_ordinary_territory_has_no_anomaly():
    assert anomalies.detect(_inputs()) == []


def test_a_1_m2_contour_far_away_is_tiny_detached_and_excluded():
    bureaux = _territory()
    far = shapely.box(662000, 6862000, 662001, 6862001)  # 1 m², 8 km east, in Lambert-93
    bureaux.loc[0, "geometry"] = gpd.GeoSeries([far], crs=LAMBERT93).to_crs(WGS84).iloc[0]
    found = anomalies.detect(_inputs(bureaux))
    assert ("tiny_contour", "99001_0001") in _kinds(found)
    assert ("detached_contour", "99001_0001") in _kinds(found)
    tiny = next(a for a in found if a["kind"] == "tiny_contour")
    assert tiny["exclude"] is True and "Ville — bureau 1 (99001_0001)" in tiny["message"]
    assert "1 m²" in tiny["message"]


def test_a_bureau_without_addresses_is_flagged_only_when_the_territory_has_addresses():
    bureaux = _territory()
    bureaux.loc[3, "n_addresses"] = 0
    assert _kinds(anomalies.bureaux_without_addresses(_inputs(bureaux))) == [("no_addresses", "99001_0004")]
    assert anomalies.bureaux_without_addresses(_inputs(bureaux, has_addresses=False)) == []


def test_results_without_contour_name_the_bureau_its_voters_and_the_rows_left_out():
    off = synthetic_results(["99001_0099"]).assign(registered=964.0)
    found = anomalies.results_without_contour(_inputs(off_map=off))
    assert _kinds(found) == [("results_without_contour", "99001_0099")]
    assert "964 inscrits" in found[0]["message"] and "2 lignes" in found[0]["message"]
    assert found[0]["exclude"] is True


def test_a_bureau_missing_from_a_territory_wide_election_is_flagged_but_not_from_a_partial_one():
    inputs = _inputs()
    rates = inputs.abstention.assign(leg2024t2=inputs.abstention["leg2024t1"])
    rates.iloc[0, 1] = float("nan")  # 11 of 12 bureaux: 92 % < 95 % → a partial 2nd round
    assert anomalies.contours_without_results(_inputs(abstention=rates)) == []
    big = _territory(30)
    rates = pd.DataFrame({"leg2024t1": 40.0}, index=big["bureau_id"])
    rates.iloc[4, 0] = float("nan")  # 29 of 30 have it: territory-wide
    found = anomalies.contours_without_results(_inputs(big, abstention=rates))
    assert _kinds(found) == [("contour_without_results", "99001_0005")]


def test_an_extreme_abstention_is_excluded_but_a_merely_high_one_is_not():
    ids = _territory()["bureau_id"]
    usual = [38.0, 40.0, 42.0, 39.0, 41.0, 40.0, 43.0, 37.0, 40.0, 41.0, 39.0]  # median 40, MAD 1
    rates = pd.DataFrame({"leg2024t1": [97.5, *usual]}, index=ids.to_numpy())
    found = anomalies.turnout_outliers(_inputs(abstention=rates))
    assert _kinds(found) == [("turnout_outlier", "99001_0001")] and found[0]["exclude"] is True
    assert "97,5" in found[0]["message"]
    rates.iloc[0, 0] = 50.0  # 6.7 robust deviations: high, but real bureaux go that far
    assert anomalies.turnout_outliers(_inputs(abstention=rates)) == []


def test_robust_z_ignores_small_territories_and_floors_the_spread():
    assert anomalies.robust_z(pd.Series([1.0, 2.0, 90.0])).empty
    flat = pd.Series([50.0] * 11 + [53.0])
    assert anomalies.robust_z(flat).max() == pytest.approx(3.0)  # MAD 0 → floor of 1 point


def test_a_tiny_electorate_is_excluded_and_a_huge_one_only_flagged():
    bureaux = _territory()
    bureaux.loc[0, "registered"] = 120.0
    bureaux.loc[1, "registered"] = 3500.0
    found = {a["bureau_id"]: a for a in anomalies.registered_outliers(_inputs(bureaux))}
    assert set(found) == {"99001_0001", "99001_0002"}
    assert found["99001_0001"]["exclude"] is True and found["99001_0002"]["exclude"] is False


def test_registered_voters_halved_between_elections_is_a_swing():
    inputs = _inputs()
    earlier = synthetic_results(inputs.bureaux["bureau_id"].tolist(), election="leg2017t1")
    earlier.loc[earlier["bureau_id"] == "99001_0003", "registered"] = 259.0
    found = anomalies.registered_swings(_inputs(results=pd.concat([inputs.results, earlier])))
    assert _kinds(found) == [("registered_swing", "99001_0003")]
    assert "259" in found[0]["message"] and "0,26" in found[0]["message"]


def test_an_abstention_swing_far_from_the_others_is_flagged():
    ids = _territory()["bureau_id"]
    trend = pd.Series([-15.0, -14.0, -16.0, -15.5, -14.5, -15.0, -13.0, -17.0, -15.0, -16.0, -14.0, 30.0],
                      index=ids.to_numpy())
    found = anomalies.abstention_swings(_inputs(trend=trend, trend_label="2022 → 2024"))
    assert _kinds(found) == [("abstention_swing", "99001_0012")]


def test_shares_use_a_tolerance_by_kind_of_source():
    inputs = _inputs()
    r = inputs.results.copy()
    first = r.index[r["bureau_id"] == "99001_0001"][0]
    r.loc[first, "share"] -= 1.0  # votes-based: 99 % is beyond 0.5 point
    shares = r[r["bureau_id"] == "99001_0002"].assign(value_kind="share")
    shares.loc[shares.index[0], "share"] -= 2.0  # share-only source: 98 % is within 3 points
    r.loc[shares.index] = shares
    assert _kinds(anomalies.share_sums(_inputs(results=r))) == [("shares_sum", "99001_0001")]


def test_a_bureau_holding_candidates_of_two_circonscriptions_is_flagged_with_the_minor_part():
    ids = _territory()["bureau_id"].tolist()
    a, b = synthetic_results(ids[:6]), synthetic_results(ids[6:])
    b["candidate"] = b["candidate"] + " (2e circ.)"
    mixed = pd.concat([b[b["bureau_id"] == ids[6]].assign(bureau_id=ids[0], votes=lambda f: f["votes"] / 10)])
    found = anomalies.mixed_circonscriptions(_inputs(results=pd.concat([a, b, mixed])))
    assert _kinds(found) == [("mixed_circonscriptions", ids[0])]
    assert "2 circonscriptions" in found[0]["message"]


def test_the_api_reads_anomalies_exclusions_and_dropped_rows_from_metadata():
    meta = {"anomalies": [anomalies.anomaly("75056_1599", "tiny_contour", "x", exclude=True),
                          anomalies.anomaly("75056_1844", "shares_sum", "y", exclude=False)],
            "dropped": anomalies.dropped_rows("résultats", 47, "sans contour") + anomalies.dropped_rows("BAN", 0, "z")}
    table = anomalies.of(meta)
    assert list(table.columns) == anomalies.ANOMALY_COLUMNS
    assert table.loc[0, "kind_label"] == "contour minuscule"
    assert anomalies.excluded_ids(meta) == {"75056_1599"}
    assert anomalies.dropped(meta).to_dict("records") == [{"source": "résultats", "rows": 47, "reason": "sans contour"}]
    ids = pd.Series(["75056_1599", "75056_1844"])
    assert anomalies.kept_mask(ids, meta).tolist() == [False, True]
    assert anomalies.kept_mask(ids, meta, include_atypical=True).all()
    assert anomalies.of({}).empty and anomalies.excluded_ids({}) == set()


def test_every_detector_has_a_french_label():
    assert set(anomalies.DETECTORS) == set(anomalies.KIND_LABELS)


@requires_dataset("paris")
def test_the_paris_phantom_is_excluded_and_named_in_the_dataset():
    from lib.dataset import load_territory

    paris = load_territory(DATA_DIR, "paris")
    assert "75056_1599" in paris.excluded_ids
    kinds = set(paris.anomalies.loc[paris.anomalies["bureau_id"] == "75056_1599", "kind"])
    assert {"tiny_contour", "detached_contour", "no_addresses", "turnout_outlier"} <= kinds
    assert paris.excluded_ids == {"75056_1599"}


@requires_dataset("antony")
def test_antony_bureau_without_contour_is_counted_and_named():
    from lib.dataset import load_territory

    antony = load_territory(DATA_DIR, "antony")
    row = antony.anomalies.set_index("bureau_id").loc["92019_0020"]
    assert row["kind"] == "results_without_contour" and "964 inscrits" in row["message"]
    dropped = antony.dropped.set_index("source").loc["résultats"]
    assert dropped["rows"] == 47 and "92019_0020" in dropped["reason"]
