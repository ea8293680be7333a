"""What the briefing shows beside its map: key figures, the top 10, the short legend (lib.briefing)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lib import briefing
from lib.config import Capacity

CAP = Capacity(volunteers=10, outings_per_volunteer=2, hours_per_outing=3.0, team_size=2, doors_per_hour_collective=25.0,
               doors_per_hour_individual=12.0, registered_per_door=2.0)


@pytest.fixture
def table() -> pd.DataFrame:
    """Twelve bureaux, one of them alone in the top class, one unranked (no score)."""
    ids = [f"99001_{i:04d}" for i in range(1, 13)]
    rank = [np.nan] + [float(r) for r in range(11, 0, -1)]  # the last bureau is ranked first
    return pd.DataFrame({"score": [np.nan] + [5.0 * r for r in range(1, 12)], "rank": rank,
                         "class_id": pd.array([pd.NA] + [0] * 10 + [1], dtype="Int64"),
                         "label": [f"Bureau {i}" for i in range(1, 13)]}, index=pd.Index(ids, name="bureau_id"))


def test_key_figures_say_one_bureau_in_the_singular(table):
    bureaux = pd.DataFrame({"bureau_id": table.index, "registered": 1000.0})
    figures = briefing.key_figures(table, bureaux, None, CAP)
    assert (figures[0].value, figures[0].label) == ("1", "bureau en priorité maximale")
    assert figures[1].label == "inscrits couverts" and figures[2].value == "≈ 500"
    assert figures[3].label == "heures-bénévoles (immeubles → pavillons)"  # no addresses: a range


def test_top_ten_is_ranked_numbered_with_whole_numbers_and_leaves_out_the_unranked(table):
    top = briefing.top_ten(table)
    assert top["rank"].tolist() == list(range(1, 11))
    assert top.iloc[0]["label"] == "Bureau 12"
    assert "99001_0001" not in top.index


def test_short_legend_counts_one_bureau_in_the_singular():
    legend = pd.DataFrame({"classe": [1, 2, 0], "couleur": ["#fff", "#f00", "#bbb"], "min": [0.0, 50.0, np.nan],
                           "max": [50.0, 100.0, np.nan], "bureaux": [3, 1, 1], "libelle": ["", "", ""]})
    lines = briefing.short_legend(legend)["libelle"].tolist()
    assert lines == ["2 · 50 – 100 · 1 bureau", "1 · 0 – 50 · 3 bureaux", "sans score · 1 bureau"]
    assert briefing.legend_title(legend) == "Priorité (2 = la plus forte)"


def test_side_column_lists_ten_numbered_rows_with_escaped_names(table):
    table.loc["99001_0012", "label"] = "<b>Bureau 12</b>"
    html = briefing.side_html(briefing.key_figures(table, pd.DataFrame({"bureau_id": table.index, "registered": 10.0}),
                                                   None, CAP), briefing.top_ten(table))
    numbers = re.findall(r'<li class="brief-row"[^>]*><span class="brief-n">(\d+)</span>', html)
    assert numbers == [str(n) for n in range(1, 11)]
    assert "<b>Bureau 12</b>" not in html and "&lt;b&gt;Bureau 12" in html


def test_top_ten_names_each_bureau_potential_category_when_known(table):
    table["potentiel"] = ""
    table.loc["99001_0012", "potentiel"] = "bastion ↑"
    top = briefing.top_ten(table)
    assert top.iloc[0]["label"] == "Bureau 12 (bastion ↑)" and top.iloc[1]["label"] == "Bureau 11"
