"""Streets on what a strategist downloads: the walk plan's offline HTML map (Trocadéro streets of the
shipped Paris data, real BAN addresses of bureau 75056_1613) and the A4 packet's label geometry."""

from __future__ import annotations

import functools
import json
import re
from html import unescape

import numpy as np
import pytest
import shapely
from fpdf import FPDF

from lib import exports, walk, walk_exports
from lib.dataset import load_territory
from lib.geo import lonlat_to_l93
from lib.offline_map import VENDOR, walk_html
from lib.streetmap import NAME_EM, OSM_CREDIT, OSM_LICENCE, StreetLayer
from lib.streetnet import StreetNetwork

from .helpers import ARTIFACTS, CHROMIUM, DATA_DIR, chromium, requires_dataset

pytestmark = requires_dataset("paris")
BUREAU = "75056_1613"
PROVENANCE = {"Territoire": "Paris", "Date": "2026-12-03"}


@functools.cache
def plan():
    """The bureau's turfs routed along the streets, the street layer and its network."""
    data = load_territory(DATA_DIR, "paris")
    network = StreetNetwork.from_streets(data.streets)
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), [BUREAU],
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0), network=network)
    return turfs, summary, data.streets, network


@functools.cache
def page(with_streets: bool = True) -> str:
    turfs, summary, streets, network = plan()
    return walk_html(turfs, summary, PROVENANCE, title="Samedi", streets=streets if with_streets else None,
                     network=network if with_streets else None).decode("utf-8")


def test_walk_html_draws_the_streets_and_their_names_under_the_routes():
    html, turfs = page(), plan()[0]
    assert html.index('"Rues (OpenStreetMap)"') < html.index('"Noms des rues"') < html.index('"Parcours"')
    assert html.count('"type": "LineString"') + html.count('"type":"LineString"') >= 20
    icons = [json.loads(text) for text in re.findall(r'"html": ("(?:[^"\\]|\\.)*")', html)]
    names = {re.sub(r"<[^>]+>", "", icon) for icon in icons if "rotate(" in icon}
    assert names & set(turfs["street"])  # the turfs' own streets are named
    assert f"{OSM_CREDIT} ({OSM_LICENCE})" in unescape(html)  # in the side panel


def test_walk_html_asks_nothing_of_the_network():
    ours = page()
    for vendored in ("leaflet.js", "leaflet.css"):  # Leaflet's own comments cite its bug trackers
        ours = ours.replace((VENDOR / vendored).read_text(encoding="utf-8"), "")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", ours)  # no tile, no CDN, no link out
    assert "L.tileLayer" not in ours


def test_walk_html_without_streets_has_no_street_layer_nor_credit():
    html = page(with_streets=False)
    assert '"Rues (OpenStreetMap)"' not in html and OSM_CREDIT not in unescape(html)
    assert '"Parcours"' in html


def test_walk_html_lists_every_turf_of_the_plan():
    assert all(f"<b>{t}</b>" in page() for t in plan()[1]["turf_id"])


def test_walk_html_names_each_turf_where_its_walk_starts():
    turfs = plan()[0]
    blocks = re.findall(r"L\.divIcon\((\{.*?\})\)", page(), flags=re.S)
    icons = [json.loads(re.sub(r",\s*}$", "}", block)) for block in blocks]  # folium leaves a trailing comma
    starts = [re.fullmatch(r'<div style="border-color:#[0-9a-f]{6}">(T\d+)</div>', icon["html"]).group(1)
              for icon in icons if icon["className"] == "terrain-depart"]
    assert sorted(starts) == sorted(turfs["turf_id"].astype(str).unique())


# --- the A4 packet's map: labels that do not cover each other --------------------------------------

PACKET_BUREAUX = ["75056_1613", "75056_1614", "75056_1602", "75056_1651"]


@functools.cache
def packet_turfs():
    data = load_territory(DATA_DIR, "paris")
    network = StreetNetwork.from_streets(data.streets)
    turfs, _ = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), PACKET_BUREAUX,
                               walk.TurfPlan(120, 1.8, 25.0, 12.0), network=network)
    return turfs, StreetLayer.of(data.streets), network


def packet_pages():
    """Per turf: the packet's map box, its route and stops in page mm, a PDF with the packet's fonts."""
    turfs, _, network = packet_turfs()
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(walk_exports.FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(walk_exports.FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id"):
        height = walk_exports.map_height(30, len(rows), pdf.h)  # as the packet sizes it
        box = walk_exports.MapBox(x=10, y=30, w=150, h=height).framed(rows["x"].to_numpy(), rows["y"].to_numpy())
        line = np.asarray(walk_exports.route_lines(rows, network)[turf_id])
        route = np.column_stack(box.page(*lonlat_to_l93(line[:, 0], line[:, 1])))
        yield pdf, box, route, box.page(rows["x"].to_numpy(), rows["y"].to_numpy())


def test_packet_stop_numbers_keep_off_the_route_and_each_other():
    touching = total = 0
    for pdf, _box, route, (sx, sy) in packet_pages():
        pdf.set_font("DejaVu", "B", 6)
        boxes = walk_exports.number_boxes(sx, sy, [pdf.get_string_width(str(i)) for i in range(1, len(sx) + 1)], route)
        line = shapely.LineString(route).buffer(0.3)  # the route is drawn 0.6 mm wide
        touching += sum(line.intersects(shapely.box(*b)) for b in boxes)
        total += len(boxes)
        assert not any(walk_exports._overlap(a, b) for i, a in enumerate(boxes) for b in boxes[:i])
    assert total > 500 and touching <= 0.01 * total  # only where every spot round a dot is on the route


def test_packet_street_names_keep_clear_of_the_scale_label():
    layer = packet_turfs()[1]
    for pdf, box, _route, _stops in packet_pages():
        pdf.set_font("DejaVu", size=7)
        width = pdf.get_string_width(f"{walk_exports._nice_length(box.w / box.scale / 6):.0f} m")
        label = shapely.box(box.x + 4, box.y + box.h - 8, box.x + 4 + width, box.y + box.h - 5)  # as drawn
        names = layer.draw(pdf, box, keep_clear=walk_exports.furniture(box, credit=True))
        assert names and not any(name.intersects(label) for name in names)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (./test.sh installs it)")
def test_walk_html_opens_offline_with_street_names_none_over_another(tmp_path):
    path = tmp_path / "parcours.html"
    path.write_text(page(), encoding="utf-8")
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1300, "height": 850})
        outside: list[str] = []  # the file itself only
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else (outside.append(route.request.url), route.abort()))
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(path.as_uri())
        pg.wait_for_selector(".terrain-rue div", state="attached")
        pg.evaluate("() => { for (const k in window) if (k.startsWith('map_')) window[k].setZoom(17, {animate: false}); }")
        pg.wait_for_timeout(500)
        shown = pg.evaluate("""() => [...document.querySelectorAll('.terrain-rue div')]
            .filter((d) => getComputedStyle(d).visibility === 'visible' && d.offsetParent !== null)
            .map((d) => { const r = d.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "carte_parcours_hors_ligne.png"))
        context.close()
    assert len(shown) >= 5 and not errors and not outside
    assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for i, a in enumerate(shown) for b in shown[:i])


# --- street names placed clear of the doors (phone map, HTML map) ----------------------------------

def one_street(doors_from: float, doors_to: float, side: float = 0.0):
    """A straight 400 m street « Rue Test » (Lambert-93, along x) and doors every 10 m of it from
    ``doors_from`` to ``doors_to`` metres, ``side`` metres off its axis."""
    import geopandas as gpd

    from lib.geo import LAMBERT93, WGS84

    line = gpd.GeoSeries([shapely.LineString([(650_000, 6_860_000), (650_400, 6_860_000)])], crs=LAMBERT93)
    layer = StreetLayer.of(gpd.GeoDataFrame({"name": ["Rue Test"], "highway": ["residential"]},
                                            geometry=line.to_crs(WGS84)))
    xs = np.arange(650_000 + doors_from, 650_000 + doors_to + 1, 10.0)
    hits, clipped = layer.cut((649_900, 6_859_900, 650_500, 6_860_100))
    return layer, hits, clipped, shapely.multipoints(np.c_[xs, np.full(len(xs), 6_860_000 + side)])


def test_a_street_name_sits_on_the_stretch_without_doors():
    layer, hits, clipped, doors = one_street(0, 250)
    (spot,) = layer.name_spots(hits, clipped, doors, metres_per_px=1.0, name_px=11)
    half = len("Rue Test") * NAME_EM * 11 / 2
    assert spot.x - half >= 650_250 + 10  # the name is past the last door, not over the doors in the middle


def test_a_street_lined_with_doors_has_its_name_beside_it_on_the_side_without_doors():
    layer, hits, clipped, doors = one_street(0, 400, side=-8.0)  # doors all along, south of the street
    (spot,) = layer.name_spots(hits, clipped, doors, metres_per_px=1.0, name_px=11)
    assert spot.y > 6_860_000 + 5 and abs(spot.angle) < 1  # beside it, to the north, along it


def test_walk_html_is_in_the_export_registry_and_escapes_what_it_shows():
    turfs, summary, streets, network = plan()
    hostile = turfs.assign(label="<img src=x onerror=alert(1)>")
    html = exports.EXPORTS["walk_html"].build(turfs=hostile, summary=summary, provenance=PROVENANCE, title="<b>Samedi",
                                              streets=streets, network=network).decode("utf-8")
    assert "walk_html" in exports.WALK_EXPORTS
    assert "<img src=x onerror" not in html and "<b>Samedi" not in html


def test_a_short_turf_gets_a_taller_packet_map_and_a_long_one_keeps_the_minimum():
    short, long_ = walk_exports.map_height(30, 12, 297), walk_exports.map_height(30, 40, 297)
    assert short > 100 and long_ == walk_exports.MAP_MIN_H
    table = walk_exports.ROW_H * 12 + walk_exports.TABLE_EXTRA_H
    assert 30 + 6 + short + table <= 297 - walk_exports.FOOTER_H  # the list and its totals still fit above the footer


def test_a_stop_number_keeps_off_a_street_name():
    sx, sy, route = np.array([50.0]), np.array([50.0]), np.empty((0, 2))
    free = walk_exports.number_boxes(sx, sy, [2.0], route)[0]
    name = shapely.box(*free).buffer(0.2)  # a street name where the number would have gone
    moved = walk_exports.number_boxes(sx, sy, [2.0], route, avoid=[name])[0]
    assert not name.intersects(shapely.box(*moved))
