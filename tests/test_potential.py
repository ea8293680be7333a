"""Potential categories (bastion / favorable / disputé / difficile) and their movement, checked
by hand on the real législatives 2022 and 2024 second rounds of 92-13 (shipped dataset, MinInt)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lib import criteria, potential
from lib.config import PotentialThresholds, load_settings, parse_settings

ANTONY = Path(__file__).resolve().parent.parent / "data" / "antony"
THRESHOLDS = PotentialThresholds(bastion=6.0, favorable=0.0, dispute=-5.0)


@pytest.fixture(scope="module")
def antony():
    results = pd.read_parquet(ANTONY / "results.parquet")
    elections = json.loads((ANTONY / "metadata.json").read_text(encoding="utf-8"))["elections"]
    return results, elections


@pytest.fixture(scope="module")
def gaillard(antony):
    results, elections = antony
    choices = criteria.Choices("leg2024t2", ("GAILLARD Brice",))
    return potential.potential(results, elections, choices, {}, THRESHOLDS)


def test_gap_is_our_bureau_share_minus_our_territory_share(antony):
    results, _ = antony
    gap = criteria.potential_gap(results, "leg2024t2", ["GAILLARD Brice"])
    # 92002_0002: 318 / 820 exprimés; territory: 25 686 / 58 814 exprimés (hand-summed)
    assert gap["92002_0002"] == pytest.approx(100 * 318 / 820 - 100 * 25686 / 58814)


@pytest.mark.parametrize(("bureau", "category", "previous", "moved"), [
    ("92002_0001", "difficile", "difficile", "="),  # 236/694 − 43,67 = −9,67 ; 2022 : 194/594 − 40,89 = −8,23
    ("92002_0002", "disputé", "difficile", "↑"),  # 318/820 − 43,67 = −4,89 ; 2022 : 205/622 − 40,89 = −7,93
    ("92002_0007", "difficile", "favorable", "↓"),  # 238/620 − 43,67 = −5,29 ; 2022 : 232/555 − 40,89 = +0,92
])
def test_three_bureaux_are_classed_and_moved_as_computed_by_hand(gaillard, bureau, category, previous, moved):
    row = gaillard.frame.loc[bureau]
    assert (row["category"], row["previous_category"], row["movement"]) == (category, previous, moved)


def test_movement_compares_with_the_previous_election_of_the_same_kind(gaillard):
    assert gaillard.previous == "Législatives 2022, 2e tour" and gaillard.note == ""


def test_label_shows_the_arrow_only_when_the_category_moved(gaillard):
    assert gaillard.label("92002_0002") == "disputé ↑" and gaillard.label("92002_0001") == "difficile"


def test_categories_start_at_their_thresholds():
    gap = pd.Series([6.0, 5.99, 0.0, -0.01, -5.0, -5.01, float("nan")])
    assert potential.categorise(gap, THRESHOLDS).tolist() == [
        "bastion", "favorable", "favorable", "disputé", "disputé", "difficile", None]


def test_previous_comparable_prefers_the_same_round_then_the_latest_year():
    elections = [{"id": "leg2017t1", "kind": "leg", "year": 2017, "round": 1},
                 {"id": "leg2022t2", "kind": "leg", "year": 2022, "round": 2},
                 {"id": "pres2022t1", "kind": "pres", "year": 2022, "round": 1},
                 {"id": "leg2024t1", "kind": "leg", "year": 2024, "round": 1}]
    assert potential.previous_comparable(elections, "leg2024t1")["id"] == "leg2017t1"
    assert potential.previous_comparable(elections, "leg2017t1") is None


def test_no_previous_election_says_why_there_is_no_movement(antony):
    results, elections = antony
    found = potential.potential(results, elections, criteria.Choices("euro2024", ("GAILLARD Brice",)), {},
                                THRESHOLDS)
    assert "pas d'évolution" in found.note and (found.frame["movement"] == "").all()


def test_without_our_side_nothing_is_classed(antony):
    results, elections = antony
    found = potential.potential(results, elections, criteria.Choices("leg2024t2", ()), {}, THRESHOLDS)
    assert found.frame.empty and "notre camp" in found.note


def test_thresholds_are_read_from_config():
    assert load_settings().potential == THRESHOLDS


def test_thresholds_out_of_order_are_refused():
    import tomllib

    from lib.config import CONFIG_PATH
    from lib.errors import TerrainError

    raw = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    raw["potential"] = {"bastion": 1.0, "favorable": 2.0, "dispute": -5.0}
    with pytest.raises(TerrainError, match="potential"):
        parse_settings(raw)


def test_gap_is_a_registered_derived_criterion():
    assert "potential_gap" in criteria.DERIVED and "potential_gap" in criteria.needs_our_side()
