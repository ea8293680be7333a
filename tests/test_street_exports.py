"""Streets on what a strategist downloads: the walk plan's offline HTML map (Trocadéro streets of the
shipped Paris data, real BAN addresses of bureau 75056_1613) and the A4 packet's label geometry."""

from __future__ import annotations

import functools
import json
import re
from html import unescape

from lib import walk
from lib.dataset import load_territory
from lib.offline_map import VENDOR, walk_html
from lib.streetmap import OSM_CREDIT, OSM_LICENCE
from lib.streetnet import StreetNetwork

from .helpers import DATA_DIR, requires_dataset

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
