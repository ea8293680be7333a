"""Panel tables: escaped, French numbers, bars proportional to the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.fr import number as french_number
from lib.htmltable import MISSING, html_table


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234.56, 1, "1\u202f234,6"),
    (-16.84, 1, "\u221216,8"),  # the typographic minus, as everywhere in the app
    (0, 0, "0"),
    (np.nan, 1, MISSING),
    (None, 1, MISSING),
    (pd.NA, 1, MISSING),
])
def test_french_number(value, decimals, expected):
    assert french_number(value, decimals) == expected


def test_every_text_is_escaped():
    frame = pd.DataFrame({"<b>Critère</b>": ["<script>alert(1)</script>"]})
    out = html_table(frame)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;Critère" in out


def test_numbers_follow_the_decimals_and_missing_values_show_a_dash():
    out = html_table(pd.DataFrame({"Valeur": [12.345, np.nan]}), decimals={"Valeur": 1})
    assert "12,3" in out and MISSING in out and "nan" not in out.lower()


def test_bar_width_is_the_share_of_a_full_bar_and_clipped():
    out = html_table(pd.DataFrame({"Points": [25.0, 140.0, -3.0]}), decimals={"Points": 1}, bars={"Points": 100})
    assert "width:25.0%" in out and "width:100.0%" in out and "width:0.0%" in out


def test_a_missing_value_draws_no_bar():
    out = html_table(pd.DataFrame({"Points": [np.nan]}), decimals={"Points": 1}, bars={"Points": 100})
    assert "tl-track" not in out and MISSING in out
