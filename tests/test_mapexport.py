"""Map and data exports: sizes, pages, offline HTML, read-back, provenance in every file."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from lib import briefing, fr, geo, mapexport, offline_map

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
    page = offline_map.interactive_html(scored, outlines, legend, PROVENANCE, title="Test").decode()
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


MATH = r"DUPONT $\frac{a$ Jean"  # a candidate or bureau name matplotlib would read as broken math text


@pytest.mark.parametrize("build", [mapexport.static_map_png, mapexport.static_map_pdf])
def test_names_with_dollar_signs_are_drawn_as_text_in_png_and_pdf(scored, outlines, legend, build):
    named = scored.assign(label=[MATH, *scored["label"].iloc[1:]])
    out = build(named, outlines, legend, {**PROVENANCE, "Notre camp": MATH}, title=f"Campagne {MATH}",
                figures=[briefing.KeyFigure("$x^$", MATH)])
    assert len(out) > 1000


def test_a_pdf_shows_the_dollar_name_as_written(scored, outlines, legend):
    named = scored.assign(label=[MATH, *scored["label"].iloc[1:]])
    text = PdfReader(io.BytesIO(mapexport.static_map_pdf(named, outlines, legend, PROVENANCE, title="Test"))
                     ).pages[0].extract_text()
    assert "$\\frac{a$" in text


def test_pdf_legend_title_names_the_top_class_of_this_map(scored, outlines, legend):
    """Three classes: the top one is « 3 », not a fixed « 5 »."""
    reader = PdfReader(io.BytesIO(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test")))
    text = reader.pages[0].extract_text()
    assert "Priorité (3 = la plus forte)" in text
    assert "5 = la plus forte" not in text


def _pdf_texts(pdf: bytes) -> tuple[list[tuple[str, float, float]], float]:
    """Every text run of the page with its position (points), and the page width (runs may split a
    word at a ligature: « Chi », « ff », « res »)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    runs: list[tuple[str, float, float]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append((text, cm[4], cm[5]))
                      if text.strip() else None)
    return runs, float(page.mediabox.width)


def test_pdf_numbers_the_top_bureaux_on_the_map_and_in_the_side_list(scored, outlines, legend):
    """Five ranked bureaux: each number once on the map (left) and once in the list (right column)."""
    runs, width = _pdf_texts(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test"))
    for rank in map(str, range(1, 6)):
        xs = [x for text, x, _ in runs if text.strip() == rank]
        assert any(x < width * 0.6 for x in xs), f"badge {rank} missing on the map"
        assert any(x > width * 0.6 for x in xs), f"number {rank} missing in the list"
    assert "Les 5 premiers bureaux" in [t.strip() for t, _, _ in runs]


def test_pdf_side_column_holds_the_key_figures_when_given(scored, outlines, legend):
    figures = [briefing.KeyFigure("2", "bureaux en priorité maximale"), briefing.KeyFigure("≈ 1 250", "portes (estimation)")]
    runs, width = _pdf_texts(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test",
                                                      figures=figures))
    right = "".join(t for t, x, _ in runs if x > width * 0.6)
    assert "Chiffres clés" in right and "bureaux en priorité maximale" in right and "portes (estimation)" in right


def test_static_legend_says_one_bureau_not_one_bureaux(scored, outlines, legend):
    text = PdfReader(io.BytesIO(mapexport.static_map_pdf(scored, outlines, legend, PROVENANCE, title="Test"))
                     ).pages[0].extract_text()
    assert "1 bureaux" not in text
    assert "sans score · 1 bureau" in text


def test_spread_apart_separates_close_badges_and_leaves_lonely_ones_alone():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [100.0, 100.0]])
    placed = mapexport.spread_apart(points, 10.0)
    gaps = [np.hypot(*(placed[i] - placed[j])) for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) >= 10.0 - 1e-6
    np.testing.assert_allclose(placed[3], points[3])


def test_spread_apart_keeps_badges_off_fixed_points():
    placed = mapexport.spread_apart(np.array([[0.0, 0.0], [0.0, 0.0]]), 10.0, fixed=np.array([[0.0, 1.0]]))
    assert np.hypot(*(placed[0] - placed[1])) >= 10.0 - 1e-6
    assert min(np.hypot(*(p - [0.0, 1.0])) for p in placed) >= 10.0 - 1e-6


def test_html_ranks_read_as_whole_numbers(scored, outlines, legend):
    """Ranks arrive as floats when some bureaux are unranked (NaN): « 3 », never « 3.0 »."""
    page = offline_map.interactive_html(scored.assign(rank=scored["rank"].astype(float)), outlines, legend,
                                      PROVENANCE, title="Test").decode()
    assert re.findall(r'"rang": "([^"]*)"', page) == ["1", "2", "\\u2014", "3", "4", "5"]  # JSON-escaped « — »


def test_html_link_to_the_view_is_a_real_absolute_link(scored, outlines, legend):
    link = "http://terrain.example:8501/briefing?t=paris&w=abstention:60"
    page = offline_map.interactive_html(scored, outlines, legend, {**PROVENANCE, "Lien": link}, title="Test").decode()
    assert f'<a href="{link.replace("&", "&amp;")}">' in page


def test_html_without_the_app_address_shows_the_note_not_a_broken_link(scored, outlines, legend):
    note = fr.view_link(None, "briefing", {"t": "paris"})
    page = offline_map.interactive_html(scored, outlines, legend, {**PROVENANCE, "Lien": note}, title="Test").decode()
    assert fr.escape(note) in page and '<a href="adresse' not in page


def test_html_scale_is_metric_only(scored, outlines, legend):
    page = offline_map.interactive_html(scored, outlines, legend, PROVENANCE, title="Test").decode()
    assert "L.control.scale({metric: true, imperial: false})" in page
    assert "L.control.scale()" not in page


# In a real browser (Debian's Chromium): hover, layers, what covers what ----------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def opened(tmp_path, scored, outlines, legend):
    """The offline HTML export opened in headless Chromium, every non-file request refused."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed (./test.sh installs it)")
    path = tmp_path / "carte.html"
    path.write_bytes(offline_map.interactive_html(scored, outlines, legend, PROVENANCE, title="Test"))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 800, "height": 600})  # a small window: little room to spare
        outside: list[str] = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-interactive, canvas.leaflet-zoom-animated")
        yield page
        browser.close()
        assert outside == []


def _screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    """Where a place is drawn on the page (the folium map is a global named after its element id)."""
    return tuple(page.evaluate(
        "([lat, lon]) => { const el = document.querySelector('.folium-map'); const map = window[el.id];"
        " const p = map.latLngToContainerPoint([lat, lon]); const r = el.getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }", [lat, lon]))


@pytest.mark.browser
def test_hovering_a_bureau_shows_its_tooltip_with_the_outline_layer_on(opened, scored):
    assert opened.get_by_label("Arrondissements / communes").is_checked()
    centre = scored.to_crs(geo.LAMBERT93).geometry.iloc[3].centroid  # « D », inside commune « Une »
    lon, lat = gpd.GeoSeries([centre], crs=geo.LAMBERT93).to_crs("EPSG:4326").iloc[0].coords[0]
    opened.mouse.move(*_screen_point(opened, lat, lon))
    tooltip = opened.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=5000)
    assert "Rang" in tooltip.inner_text() and "D" in tooltip.inner_text()


@pytest.mark.browser
def test_nothing_covers_the_bureaux_at_the_default_view(opened, scored):
    """Legend, title and layer switches sit beside the map: at the centre and near the corners of
    every bureau the page shows the map's own drawing (badges and names let the mouse through)."""
    spots = []
    for bureau, (x0, y0, x1, y1) in zip(scored["bureau_id"], scored.to_crs(geo.LAMBERT93).bounds.to_numpy(), strict=True):
        spots += [(bureau, x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy)
                  for fx, fy in ((0.5, 0.5), (0.15, 0.15), (0.15, 0.85), (0.85, 0.15), (0.85, 0.85))]
    points = gpd.GeoSeries(gpd.points_from_xy([s[1] for s in spots], [s[2] for s in spots]), crs=geo.LAMBERT93)
    for (bureau, _, _), point in zip(spots, points.to_crs("EPSG:4326"), strict=True):
        x, y = _screen_point(opened, point.y, point.x)
        hit = opened.evaluate("([x, y]) => { const el = document.elementFromPoint(x, y);"
                              " return el ? el.tagName + (el.closest('.leaflet-overlay-pane') ? ' map' : '') : ''; }",
                              [x, y])
        assert hit == "CANVAS map", f"{bureau} is covered by {hit}"


@pytest.mark.browser
def test_the_scale_reads_in_metres_or_kilometres_only(opened):
    scales = opened.locator(".leaflet-control-scale-line").all_inner_texts()
    assert scales and all(re.fullmatch(r"\d+ k?m", s.strip()) for s in scales)


def test_exports_carry_each_bureau_potential_category_and_the_offline_top_names_it(grid_bureaux, outlines, legend):
    table = pd.DataFrame({"score": [90.0, 70.0, 50.0, 40.0, 20.0, 10.0], "rank": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
                          "class_id": pd.array([2, 2, 1, 1, 0, 0], dtype="Int64"), "colour": ["#f03b20"] * 6},
                         index=grid_bureaux["bureau_id"])
    first = str(grid_bureaux["bureau_id"].iloc[0])
    frame = mapexport.scored_frame(grid_bureaux.assign(label="B"), table, pd.DataFrame(index=table.index),
                                   notes={"Potentiel": pd.Series({first: "bastion ↑"}),
                                          "Quartier prioritaire": pd.Series({first: "Les Blagis (QN09219N)"})})
    row = frame.set_index("bureau_id").loc[first]
    assert (row["potentiel"], row["quartier_prioritaire"]) == ("bastion ↑", "Les Blagis (QN09219N)")
    html = offline_map.interactive_html(frame, outlines, legend, PROVENANCE, title="Test").decode("utf-8")
    assert "B (bastion ↑)" in html


def test_the_briefing_exports_draw_the_quartiers_prioritaires_when_given(scored, outlines, legend):
    box = {"type": "Polygon", "coordinates": [[[*scored.total_bounds[:2]], [scored.total_bounds[2], scored.total_bounds[1]],
                                               [*scored.total_bounds[2:]], [*scored.total_bounds[:2]]]]}
    qpv = mapexport.qpv_frame({"type": "FeatureCollection",
                               "features": [{"type": "Feature", "properties": {"code": "QN0", "name": "<b>Q</b>"},
                                             "geometry": box}]})
    html = offline_map.interactive_html(scored, outlines, legend, PROVENANCE, title="Test", qpv=qpv).decode("utf-8")
    assert "Quartiers prioritaires (QPV)" in html and mapexport.QPV_COLOUR in html and "<b>Q</b>" not in html
    plain = mapexport.static_map_png(scored, outlines, legend, PROVENANCE, title="Test")
    assert mapexport.static_map_png(scored, outlines, legend, PROVENANCE, title="Test", qpv=qpv) != plain
    assert mapexport.qpv_frame(None) is None
