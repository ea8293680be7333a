"""Carry-over of results across boundary vintages: calibrated to both margins, totals conserved."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.datasets import paris as paris_build
from lib.datasets.carryover import (
    calibrate_weights,
    carry_groups,
    carry_losses,
    carry_ratio,
    carry_results,
    registered_by_bureau,
)

from .helpers import DATA_DIR, RAW_DIR, requires_dataset, synthetic_results


def _seed() -> pd.DataFrame:
    """Old A (1,000 voters) split over new X and Y by address counts 9:1, old B (1,000) all in Y.

    One address of A in Y holds a tower: the 2026 registered say X 600, Y 1,400.
    """
    return pd.DataFrame({"old": ["A", "A", "B"], "new": ["X", "Y", "Y"],
                         "weight": [0.9, 0.1, 1.0], "method": "addresses"})


OLD = pd.Series({"A": 1000.0, "B": 1000.0})


def _columns(weights: pd.DataFrame, old: pd.Series) -> pd.Series:
    return (weights["old"].map(old) * weights["weight"]).groupby(weights["new"]).sum()


def test_calibration_matches_new_registered_and_keeps_each_old_total():
    fitted = calibrate_weights(_seed(), old_registered=OLD, new_registered=pd.Series({"X": 600.0, "Y": 1400.0}))
    assert fitted.groupby("old")["weight"].sum().to_numpy() == pytest.approx([1.0, 1.0], abs=1e-12)
    assert _columns(fitted, OLD).to_dict() == pytest.approx({"X": 600.0, "Y": 1400.0}, rel=1e-5)
    assert _columns(_seed(), OLD)["X"] == pytest.approx(900.0)  # what address counts alone gave


def test_calibration_never_creates_a_piece_the_seed_did_not_have():
    fitted = calibrate_weights(_seed(), old_registered=OLD, new_registered=pd.Series({"X": 100.0, "Y": 1900.0}))
    assert list(zip(fitted["old"], fitted["new"], strict=True)) == [("A", "X"), ("A", "Y"), ("B", "Y")]
    assert fitted.loc[2, "weight"] == pytest.approx(1.0)  # B has one piece: it cannot move


def test_a_grown_electorate_is_split_in_proportion_not_forced_onto_the_old_total():
    # 2026 electorate 10 % larger everywhere: the split follows 660:1540, totals stay 2,000.
    fitted = calibrate_weights(_seed(), old_registered=OLD, new_registered=pd.Series({"X": 660.0, "Y": 1540.0}))
    cols = _columns(fitted, OLD)
    assert cols.sum() == pytest.approx(2000.0)
    assert cols["X"] / cols["Y"] == pytest.approx(660 / 1540, rel=1e-5)


def test_old_bureaux_or_new_bureaux_without_registered_keep_their_seed_shares():
    fitted = calibrate_weights(_seed(), old_registered=pd.Series({"B": 1000.0}),
                               new_registered=pd.Series({"X": 600.0, "Y": 1400.0}))
    assert fitted.loc[fitted["old"] == "A", "weight"].tolist() == pytest.approx([0.9, 0.1])


def test_groups_link_old_and_new_bureaux_through_pieces():
    w = pd.concat([_seed(), pd.DataFrame({"old": ["C"], "new": ["Z"], "weight": [1.0], "method": "area"})])
    labels = carry_groups(w.reset_index(drop=True))
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_carry_ratio_covers_new_bureaux_touched_by_a_split_old_one():
    ratio = carry_ratio(_seed(), old_registered=OLD, new_registered=pd.Series({"X": 600.0, "Y": 1400.0}))
    assert ratio.to_dict() == pytest.approx({"X": 1.5, "Y": 1100 / 1400})


def test_results_of_an_old_bureau_that_no_piece_carries_are_counted_as_dropped():
    results = synthetic_results(["A", "B", "Q"])
    lost = carry_losses(results, _seed(), source="résultats 2017")
    assert lost == [{"source": "résultats 2017", "rows": 2,
                     "reason": "bureaux d'origine sans intersection avec la carte de référence : Q"}]
    assert carry_losses(results[results["bureau_id"] != "Q"], _seed(), source="x") == []


def test_calibrated_carry_conserves_votes_and_counts():
    fitted = calibrate_weights(_seed(), old_registered=OLD, new_registered=pd.Series({"X": 600.0, "Y": 1400.0}))
    results = synthetic_results(["A", "B"])
    carried = carry_results(results, fitted)
    assert carried["votes"].sum() == pytest.approx(results["votes"].sum(), rel=1e-12)
    firsts = carried.drop_duplicates("bureau_id")
    assert firsts["registered"].sum() == pytest.approx(2000.0, rel=1e-12)


@requires_dataset("paris")
def test_real_paris_carried_totals_equal_the_2017_source_exactly():
    from lib.dataset import load_territory

    source = paris_build.read_results_2017(RAW_DIR)
    out = load_territory(DATA_DIR, "paris").results
    for election in ("pres2017t1", "pres2017t2", "leg2017t1", "leg2017t2"):
        src, got = source[source["election"] == election], out[out["election"] == election]
        assert got["votes"].sum() == pytest.approx(src["votes"].sum(), rel=1e-9), election
        for col in ("registered", "voters", "expressed"):
            assert got.drop_duplicates("bureau_id")[col].sum() == pytest.approx(
                src.drop_duplicates("bureau_id")[col].sum(), rel=1e-9), (election, col)


@requires_dataset("paris")
def test_real_paris_social_housing_bureau_is_no_longer_a_sixth_of_its_size():
    """75056_1716: 259 carried vs 1,502 registered with address weights alone (× 0.17)."""
    from lib.dataset import load_territory

    data = load_territory(DATA_DIR, "paris")
    r = data.results
    carried = r[(r["bureau_id"] == "75056_1716") & (r["election"] == "pres2017t1")]["registered"].iloc[0]
    assert carried / data.bureaux.loc["75056_1716", "registered"] > 0.6
    assert registered_by_bureau(r[r["election"] == "pres2017t1"]).sum() == pytest.approx(
        registered_by_bureau(paris_build.read_results_2017(RAW_DIR).query("election == 'pres2017t1'")).sum())
