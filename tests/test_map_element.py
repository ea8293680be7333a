"""AppTest: the map element gets a territory's geometry once, then only each rerun's view arrays."""

from __future__ import annotations

import hashlib

import numpy as np
from streamlit.testing.v1 import AppTest

from .helpers import LANDING, map_payload, open_page, requires_dataset

pytestmark = requires_dataset("paris")


def open_map(query: dict[str, str] | None = None) -> AppTest:
    """The priority map page opened with ``query`` in the URL."""
    return open_page("pages/carte.py", query)


def payload(at: AppTest) -> tuple[dict, dict[str, np.ndarray], int]:
    """Header, arrays and size in bytes of what the priority map received in the last run."""
    return map_payload(at, "priority")


def test_the_first_map_of_a_session_sends_the_geometry_and_the_next_maps_reuse_it():
    """Accueil's map brings the territory's geometry; the priority map (same territory) sends only
    its view: one engine, one geometry per browser session whatever the map."""
    at = open_page(LANDING)
    home, home_arrays, _ = map_payload(at, "territoire")
    assert len(home["geometry"]["ids"]) == 903 and len(home["geometry"]["labels"]) == 903
    assert {"g.bureaux.xy", "g.outlines.xy", "g.bureaux.anchor"} <= set(home_arrays)
    at.switch_page("pages/carte.py").run()
    meta, arrays, _ = payload(at)
    assert "geometry" not in meta and meta["key"] == home["key"]
    assert {"m.colour", "m.score", "m.rank"} <= set(arrays) and len(arrays["m.colour"]) == 903


def test_a_slider_move_sends_only_the_per_move_arrays_and_keeps_the_geometry_key():
    at = open_map()
    before, before_arrays, _ = payload(at)
    at.slider(key="w_w_abstention").set_value(5).run()
    after, arrays, size = payload(at)
    assert not at.exception
    assert "geometry" not in after and not any(name.startswith("g.") for name in arrays)
    assert after["key"] == before["key"]
    assert not np.array_equal(arrays["m.score"], before_arrays["m.score"])
    assert size < 20_000  # Paris: 903 bureaux, a few bytes each


def test_the_selected_bureau_travels_as_its_index_in_the_geometry():
    at = open_map({"sel": "75056_0327"})
    meta, _, _ = payload(at)
    home, _, _ = map_payload(open_page(LANDING), "territoire")
    assert meta["selected"] >= 0
    assert home["geometry"]["ids"][meta["selected"]] == "75056_0327"


def test_a_session_with_no_record_of_sending_the_geometry_sends_it_again():
    at = open_map()
    at.session_state["_map_geometry_sent"] = set()  # what the browser's "need" trigger clears
    at.slider(key="w_w_abstention").set_value(5).run()
    meta, _, _ = payload(at)
    assert "geometry" in meta


def test_bureau_search_lists_the_matching_bureaux_after_the_selected_one():
    at = open_map({"sel": "75056_0327"})
    at.text_input(key="w_find").input("Paris 5e").run()
    options = at.selectbox(key="w_sel").options
    assert options[0].startswith("Paris") and len(options) <= 21
    assert all("Paris 5e" in label for label in options[1:]) and len(options) > 1


def test_the_map_asks_for_deck_gl_by_content_hash_so_the_browser_may_keep_it():
    from lib.ui.maps import DECK_FILE, FOLDERS
    meta, _, _ = payload(open_map())
    digest = hashlib.sha256((FOLDERS["vendor"] / DECK_FILE).read_bytes()).hexdigest()[:12]
    assert meta["deck_url"].endswith(f"/{DECK_FILE}?v={digest}")
