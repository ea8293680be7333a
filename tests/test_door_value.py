"""Votes per door for a walk plan (lib.door_value), hand-checked on real 92-13 and Paris results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib import door_value as dv

DATA = Path(__file__).resolve().parent.parent / "data"
ANTONY_3 = ["92002_0001", "92002_0002", "92002_0007"]
PARIS_3 = ["75056_0327", "75056_0334", "75056_0509"]


@pytest.fixture(scope="module")
def antony() -> pd.DataFrame:
    return pd.read_parquet(DATA / "antony" / "results.parquet")


def test_the_margin_sums_our_votes_against_the_best_opponent_in_the_plan_bureaux(antony):
    found = dv.margin(antony, "leg2024t2", ["GAILLARD Brice"], ANTONY_3)
    # MinInt législatives 2024 T2: (236 − 458) + (318 − 502) + (238 − 382) = −550
    assert (found.ours, found.opponent, found.opponent_name) == (792.0, 1342.0, "BREGEON Maud")
    assert found.gap == -550 and found.share == pytest.approx(792 / 2134) and not found.estimated


def test_a_share_only_source_rebuilds_votes_from_shares_and_voters_and_says_so():
    results = pd.read_parquet(DATA / "paris" / "results.parquet")
    found = dv.margin(results, "mun2026t1", ["GRÉGOIRE"], PARIS_3)
    # municipales 2026 T1: 42,02 % × 981 + 51,10 % × 1 107 + 42,66 % × 1 235 against DATI's 26,58 / 18,04 / 24,12 %
    assert found.ours == pytest.approx(0.4202 * 981 + 0.5110 * 1107 + 0.4266 * 1235)
    assert found.opponent == pytest.approx(0.2658 * 981 + 0.1804 * 1107 + 0.2412 * 1235)
    assert found.opponent_name == "DATI" and found.estimated


def test_net_votes_are_contacts_times_effect_times_two_shares_minus_one():
    value = dv.door_value(1000, 0.30, 0.60)
    assert value.contacts == 300
    assert value.extra_voters == pytest.approx((300 * 0.0182, 300 * 0.0254, 300 * 0.0326))
    assert value.net_votes == pytest.approx((300 * 0.0182 * 0.2, 300 * 0.0254 * 0.2, 300 * 0.0326 * 0.2))


def test_mobilising_where_we_are_behind_loses_votes_and_the_reading_says_so(antony):
    found = dv.margin(antony, "leg2024t2", ["GAILLARD Brice"], ANTONY_3)
    value = dv.door_value(1000, 0.30, found.share)
    assert value.net_votes[2] < 0
    text = dv.reading(value, found, "Législatives 2024, 2e tour")
    assert "fait perdre des voix" in text and "550 voix de retard sur BREGEON Maud" in text
    assert "Bhatti" in text and "Kalla & Broockman" in text


def test_rates_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError, match="fractions"):
        dv.door_value(100, 30, 0.5)


def test_no_margin_without_our_side_or_results(antony):
    assert dv.margin(antony, "leg2024t2", [], ANTONY_3) is None
    assert dv.margin(antony, "leg2024t2", ["GAILLARD Brice"], ["99999_0001"]) is None


def test_the_temoins_of_a_plan_are_not_counted_among_its_visited_bureaux():
    design = pd.DataFrame({"bureau_id": ["a", "b", "c"], "strate": [1, 1, 1], "groupe": ["visiter", "témoin", "visiter"]})
    assert dv.visited(["a", "b", "c"], design) == ["a", "c"] and dv.visited(["a"], None) == ["a"]
