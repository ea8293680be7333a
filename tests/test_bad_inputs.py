"""The bad-input corpus: every malformed file gets a French message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib import opposition, scoring
from lib.classify import classify_scores
from lib.config import BYTES_PER_MB
from lib.errors import TerrainError
from lib.results_import import import_results

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
KNOWN = {"75056_0101", "75056_0102"}


def run(name: str):
    case = CASES[name]
    data = (CORPUS / name).read_bytes()
    if case["kind"] == "opposition":
        return opposition.read_opposition_csv(data, name)
    return import_results(data, name, election_label=case["label"], known_bureaux=KNOWN, max_bytes=5 * BYTES_PER_MB)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["expect"] != "ok"])
def test_bad_file_gets_a_french_message(name):
    with pytest.raises(TerrainError) as err:
        run(name)
    assert CASES[name]["expect"] in str(err.value), str(err.value)
    assert name in str(err.value) or CASES[name]["kind"] == "results"  # the file is named


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["expect"] == "ok"])
def test_accepted_file_imports_every_row_of_the_territory(name):
    imported = run(name)
    assert imported.matched >= 1
    assert imported.results["bureau_id"].isin(KNOWN).all()


def test_html_in_names_is_kept_as_plain_text():
    imported = run("ok_html_in_candidate_names.csv")
    assert "<img src=x onerror=alert(1)>" in set(imported.results["candidate"])


def test_file_over_the_upload_limit_is_refused_before_parsing():
    huge = b"bureau;candidat;voix;inscrits;votants\n" + b"75056_0101;A;10;100;50\n" * 300_000
    with pytest.raises(TerrainError, match="trop volumineux"):
        import_results(huge, "huge.csv", election_label="x", known_bureaux=KNOWN, max_bytes=BYTES_PER_MB)


def test_corpus_has_at_least_thirty_cases():
    assert len(CASES) + 5 >= 30  # + the five in-memory cases of this module


def test_nan_everywhere_in_a_weighted_criterion_is_flagged_not_averaged():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan] * 3}, index=["x", "y", "z"])
    result = scoring.score(scoring.normalise_criteria(frame), {"a": 50, "b": 50}, {})
    assert (result.table["missing"] == "b").all()
    assert result.table["score"].tolist() == pytest.approx([0, 50, 100])


def test_one_bureau_territory_scores_and_classes():
    frame = pd.DataFrame({"a": [3.0]}, index=["x"])
    result = scoring.score(scoring.normalise_criteria(frame), {"a": 10}, {})
    classes = classify_scores(result.table["score"], "quantiles", 5)
    assert classes.k == 1 and classes.class_of.tolist() == [0]


def test_all_weights_at_zero_is_a_clear_message():
    frame = pd.DataFrame({"a": [3.0, 4.0]}, index=["x", "y"])
    with pytest.raises(scoring.NoWeightsError, match="montez au moins un curseur"):
        scoring.score(scoring.normalise_criteria(frame), {"a": 0}, {})
