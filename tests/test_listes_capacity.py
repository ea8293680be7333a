"""AppTest of « Listes de porte-à-porte »: the capacity planner cuts the turfs the packet and exports hold."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from .helpers import open_page, requires_dataset

pytestmark = requires_dataset("paris")


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """file name → the bytes builder of each download button of the last run (built on click in the app)."""
    built: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, **kw):
        built[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, **kw)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return built


def with_crew(downloads: dict, volunteers: int, outings: int, hours: float) -> AppTest:
    """The page with this crew (the downloads recorded are those of this crew's run)."""
    at = open_page("pages/listes.py")
    at.number_input(key="w_cap_vol").set_value(volunteers)
    at.number_input(key="w_cap_out").set_value(outings)
    at.number_input(key="w_cap_hours").set_value(hours)
    downloads.clear()
    at.run()
    assert not at.exception, at.exception
    return at


def turf_tables(at: AppTest) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan's turf table and the reserve's (empty when every turf is in the plan)."""
    tables = [d.value for d in at.dataframe if "Durée de la sortie (min, est.)" in d.value.columns]
    return tables[0], tables[1] if len(tables) > 1 else tables[0].iloc[:0]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_twelve_volunteers_for_one_three_hour_outing_get_six_turfs_that_fit_it(downloads):
    at = with_crew(downloads, 12, 1, 3.0)
    plan, reserve = turf_tables(at)
    assert len(plan) == 6  # 6 binômes × 1 outing
    assert metric(at, "Sorties de binôme") == "6 / 6"
    assert (plan["Durée de la sortie (min, est.)"] <= 180).all() and (reserve["Durée de la sortie (min, est.)"] <= 180).all()
    detail = next(d.value for d in at.dataframe if "Couverture" in d.value.columns)
    walked = detail[detail["Couverture"].isin(["en entier", "en partie"])]
    assert walked.index.tolist() == list(range(len(walked)))  # the highest-priority bureaux, first


def test_bureaux_covered_agree_with_the_turfs_and_every_export_holds_those_turfs(downloads):
    at = with_crew(downloads, 40, 1, 3.0)
    plan, reserve = turf_tables(at)
    ids = plan["Équipe"].tolist()
    full = set(plan["Bureaux"]) - set(reserve["Bureaux"])
    assert metric(at, "Bureaux couverts") == f"{len(full)} / 10" and len(ids) == 20
    said = " ".join(m.value for m in at.markdown)
    assert full and re.search(rf"\b{len(full)} bureaux? couverts? en entier, le {len(full) + 1}e en partie", said)
    pdf = PdfReader(io.BytesIO(downloads["terrain_dossier.pdf"]()))
    headers = [re.search(r"— équipe (T\d+)", p.extract_text()) for p in pdf.pages]
    assert [h.group(1) for h in headers if h] == ids  # one turf page per turf (long turfs continue on the next)
    csv = pd.read_csv(io.BytesIO(downloads["terrain_parcours.csv"]()), sep=";", encoding="utf-8-sig")
    assert csv["Équipe"].unique().tolist() == ids
    sheets = load_workbook(io.BytesIO(downloads["terrain_parcours.xlsx"]())).sheetnames
    assert sheets == ["Résumé", *ids, "À propos"]
    gpx = ET.fromstring(downloads["terrain_parcours.gpx"]())
    assert [r.findtext("{http://www.topografix.com/GPX/1/1}name") for r in
            gpx.findall("{http://www.topografix.com/GPX/1/1}rte")] == ids
    features = json.loads(downloads["terrain_parcours.geojson"]())["features"]
    assert sorted({f["properties"]["equipe"] for f in features}) == ids


def test_no_volunteers_says_so_in_french_and_offers_no_packet(downloads):
    at = with_crew(downloads, 0, 1, 3.0)
    assert any("Aucune sortie de binôme" in w.value for w in at.warning)
    assert metric(at, "Bureaux couverts") == "0 / 10"
    assert not downloads and not any("Équipe" in d.value.columns for d in at.dataframe)


def test_control_bureaux_get_no_turf_and_a_large_crew_covers_every_other_one(downloads):
    at = open_page("pages/listes.py")
    at.toggle(key="w_holdout").set_value(True)
    at.number_input(key="w_cap_vol").set_value(2_000).run()
    design = next(d.value for d in at.dataframe if "Groupe" in d.value.columns)
    controls = set(design.loc[design["Groupe"] == "témoin (non visité)", "Bureau"])
    plan, reserve = turf_tables(at)
    assert len(controls) == 2 and not controls & set(plan["Bureaux"]) and reserve.empty
    assert metric(at, "Bureaux couverts") == "8 / 8"


def test_capacity_rates_are_shown_without_needless_decimals():
    at = open_page("pages/listes.py")
    formats = {key: at.number_input(key=key).proto.format for key in ("w_cap_hours", "w_cap_coll", "w_cap_ind", "w_cap_rpd")}
    assert formats == {"w_cap_hours": "%.1f", "w_cap_coll": "%.0f", "w_cap_ind": "%.0f", "w_cap_rpd": "%.1f"}


def test_a_link_reproduces_the_walk_list_settings():
    at = open_page("pages/listes.py", {"lm": "manual", "li": "75056_0101|75056_0102", "lb": "12", "lh": "3.0"})
    assert at.radio(key="w_walk_mode").value == "manual"
    assert at.multiselect(key="w_walk_ids").value == ["75056_0101", "75056_0102"]
    assert (at.number_input(key="w_cap_vol").value, at.number_input(key="w_cap_hours").value) == (12, 3.0)


def test_changing_a_walk_list_setting_writes_it_into_the_link():
    at = open_page("pages/listes.py")
    assert "lb" not in at.query_params  # the defaults keep the link short
    at.number_input(key="w_cap_vol").set_value(14).run()
    assert at.query_params["lb"] == "14"
