"""Priority scoring: a hand-computed case and invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from lib.errors import TerrainError
from lib.scoring import (
    NoWeightsError,
    describe_weights,
    normalise_criteria,
    score,
    top_contributors,
)


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.Index([f"75056_{i:04d}" for i in range(n)], name="bureau_id"))


def test_hand_computed_rank_scores():
    # abstention ranks 0, 0.5, 1 ; income ranks 0, 1, 0.5 flipped (penalises) → 1, 0, 0.5
    # weights 3:1 → score = 100 × (3·z_abs + 1·z_inc) / 4 = 25, 37.5, 87.5
    df = frame(abstention=[10.0, 20.0, 30.0], income=[1.0, 3.0, 2.0])
    result = score(normalise_criteria(df), {"abstention": 3, "income": 1},
                   {"abstention": "favours", "income": "penalises"})
    assert result.table["score"].tolist() == pytest.approx([25.0, 37.5, 87.5])
    assert result.table["rank"].tolist() == [3, 2, 1]


def test_contributions_are_points_that_sum_to_the_score():
    df = frame(abstention=[10.0, 20.0, 30.0], income=[1.0, 3.0, 2.0])
    result = score(normalise_criteria(df), {"abstention": 3, "income": 1}, {"income": "penalises"})
    assert result.contributions.loc["75056_0002"].tolist() == pytest.approx([75.0, 12.5])
    assert result.contributions.sum(axis=1).to_numpy() == pytest.approx(result.table["score"].to_numpy())


def test_robust_minmax_clips_the_extremes():
    df = frame(x=[0.0, 1.0, 2.0, 3.0, 100.0])
    z = normalise_criteria(df, "robust_minmax").matrix[:, 0]
    assert z[0] == 0.0 and z[-1] == 1.0
    assert 0 < z[1] < z[2] < z[3] < 1


def test_constant_criterion_carries_no_signal():
    df = frame(a=[5.0, 5.0, 5.0], b=[1.0, 2.0, 3.0])
    with_constant = score(normalise_criteria(df), {"a": 50, "b": 50}, {})
    assert with_constant.table["rank"].tolist() == [3, 2, 1]


def test_missing_value_is_flagged_and_scored_on_the_rest_by_default():
    df = frame(a=[1.0, 2.0, 3.0], b=[3.0, np.nan, 1.0])
    result = score(normalise_criteria(df), {"a": 1, "b": 1}, {})
    row = result.table.loc["75056_0001"]
    assert row["n_missing"] == 1 and row["missing"] == "b"
    assert row["score"] == pytest.approx(50.0)  # a's rank 0.5 alone, not b's average


def test_exclude_policy_gives_no_score_to_incomplete_bureaux():
    df = frame(a=[1.0, 2.0, 3.0], b=[3.0, np.nan, 1.0])
    result = score(normalise_criteria(df), {"a": 1, "b": 1}, {}, missing_policy="exclude")
    assert np.isnan(result.table.loc["75056_0001", "score"])
    assert pd.isna(result.table.loc["75056_0001", "rank"])


def test_all_weights_zero_is_a_clear_french_error():
    df = frame(a=[1.0, 2.0])
    with pytest.raises(NoWeightsError, match="Tous les poids sont à zéro"):
        score(normalise_criteria(df), {"a": 0}, {})


def test_unknown_criterion_and_negative_weight_are_refused():
    df = frame(a=[1.0, 2.0])
    with pytest.raises(TerrainError, match="absent"):
        score(normalise_criteria(df), {"zzz": 10}, {})
    with pytest.raises(TerrainError, match="négatif"):
        score(normalise_criteria(df), {"a": -1}, {})


def test_one_bureau_territory_scores_without_error():
    result = score(normalise_criteria(frame(a=[4.0])), {"a": 10}, {})
    assert result.table["rank"].tolist() == [1]


def test_top_contributors_and_plain_french_sentence():
    df = frame(a=[1.0, 2.0, 3.0], b=[3.0, 2.0, 1.0])
    result = score(normalise_criteria(df), {"a": 3, "b": 1}, {})
    assert top_contributors(result, 1).loc["75056_0002"] == ("a",)
    sentence = describe_weights({"a": 3, "b": 1}, {"b": "penalises"}, {"a": "Abstention", "b": "Revenu"})
    assert sentence == "Priorité = 75 % abstention + 25 % revenu (pénalise)"


# ----------------------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False)
frames = data_frames([column("a", elements=finite), column("b", elements=finite),
                      column("c", elements=st.one_of(finite, st.just(np.nan)))],
                     index=range_indexes(min_size=1, max_size=40))
weights = st.fixed_dictionaries({"a": st.integers(0, 100), "b": st.integers(0, 100),
                                 "c": st.integers(0, 100)}).filter(lambda w: any(w.values()))
directions = st.fixed_dictionaries({k: st.sampled_from(["favours", "penalises"]) for k in "abc"})
methods = st.sampled_from(["rank", "robust_minmax"])


@settings(max_examples=60, deadline=None)
@given(frames, weights, directions, methods)
def test_score_is_bounded_between_0_and_100(df, w, d, m):
    s = score(normalise_criteria(df, m), w, d).table["score"].dropna()
    assert ((s >= -1e-9) & (s <= 100 + 1e-9)).all()


@settings(max_examples=60, deadline=None)
@given(frames, weights, directions, st.integers(2, 9))
def test_only_relative_weights_matter(df, w, d, k):
    n = normalise_criteria(df)
    base = score(n, w, d).table["score"]
    scaled = score(n, {c: v * k for c, v in w.items()}, d).table["score"]
    pd.testing.assert_series_equal(base, scaled, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(frames, weights, directions)
def test_zero_weight_criterion_has_no_effect(df, w, d):
    n_without = normalise_criteria(df[["a", "b", "c"]])
    extra = df.assign(z=np.arange(len(df)) * 7.0 % 3)
    n_with = normalise_criteria(extra)
    pd.testing.assert_series_equal(score(n_without, w, d).table["score"],
                                   score(n_with, {**w, "z": 0}, d).table["score"])


@settings(max_examples=60, deadline=None)
@given(frames, weights, st.integers(0, 39), st.floats(0.5, 1e6))
def test_raising_a_favoured_criterion_never_lowers_that_bureau(df, w, row, bump):
    row = row % len(df)
    before = score(normalise_criteria(df), w, {}).table["score"].iloc[row]
    raised = df.copy()
    raised.iloc[row, 0] = raised.iloc[row, 0] + bump
    after = score(normalise_criteria(raised), w, {}).table["score"].iloc[row]
    if not np.isnan(before):
        assert after >= before - 1e-9


@settings(max_examples=60, deadline=None)
@given(frames, weights, directions, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(df, w, d, rnd):
    order = list(range(len(df)))
    rnd.shuffle(order)
    a = score(normalise_criteria(df), w, d).table["score"]
    b = score(normalise_criteria(df.iloc[order]), w, d).table["score"].reindex(a.index)
    pd.testing.assert_series_equal(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(frames, weights, directions)
def test_contributions_sum_to_score(df, w, d):
    r = score(normalise_criteria(df), w, d)
    total = r.contributions.sum(axis=1, min_count=1)
    ok = r.table["score"].notna()
    assert np.allclose(total[ok], r.table["score"][ok])
