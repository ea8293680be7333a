"""Map and data exports: sizes, pages, offline HTML, read-back, provenance in every file."""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from lib import geo, mapexport

PROVENANCE = {"Territoire": "Testville", "Date": "2026-11-22",
              "Pondération": "Priorité = 60 % abstention + 40 % logement social", "Sources": "Tests"}


@pytest.fixture
def scored(grid_bureaux) -> gpd.GeoDataFrame:
    b = grid_bureaux.assign(label=["<img src=x onerror=alert(1)>", "B", "C", "D", "E", "F"])
    table = pd.DataFrame({"score": [90.0, 70.0, np.nan, 40.0, 20.0, 10.0],
                          "rank": pd.array([1, 2, pd.NA, 3, 4, 5], dtype="Int64"),
                          "class_id": pd.array([2, 2, pd.NA, 1, 0, 0], dtype="Int64"),
                          "colour": ["#f03b20", "#f03b20", "#bdbdbd", "#feb24c", "#ffeda0", "#ffeda0"]},
                         index=b["bureau_id"])
    contributions = pd.DataFrame({"abstention": [50.0, 40.0, np.nan, 20.0, 10.0, 5.0]}, index=b["bureau_id"])
    return mapexport.scored_frame(b, table, contributions)


@pytest.fixture
def outlines(grid_bureaux):
    return geo.dissolve_outlines(grid_bureaux, by="commune_code",
                                 names=pd.Series({"99001": "Une", "99002": "Deux"}), kind="commune")


@pytest.fixture
def legend():
    return pd.DataFrame({"classe": [1, 2, 3, 0], "couleur": ["#ffeda0", "#feb24c", "#f03b20", "#bdbdbd"],
                         "min": [10, 40, 70, np.nan], "max": [20, 40, 90, np.nan], "bureaux": [2, 1, 2, 1],
                         "libelle": ["Priorité 1", "Priorité 2", "Priorité 3", "Données manquantes · 1 bureau"]})


def test_png_is_1920_by_1080_with_provenance(scored, outlines, legend):
    png = mapexport.static_map_png(scored, outlines, legend, PROVENANCE, title="Test")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)
    assert "60 % abstention" in image.info["Description"]


def test_pdf_is_one_a4_page_with_provenance(scored, outlines, legend):
    reader = PdfReader(io.BytesIO(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test")))
    assert len(reader.pages) == 1
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert sorted((round(w), round(h))) == [595, 842]
    assert "60 % abstention" in reader.metadata.subject


def test_html_has_one_feature_per_bureau_and_no_external_asset(scored, outlines, legend):
    page = mapexport.interactive_html(scored, outlines, legend, PROVENANCE, title="Test").decode()
    assert len(re.findall(r'"bureau_id":', page)) == len(scored)
    external = re.findall(r'<(?:script[^>]+src|link[^>]+href)=["\'](https?:)?//', page)
    assert external == []
    assert "<img src=x onerror" not in page
    assert re.search(r"lt;img src=x onerror=alert\(1\)", page)  # escaped, then JSON-escaped by folium
    assert "60 % abstention" in page and "L.map" in page


def test_geojson_reads_back_with_the_same_bureaux_and_scores(scored):
    data = mapexport.scored_geojson(scored, PROVENANCE)
    assert json.loads(data)["terrain"]["Territoire"] == "Testville"
    back = gpd.read_file(io.BytesIO(data))
    assert back["bureau_id"].tolist() == scored["bureau_id"].tolist()
    np.testing.assert_allclose(back["score"].to_numpy(dtype=float), scored["score"].to_numpy(dtype=float))


def test_geopackage_reads_back_with_a_provenance_table(scored, tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_bytes(mapexport.scored_gpkg(scored, PROVENANCE))
    back = gpd.read_file(path, layer="bureaux")
    assert sorted(back["bureau_id"]) == sorted(scored["bureau_id"])
    prov = gpd.read_file(path, layer="provenance")
    assert dict(zip(prov["cle"], prov["valeur"], strict=True))["Territoire"] == "Testville"


def test_pdf_legend_title_names_the_top_class_of_this_map(scored, outlines, legend):
    """Three classes: the top one is « 3 », not a fixed « 5 »."""
    reader = PdfReader(io.BytesIO(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test")))
    text = reader.pages[0].extract_text()
    assert "Priorité (3 = la plus forte)" in text
    assert "5 = la plus forte" not in text
