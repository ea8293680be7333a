"""Priority classes: every scored bureau classed, known breaks, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.classify import class_colours, classify_scores, hex_to_rgb, legend_rows
from lib.errors import TerrainError

PALETTE5 = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]


def scores(values) -> pd.Series:
    return pd.Series(values, index=[f"75056_{i:04d}" for i in range(len(values))], dtype=float)


def test_quantiles_on_ten_values_give_known_breaks():
    c = classify_scores(scores(range(10)), "quantiles", k=5)
    np.testing.assert_allclose(c.bins, [1.8, 3.6, 5.4, 7.2, 9.0])
    assert c.counts == (2, 2, 2, 2, 2)
    assert c.class_of.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_equal_interval_breaks():
    c = classify_scores(scores([0, 10, 20, 30, 40, 100]), "equal_interval", k=5)
    np.testing.assert_allclose(c.bins, [20, 40, 60, 80, 100])


def test_fisher_jenks_separates_obvious_groups():
    c = classify_scores(scores([1, 2, 3, 50, 51, 52, 98, 99, 100]), "fisher_jenks", k=3)
    assert c.class_of.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_unscored_bureaux_get_no_class_and_the_no_data_colour():
    c = classify_scores(scores([1, np.nan, 3, 4, 5, 6]), "quantiles", k=3)
    assert pd.isna(c.class_of.iloc[1])
    colours = class_colours(c, PALETTE5[:3], "#bdbdbd")
    assert colours.shape == (6, 4) and colours.dtype == np.uint8
    assert tuple(colours[1][:3]) == hex_to_rgb("#bdbdbd")
    assert legend_rows(c, PALETTE5[:3])["libelle"].iloc[-1].startswith("Données manquantes")


@pytest.mark.parametrize("values", [[42.0], [7.0, 7.0, 7.0, 7.0], [1.0, 2.0]])
def test_degenerate_territories_are_classed_without_error(values):
    c = classify_scores(scores(values), "quantiles", k=5)
    assert c.class_of.notna().all()
    assert sum(c.counts) == len(values)
    assert c.note  # the user is told why there are fewer classes


def test_all_nan_scores_give_zero_classes_and_a_note():
    c = classify_scores(scores([np.nan, np.nan]), "quantiles", k=5)
    assert c.k == 0 and "Aucun bureau" in c.note


def test_k_outside_3_to_7_is_refused():
    with pytest.raises(TerrainError, match="entre 3 et 7"):
        classify_scores(scores(range(10)), "quantiles", k=9)


def test_legend_reads_from_lowest_to_highest_with_counts():
    legend = legend_rows(classify_scores(scores(range(10)), "quantiles", k=5), PALETTE5)
    assert legend["bureaux"].tolist() == [2, 2, 2, 2, 2]
    assert "la plus forte" in legend["libelle"].iloc[-1]
    assert legend["couleur"].tolist() == PALETTE5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 100), st.just(float("nan"))), min_size=1, max_size=80),
       st.sampled_from(["quantiles", "fisher_jenks", "equal_interval"]), st.integers(3, 7))
def test_classes_cover_every_scored_bureau(values, scheme, k):
    s = scores(values)
    c = classify_scores(s, scheme, k)
    assert (c.class_of.notna() == s.notna()).all()
    assert sum(c.counts) == int(s.notna().sum())
    if c.k:
        assert c.class_of.dropna().between(0, c.k - 1).all()


def test_large_fisher_jenks_uses_a_sample_but_classes_everyone_the_same_way_each_time():
    values = scores(np.random.default_rng(3).uniform(0, 100, 1500))
    first = classify_scores(values, "fisher_jenks", k=5)
    again = classify_scores(values, "fisher_jenks", k=5)
    assert first.class_of.notna().all() and sum(first.counts) == 1500
    assert first.class_of.equals(again.class_of)


def test_fisher_jenks_leaves_the_shared_random_generator_alone():
    """The server's sessions share numpy's global generator: classing must not reseed it."""
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    classify_scores(scores(np.linspace(0, 100, 900) ** 1.5 / 10), "fisher_jenks", k=5)
    assert np.allclose(np.random.random(3), expected)


def test_sampled_fisher_jenks_is_reproducible_and_covers_every_value():
    values = scores(np.random.default_rng(1).gamma(2.0, 10.0, 1000))
    first = classify_scores(values, "fisher_jenks", k=5)
    again = classify_scores(values, "fisher_jenks", k=5)
    assert first.bins == again.bins
    assert first.bins[-1] == pytest.approx(values.max())
    assert first.class_of.notna().all()
