"""Measured impact of canvassing: the estimator, its randomisation inference and its French reading.

Simulated elections follow the results contract (docs/data.md); the holdout is the real design
(lib.holdout). Effects are planted in the visited bureaux, so the truth is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import holdout, impact
from lib.errors import TerrainError

OURS, THEIRS = "DUPONT Alice", "MARTIN Bob"


def long_results(election: str, turnout: pd.Series, ours: pd.Series, *,
                 registered: float = 1000.0, carried: bool = False) -> pd.DataFrame:
    """Two candidates per bureau, in the long results contract."""
    voters = registered * turnout / 100
    expressed = voters * 0.98
    frames = [pd.DataFrame({
        "bureau_id": turnout.index, "election": election, "registered": registered,
        "voters": voters.to_numpy(), "expressed": expressed.to_numpy(),
        "blank": (voters * 0.01).to_numpy(), "null": (voters * 0.01).to_numpy(),
        "candidate": name, "nuance": nuance, "votes": (expressed * share / 100).to_numpy(),
        "share": share.to_numpy(), "value_kind": "votes", "carried": carried,
    }) for name, nuance, share in ((OURS, "SOC", ours), (THEIRS, "LR", 100 - ours))]
    return pd.concat(frames, ignore_index=True)


def simulate(*, strata: int = 40, turnout_effect: float = 0.0, share_effect: float = 0.0,
             sd: float = 2.0, seed: int = 1, extra: int = 2):
    """Holdout design + results before/after; ``extra`` bureaux form an incomplete last stratum."""
    rng = np.random.default_rng(seed)
    ids = [f"B{i:03d}" for i in range(strata * 5 + extra)]
    design = holdout.holdout(ids, seed=seed)
    visited = design.set_index("bureau_id")["groupe"].eq("visiter").astype(float)
    before_t = pd.Series(rng.uniform(45, 75, len(ids)), index=ids)
    before_s = pd.Series(rng.uniform(20, 40, len(ids)), index=ids)
    after_t = before_t - 5 + rng.normal(0, sd, len(ids)) + turnout_effect * visited
    after_s = before_s + 1 + rng.normal(0, sd, len(ids)) + share_effect * visited
    after = impact.Election(long_results("mun2026t1", after_t, after_s), "mun2026t1", (OURS,))
    before = impact.Election(long_results("mun2020t1", before_t, before_s), "mun2020t1", (OURS,))
    return design, after, before


def small_design(groups: list[list[str]]) -> pd.DataFrame:
    """Strata given as lists of groups; bureau ids a, b, c… in order."""
    rows = [(s + 1, g) for s, stratum in enumerate(groups) for g in stratum]
    ids = [chr(ord("a") + i) for i in range(len(rows))]
    return pd.DataFrame({"bureau_id": ids, "strate": [r[0] for r in rows],
                         "groupe": [r[1] for r in rows]})


V, T = "visiter", "témoin"
HAND = small_design([[V, V, T], [V, V, T]])
HAND_CHANGE = pd.Series({"a": 4.0, "b": 6.0, "c": 1.0, "d": 2.0, "e": 2.0, "f": 3.0})


# ------------------------------------------------------------------------------ estimator by hand

def test_estimate_is_the_mean_over_strata_of_visited_mean_minus_control():
    # stratum 1: (4 + 6) / 2 − 1 = 4 ; stratum 2: (2 + 2) / 2 − 3 = −1 ; mean 1.5
    result = impact.estimate_effect(HAND, HAND_CHANGE)
    assert result.estimate == pytest.approx(1.5)
    assert result.strata["écart (pts)"].tolist() == pytest.approx([4.0, -1.0])
    assert result.strata["bureau témoin"].tolist() == ["c", "f"]


def test_small_design_p_value_is_exact_over_all_nine_assignments():
    # Statistic for each control choice (stratum 1 control ∈ {a, b, c} × stratum 2 ∈ {d, e, f}):
    # 0, 0, −0.75, −1.5, −1.5, −2.25, 2.25, 2.25, 1.5 (observed) → 6 of 9 at least |1.5|.
    result = impact.estimate_effect(HAND, HAND_CHANGE)
    assert result.p_value == pytest.approx(6 / 9)
    assert "exacte" in result.method


def test_two_strata_cannot_bound_the_effect():
    result = impact.estimate_effect(HAND, HAND_CHANGE)
    assert (result.ci_low, result.ci_high) == (-np.inf, np.inf)
    assert "non borné" in result.reading


def test_counts_leave_out_the_incomplete_stratum():
    design = small_design([[V, V, T], [V, T, V], [V, V]])
    change = pd.Series(0.0, index=list("abcdefgh"))
    result = impact.estimate_effect(design, change)
    assert (result.n_strata, result.n_treated, result.n_control) == (2, 4, 2)


def test_votes_are_the_estimate_times_the_base_of_the_visited_bureaux():
    result = impact.estimate_effect(HAND, HAND_CHANGE, base=2000.0)
    assert result.votes == pytest.approx(1.5 * 2000 / 100)
    assert "+30 votants" in result.reading


# ------------------------------------------------------------------------------ outcomes

def test_turnout_change_is_after_minus_before_in_points():
    ids = pd.Index(["x"])
    after = impact.Election(long_results("e2", pd.Series([66.0], ids), pd.Series([30.0], ids)), "e2")
    before = impact.Election(long_results("e1", pd.Series([60.0], ids), pd.Series([30.0], ids)), "e1")
    delta = impact.change(["x"], impact.turnout(after), impact.turnout(before), missing="?")
    assert delta["x"] == pytest.approx(6.0)


def test_stable_differences_between_bureaux_cancel():
    # Visited bureaux vote far more than controls, but every bureau moves by the same −5 points.
    design, _, _ = simulate(strata=10, sd=0.0)
    level = pd.Series(np.where(design["groupe"] == "visiter", 80.0, 40.0), index=design["bureau_id"])
    share = pd.Series(30.0, index=level.index)
    after = impact.Election(long_results("e2", level - 5, share), "e2", (OURS,))
    before = impact.Election(long_results("e1", level, share), "e1", (OURS,))
    report = impact.measure_impact(design, after, before, draws=999)
    assert report.turnout.estimate == pytest.approx(0.0, abs=1e-9)


def test_our_share_can_come_as_a_per_bureau_series():
    design, after, before = simulate(strata=10, share_effect=5.0, sd=0.5)
    shares = {e.election: (e.results[e.results["candidate"] == OURS].set_index("bureau_id")["share"])
              for e in (after, before)}
    by_series = impact.measure_impact(
        design, impact.Election(after.results, after.election, share=shares[after.election]),
        impact.Election(before.results, before.election, share=shares[before.election]), draws=999)
    by_names = impact.measure_impact(design, after, before, draws=999)
    assert by_series.our_share.estimate == pytest.approx(by_names.our_share.estimate)


# ------------------------------------------------------------------------------ simulated truth

def test_recovers_a_planted_turnout_effect_of_three_points():
    report = impact.measure_impact(*simulate(strata=40, turnout_effect=3.0, sd=2.0, seed=3))
    t = report.turnout
    assert t.estimate == pytest.approx(3.0, abs=0.8)
    assert t.ci_low < 3.0 < t.ci_high
    assert t.ci_low > 0 and t.p_value < 0.01
    assert "significatif au seuil de 1 %" in t.reading


def test_recovers_a_planted_share_effect_without_inventing_a_turnout_one():
    report = impact.measure_impact(*simulate(strata=40, share_effect=2.0, sd=1.0, seed=4))
    assert report.our_share.estimate == pytest.approx(2.0, abs=0.5)
    assert report.our_share.ci_low < 2.0 < report.our_share.ci_high
    assert report.turnout.ci_low < 0 < report.turnout.ci_high


def test_no_effect_gives_an_estimate_near_zero_and_a_large_p_value():
    t = impact.measure_impact(*simulate(strata=40, sd=2.0, seed=5)).turnout
    assert abs(t.estimate) < 0.8
    assert t.p_value > 0.05
    assert t.ci_low < 0 < t.ci_high
    assert "compatible avec l'absence d'effet" in t.reading


def _null_changes(seed: int, effect: float = 0.0, strata: int = 40):
    rng = np.random.default_rng(seed)
    design = holdout.holdout([f"B{i:03d}" for i in range(strata * 5)], seed=seed)
    visited = design["groupe"].eq("visiter").to_numpy()
    return design, pd.Series(rng.normal(0, 2, len(design)) + effect * visited,
                             index=design["bureau_id"])


def test_false_positive_rate_at_five_percent_is_not_grossly_above_five_percent():
    rejected = [impact.estimate_effect(*_null_changes(seed), draws=999).p_value <= 0.05
                for seed in range(200)]
    assert np.mean(rejected) <= 0.10


def test_interval_covers_the_true_effect_with_few_strata_and_heavy_tailed_noise():
    # Randomisation inference assumes nothing about the noise: Student t (2 d.f.), 8 strata only.
    covered = []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        design = holdout.holdout([f"B{i:03d}" for i in range(40)], seed=seed)
        visited = design["groupe"].eq("visiter").to_numpy()
        change = pd.Series(2 * rng.standard_t(2, 40) + 3.0 * visited, index=design["bureau_id"])
        r = impact.estimate_effect(design, change, draws=999)
        covered.append(r.ci_low <= 3.0 <= r.ci_high)
    assert np.mean(covered) >= 0.90


def test_interval_bounds_are_where_the_test_starts_rejecting():
    design, change = _null_changes(11, effect=1.0)
    r = impact.estimate_effect(design, change, draws=2000)
    visited = (design["groupe"] == "visiter").to_numpy()
    for bound, sign in ((r.ci_high, 1.0), (r.ci_low, -1.0)):
        def p_at(tau, visited=visited):
            return impact.estimate_effect(design, change - tau * visited, draws=2000).p_value
        assert p_at(bound + sign * 1e-3) <= 0.05 < p_at(bound - sign * 1e-3)


def test_sampled_p_value_is_close_to_the_exact_one():
    design, change = _null_changes(21, effect=1.5, strata=7)  # 5**7 = 78,125 assignments
    exact = impact.estimate_effect(design, change, draws=100_000)
    sampled = impact.estimate_effect(design, change, draws=10_000, seed=9)
    assert "exacte" in exact.method and "tirages" in sampled.method
    assert sampled.p_value == pytest.approx(exact.p_value, abs=0.02)


def test_same_seed_same_figures():
    args = simulate(strata=12, turnout_effect=1.0, seed=8)
    first, second = impact.measure_impact(*args), impact.measure_impact(*args)
    assert (first.turnout.p_value, first.turnout.ci_low) == (second.turnout.p_value, second.turnout.ci_low)


def test_votes_count_only_the_visited_bureaux_of_full_strata():
    report = impact.measure_impact(*simulate(strata=10, turnout_effect=3.0, extra=3), draws=999)
    # 10 full strata × 4 visited × 1,000 registered; the 3 bureaux of the partial stratum are left out.
    assert report.turnout.votes == pytest.approx(report.turnout.estimate * 40_000 / 100)


# ------------------------------------------------------------------------------ reading and limits

def test_reading_names_the_limits():
    text = impact.measure_impact(*simulate(strata=8), draws=999).turnout.reading
    for phrase in ("Peu de strates (8)", "écologique", "Débordements", "Pons", "découpage"):
        assert phrase in text


def test_reading_with_many_strata_states_the_smallest_detectable_effect():
    t = impact.measure_impact(*simulate(strata=40, turnout_effect=3.0, seed=3)).turnout
    half = (t.ci_high - t.ci_low) / 2
    assert f"avec 40 strates, un effet inférieur à environ {half:.1f}".replace(".", ",") in t.reading


def test_reading_counts_bureaux_whose_results_were_carried():
    design, after, before = simulate(strata=10)
    results = before.results.copy()
    results.loc[results["bureau_id"].isin(["B000", "B001"]), "carried"] = True
    carried = impact.Election(results, before.election, before.ours)
    text = impact.measure_impact(design, after, carried, draws=999).turnout.reading
    assert "2 bureau(x) du plan ont des résultats reportés" in text


# ------------------------------------------------------------------------------ errors

def test_design_without_a_full_stratum_is_refused():
    with pytest.raises(TerrainError, match="Aucune strate complète"):
        impact.estimate_effect(small_design([[V, V, V]]), pd.Series(0.0, index=list("abc")))


def test_design_with_two_controls_in_a_stratum_is_refused():
    with pytest.raises(TerrainError, match="plusieurs bureaux témoins"):
        impact.full_strata(small_design([[V, T, T]]))


def test_design_with_an_unknown_group_is_refused():
    design = small_design([[V, T]]).assign(groupe=["visiter", "control"])
    with pytest.raises(TerrainError, match="groupe inconnu"):
        impact.full_strata(design)



def test_design_listing_a_bureau_twice_is_refused():
    design = small_design([[V, V, T]]).assign(bureau_id=["a", "b", "a"])
    with pytest.raises(TerrainError, match=r"présent\(s\) deux fois \(a\)"):
        impact.full_strata(design)

def test_missing_results_for_a_design_bureau_name_it():
    design, after, before = simulate(strata=5)
    gone = impact.Election(after.results[after.results["bureau_id"] != "B007"], after.election,
                           after.ours)
    with pytest.raises(TerrainError, match=r"Résultats manquants pour 1 bureau\(x\) du plan : B007"):
        impact.measure_impact(design, gone, before)


def test_missing_results_in_the_incomplete_stratum_do_not_matter():
    design, after, before = simulate(strata=5, extra=2)  # B025, B026: no control, not compared
    kept = impact.Election(after.results[~after.results["bureau_id"].isin(["B025", "B026"])],
                           after.election, after.ours)
    assert impact.measure_impact(design, kept, before, draws=999).turnout.n_strata == 5


def test_missing_election_is_named():
    design, after, before = simulate(strata=5)
    absent = impact.Election(after.results, "mun2032t1", after.ours)
    with pytest.raises(TerrainError, match="« mun2032t1 » n'a pas de résultats"):
        impact.measure_impact(design, absent, before)


def test_same_election_twice_is_refused():
    design, after, _ = simulate(strata=5)
    with pytest.raises(TerrainError, match="deux élections différentes"):
        impact.measure_impact(design, after, after)


def test_without_our_side_only_turnout_is_measured_and_the_reason_is_given():
    design, after, before = simulate(strata=5)
    report = impact.measure_impact(design, after, impact.Election(before.results, before.election),
                                   draws=999)
    assert report.our_share is None
    assert "notre camp n'est pas choisi pour « mun2020t1 »" in report.our_share_reason
    assert report.turnout.n_strata == 5


def test_design_bureau_where_our_side_did_not_stand_is_named():
    design, after, before = simulate(strata=5)
    results = after.results[~((after.results["bureau_id"] == "B003")
                              & (after.results["candidate"] == OURS))]
    report = impact.measure_impact(design, impact.Election(results, after.election, after.ours),
                                   before, draws=999)
    assert report.our_share is None
    assert "Pas de candidat de notre camp" in report.our_share_reason
    assert "B003" in report.our_share_reason



def test_messages_name_an_election_as_users_know_it_never_by_its_id():
    design, after, before = simulate(strata=5)
    absent = impact.Election(after.results, "import_partielle_2027", after.ours, label="Partielle 2027 (importée)")
    with pytest.raises(TerrainError, match="« Partielle 2027 \\(importée\\) » n'a pas de résultats") as caught:
        impact.measure_impact(design, absent, before)
    assert "import_partielle_2027" not in str(caught.value)


def test_the_reading_counts_in_french_singular_and_plural():
    design, after, before = simulate(strata=5)
    text = impact.measure_impact(design, after, before, draws=999).turnout.reading
    assert "5 strates : 20 bureaux visités, 5 témoins" in text
