"""One view → scores, classes, colours, legend and sentence (lib.priority.compute)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lib import priority
from lib.config import load_settings
from lib.maps import views
from lib.scoring import NoWeightsError, normalise_criteria
from lib.viewstate import default_view

IDS = [f"75056_{i:04d}" for i in range(1, 7)]


@pytest.fixture
def conf():
    return load_settings()


@pytest.fixture
def normalised():
    """Six bureaux; abstention rises with the id, social housing falls; bureau 6 lacks housing."""
    values = pd.DataFrame({"abstention": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
                           "social_housing": [60.0, 50.0, 40.0, 30.0, 20.0, np.nan]},
                          index=pd.Index(IDS, name="bureau_id"))
    return normalise_criteria(values)


def view_with(conf, weights, **extra):
    return replace(default_view(conf, "paris"), preset="custom", weights=weights, k=3, **extra)


def test_abstention_alone_ranks_the_most_abstaining_bureau_first(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 100}), conf, {})
    assert result.table["rank"].idxmin() == "75056_0006"
    assert result.table.loc["75056_0006", "score"] == pytest.approx(100)
    assert result.sentence == "Priorité = 100 % abstention"


def test_classes_colours_and_legend_agree(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 100}), conf, {})
    palette = conf.palette(3)
    assert result.legend["bureaux"].sum() == 6
    top = result.table["class_id"] == 2
    assert set(result.table.loc[top, "colour"]) == {palette[2]}
    assert result.rgba.shape == (6, 4)


def test_a_bureau_missing_a_weighted_criterion_is_flagged(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 50, "social_housing": 50}), conf, {})
    assert result.n_partial == 1
    assert result.table.loc["75056_0006", "missing"] == "social_housing"


def test_exclude_policy_leaves_the_incomplete_bureau_unscored(conf, normalised):
    view = view_with(conf, {"abstention": 50, "social_housing": 50}, missing="exclude")
    result = priority.compute(normalised, view, conf, {})
    assert pd.isna(result.table.loc["75056_0006", "score"])
    assert pd.isna(result.table.loc["75056_0006", "class_id"])


def test_weighted_but_unavailable_criteria_are_named_in_the_note(conf, normalised):
    view = view_with(conf, {"abstention": 50, "median_income": 50})
    result = priority.compute(normalised, view, conf, {"median_income": "pas de Filosofi ici"})
    assert "Revenu médian : pas de Filosofi ici" in result.note
    assert result.sentence == "Priorité = 100 % abstention"


def test_all_weights_at_zero_raise_a_french_message(conf, normalised):
    with pytest.raises(NoWeightsError, match="Tous les poids sont à zéro"):
        priority.compute(normalised, view_with(conf, {}), conf, {})


def test_the_map_tooltip_names_the_criteria_that_weigh_most_and_what_is_missing(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 80, "social_housing": 20}), conf, {})
    ids = list(conf.criteria)
    screen = type("Six", (), {"bureau_ids": np.asarray(result.table.index), "n_bureaux": 6})
    shown = views.decode_priority(views.priority_view(screen, result.table, result.rgba, ids), screen, ids)
    assert shown.loc["75056_0006", "top_ids"][0] == "abstention"
    assert shown.loc["75056_0006", "missing"] == "social_housing"


# « Bureaux atypiques »: set aside, shown as such, never silently ranked ----------------------------

def test_an_atypical_bureau_is_set_aside_not_ranked(conf):
    values = pd.DataFrame({"abstention": [10.0, 20.0, 30.0, 97.5]}, index=pd.Index(IDS[:4], name="bureau_id"))
    normalised = normalise_criteria(values, left_out={"75056_0004"})
    result = priority.compute(normalised, view_with(conf, {"abstention": 100}), conf, {},
                              atypical={"75056_0004"})
    row = result.table.loc["75056_0004"]
    assert pd.isna(row["score"]) and pd.isna(row["rank"]) and row["atypical"]
    assert result.table["rank"].idxmin() == "75056_0003"
    assert result.n_atypical == 1 and result.n_partial == 0
    assert result.legend["libelle"].str.contains("atypiques").any()
    assert not result.legend["libelle"].str.contains("Données manquantes").any()


def test_a_left_out_bureau_does_not_shift_the_percentiles_of_the_others():
    values = pd.DataFrame({"abstention": [10.0, 20.0, 30.0, 97.5]}, index=pd.Index(IDS[:4], name="bureau_id"))
    kept = normalise_criteria(values.iloc[:3])
    left_out = normalise_criteria(values, left_out={"75056_0004"})
    np.testing.assert_allclose(left_out.matrix[:3], kept.matrix)
    assert np.isnan(left_out.matrix[3]).all()


def test_the_ranking_names_the_flags_of_each_bureau(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 100}), conf, {})
    flags = pd.DataFrame({"bureau_id": ["75056_0002", "75056_0002"], "kind_label": ["contour détaché"] * 2})
    table = priority.ranking(result, pd.Series(dtype=str), result.table[[]], conf, flags)
    assert table.set_index("Bureau").at["75056_0002", "Signalements"] == "contour détaché"


def test_the_ranking_shows_each_bureau_potential_category_and_movement(conf, normalised):
    result = priority.compute(normalised, view_with(conf, {"abstention": 100}), conf, {})
    labels = pd.Series({"75056_0006": "bastion ↑", "75056_0001": "difficile"})
    notes = priority.bureau_notes(labels, {"75056_0006": "Goutte D'Or (QN07511M)"})
    table = priority.ranking(result, pd.Series(dtype=str), result.table[[]], conf, notes=notes).set_index("Bureau")
    assert table.at["75056_0006", "Potentiel"] == "bastion ↑" and table.at["75056_0002", "Potentiel"] == ""
    assert table.at["75056_0006", "Quartier prioritaire"] == "Goutte D'Or (QN07511M)"


def test_no_note_column_when_there_is_nothing_to_say():
    assert priority.bureau_notes(pd.Series(["", None]), {}) == {}


def _history_rows() -> pd.DataFrame:
    rows = []
    for election, carried, shares in (("e2017", True, {"A": 40.0, "B": 60.0}),
                                      ("e2024", False, {"A": 55.0, "B": 30.0, "C": 15.0})):
        for cand, share in shares.items():
            rows.append({"bureau_id": "75101_0001", "election": election, "registered": 1000.0, "voters": 600.0,
                         "candidate": cand, "share": share, "carried": carried})
    rows.append({**rows[0], "bureau_id": "75101_0002", "share": 99.0})  # another bureau: not read
    return pd.DataFrame(rows)


def test_results_history_lists_newest_first_with_the_two_leaders_and_our_share_on_the_reference():
    elections = [{"id": "e2017", "label": "Présidentielle 2017"}, {"id": "e2024", "label": "Législatives 2024"}]
    history = priority.results_history(_history_rows(), "75101_0001", ("A", "C"), elections, "e2024")
    assert list(history["Élection"]) == ["Législatives 2024", "Présidentielle 2017"]
    assert history["En tête"].str.startswith(("A ", "B ")).tolist() == [True, True]
    assert history.loc[0, "En tête"].startswith("A ") and history.loc[0, "Deuxième"].startswith("B ")
    assert history.loc[0, "Notre camp (%)"] == pytest.approx(70.0) and np.isnan(history.loc[1, "Notre camp (%)"])
    assert list(history["Série"]) == ["officielle", "reportée (découpage 2017)"]
    assert history["Abstention (%)"].tolist() == pytest.approx([40.0, 40.0])
