"""French presentation helpers: numbers, folding, escaping, spreadsheet safety."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from lib import fr


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234.5, 1, "1\u202f234,5"),
    (1234567, 0, "1\u202f234\u202f567"),
    (0.25, 2, "0,25"),
    (np.float64(3.0), 0, "3"),
    (None, 1, "—"),
    (float("nan"), 1, "—"),
    (pd.NA, 1, "—"),
])
def test_number_is_french(value, decimals, expected):
    assert fr.number(value, decimals) == expected


def test_number_leaves_text_alone():
    """A sentence with commas and dots is not a number: it must come back unchanged."""
    sentence = "1,084 adresses hors bureaux. Voir la note."
    assert fr.number(sentence) == sentence


def test_percent_has_a_no_break_space():
    assert fr.percent(25.34) == "25,3\u00a0%"


def test_fold_removes_accents_case_and_punctuation():
    assert fr.fold("Libellé abrégé de liste 1") == "libelle abrege de liste 1"
    assert fr.fold("% Voix/Ins", keep="%") == "% voix ins"
    assert fr.fold_upper(" Grégoire ") == "GREGOIRE"
    assert fr.slug("Législatives 2022, 1er tour") == "legislatives_2022_1er_tour"


def test_first_items_names_ten_then_marks_the_rest():
    assert fr.first_items(["a", "b"]) == "a, b"
    assert fr.first_items([str(i) for i in range(12)]) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 …"
    assert fr.first_items(["a", "b", "c"], limit=2) == "a, b …"


@pytest.mark.parametrize("hostile", ["![](https://track.example/p.png)", "[Relevé](https://phish.example)",
                                     "<img src=x>", "$x^2$", ":red[Urgent] :material/warning:", "# Titre",
                                     "**gras** _it_ `code` ~~barré~~", "1. liste\n- puce", "&#x41;"])
def test_markdown_text_leaves_no_markdown_character_unescaped(hostile):
    import re

    shown = fr.markdown_text(hostile)
    assert not re.search(r"(?<!\\)[\[\]()!<>$:#*_`~&-]", shown)
    assert re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "") == hostile.replace("\n", " ")


@pytest.mark.parametrize("address", ["https://phish.example/x", "www.phish.example", "moi@phish.example"])
def test_markdown_text_keeps_bare_addresses_from_becoming_links(address):
    assert "\u2060" in fr.markdown_text(address)


def test_escape_neutralises_markup():
    assert fr.escape('<b>"x"</b>') == "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"
    assert fr.escape_text('"x" & <y>') == '"x" &amp; &lt;y&gt;'


@pytest.mark.parametrize("dangerous", ["=1+1", "+33 1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formula_cells(dangerous):
    frame = pd.DataFrame({"Nom": [dangerous], "Voix": [12.5]})
    text = fr.csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("'")
    assert ";12,5" in text  # numbers keep the decimal comma


def test_csv_keeps_negative_numbers_numeric():
    text = fr.csv_bytes(pd.DataFrame({"x": [-1.5]})).decode("utf-8-sig")
    assert text.splitlines()[1] == "-1,5"


def test_xlsx_stores_formula_like_text_as_text():
    wb = Workbook()
    fr.xlsx_frame(wb.active, pd.DataFrame({"Nom": ["=HYPERLINK(\"http://x\")", "Dupont"], "n": [1, np.nan]}))
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(io.BytesIO(buf.getvalue())).active["A2"]
    assert cell.data_type == "s"
    assert cell.value.lstrip("'").startswith("=HYPERLINK")


def test_provenance_puts_sources_last():
    prov = fr.provenance(territory="Paris", date="2026-11-25", sentence="Priorité = 100 % abstention",
                         sources="Sources : x", details={"Notre camp": "Gauche"})
    assert list(prov) == ["Territoire", "Date", "Pondération", "Notre camp", "Sources"]
    assert fr.provenance_text(prov).startswith("Territoire : Paris · Date")


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0 bureau"), (1, "1 bureau"), (1.5, "1,5 bureau"), (2, "2 bureaux"), (1234, "1\u202f234 bureaux"),
])
def test_a_count_takes_the_french_singular_below_two(n, expected):
    decimals = 1 if isinstance(n, float) else 0
    assert fr.counted(n, "bureau", "bureaux", decimals) == expected
    assert fr.plural(n, "bureau", "bureaux") == expected.split(" ")[-1]


def test_provenance_does_not_repeat_the_sources_label():
    prov = fr.provenance(territory="Paris", date="2026-11-25", sentence="s", sources="Sources : INSEE (LO 2.0)")
    assert prov["Sources"] == "INSEE (LO 2.0)"
    assert "Sources : Sources" not in fr.provenance_text(prov)


def test_a_view_link_is_absolute_when_the_app_address_is_known():
    link = fr.view_link("http://terrain.example:8501/app/", "briefing", {"t": "paris", "w": "abstention:60,social_housing:40"})
    assert link == "http://terrain.example:8501/app/briefing?t=paris&w=abstention:60,social_housing:40"


@pytest.mark.parametrize("unknown", [None, "", "/briefing", "terrain.example"])
def test_a_view_link_says_plainly_when_the_app_address_is_unknown(unknown):
    link = fr.view_link(unknown, "briefing", {"t": "antony"})
    assert link.startswith("adresse de l'application inconnue")
    assert "/briefing?t=antony" in link


def test_a_day_reads_and_writes_day_first_and_no_date_is_an_empty_cell():
    from datetime import date

    assert fr.day_text(date(2026, 3, 7)) == "07/03/2026" and fr.day_text(None) == ""
    assert fr.parse_day("7/3/2026") == date(2026, 3, 7) and fr.parse_day("") is None


def test_an_unreadable_day_is_a_french_message():
    import pytest

    from lib.errors import TerrainError

    with pytest.raises(TerrainError, match="jj/mm/aaaa"):
        fr.parse_day("2026-03-07")


def test_a_negative_number_reads_with_the_typographic_minus_never_a_hyphen():
    assert fr.number(-1.6, 1) == "\u22121,6" and fr.number(-1234) == "\u22121\u202f234"


def test_a_source_address_is_a_link_only_when_it_is_a_plain_web_address():
    assert fr.source_link("https://www.data.gouv.fr/x/").endswith("](https://www.data.gouv.fr/x/)")
    assert "](" not in fr.source_link("javascript:alert(1)")
    assert "](" not in fr.source_link("https://a.example/ ![](https://t.example/p.png)")
