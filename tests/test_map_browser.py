"""The priority map element in headless Chromium, network cut: colours drawn, click → panel.

The expected colours come from the Python side (AppTest on the same URL), the drawn ones from
the canvas pixels at a few bureau centres, projected by the page's own deck.gl viewport.
"""

from __future__ import annotations

import urllib.parse

import numpy as np
import pytest

from lib.dataset import load_territory

from .helpers import (
    BROWSER_MARKS,
    CHROME_ARGS,
    CHROMIUM,
    DATA_DIR,
    MAP,
    canvas_pixels,
    drawn_class,
    expected_colours,
    painted_share,
    project,
    sample_bureaux,
    wait_idle,
)

pytestmark = BROWSER_MARKS
OFFLINE_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def open_map(pg, url: str) -> None:
    pg.goto(url)
    wait_idle(pg, timeout=120_000)
    pg.wait_for_selector(f"{MAP}[data-painted]", timeout=60_000, state="attached")


def wait_complete(pg) -> None:
    """Until the context canvas (outlines, stations, names) is on screen."""
    pg.wait_for_function(f"() => /^[0-9]+$/.test(document.querySelector('{MAP}').dataset.complete || '')",
                         timeout=60_000)


def wait_repainted(pg, before: str) -> None:
    pg.wait_for_function(f"() => document.querySelector('{MAP}').dataset.painted !== '{before}'", timeout=60_000)
    wait_idle(pg)
    pg.wait_for_timeout(500)


def test_after_a_move_bureau_centres_take_their_class_colours(page, server):
    open_map(page, f"{server}/carte?p=custom&w=abstention:60,social_housing:40&k=4")
    before = page.evaluate(f"() => document.querySelector('{MAP}').dataset.painted")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Logement social").first
    slider.locator('input[type="range"]').first.focus()
    page.keyboard.press("Home")  # logement social 40 → 0: the classes change
    wait_repainted(page, before)
    assert "social_housing" not in urllib.parse.unquote(page.url)
    expected = expected_colours(page.url)
    palette = sorted(set(expected.values()))
    bureaux = sample_bureaux()
    pixels = canvas_pixels(page)
    drawn = [drawn_class(pixels[round(y), round(x)], palette) for x, y in project(page, [(lo, la) for _, lo, la in bureaux])]
    assert drawn == [expected[bid] for bid, _, _ in bureaux]
    assert len({expected[bid] for bid, _, _ in bureaux}) > 1  # the sample spans several classes


def test_clicking_a_bureau_shows_it_in_the_panel(page, server):
    open_map(page, f"{server}/carte")
    bid, lon, lat = sample_bureaux(1)[0]
    label = load_territory(DATA_DIR, "paris").bureaux.at[bid, "label"]
    (x, y), = project(page, [(lon, lat)])
    box = page.locator(f"{MAP} canvas").first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y, delay=60)  # a press, not a zero-length tap
    page.wait_for_function(f"() => location.search.includes('sel={bid}')", timeout=30_000)
    wait_idle(page)
    page.locator('[data-testid="stHtml"]').filter(has_text=label).first.wait_for(timeout=30_000)  # panel title


def test_the_map_draws_with_the_network_cut(page, server):
    local, external = [], []
    page.on("requestfinished", lambda r: local.append(r.url) if "127.0.0.1" in r.url else None)
    page.on("requestfailed", lambda r: external.append(r.url) if "127.0.0.1" not in r.url else None)
    open_map(page, f"{server}/carte")  # the page fixture aborts every request but localhost
    assert any("/component/" in u and "deckgl" in u for u in local)  # deck.gl served by the app itself
    assert not any("deck" in u or "tile" in u or "unpkg" in u or "jsdelivr" in u for u in external)
    assert painted_share(page) > 0.2  # polygons drawn, not a blank frame


def test_the_colours_come_first_then_outlines_stations_and_names_on_a_canvas_a_move_never_redraws(page, server):
    """The first frame holds the bureaux alone (one shader program to compile); outlines, stations
    and names come once it is on screen, on a second canvas that a slider move leaves alone."""
    open_map(page, f"{server}/carte")
    wait_complete(page)
    stamps = page.evaluate(f"() => {{ const d = document.querySelector('{MAP}').dataset;"
                           " return [Number(d.coloured), Number(d.complete)]; }")
    assert 0 < stamps[0] <= stamps[1]
    layer_ids = page.evaluate(f"""() => {{ const s = document.querySelector('{MAP}').parentElement.__terrainMap;
        return [s.deck, s.overlay].map((d) => d.props.layers.map((l) => l.id.split('-')[0])); }}""")
    assert layer_ids[0] == ["bureaux"]
    assert layer_ids[1] == ["outlines", "stations", "names"]


def test_a_slider_move_redraws_the_colours_not_the_outlines(page, server):
    open_map(page, f"{server}/carte?p=custom&w=abstention:60,social_housing:40&k=4")
    wait_complete(page)
    page.wait_for_timeout(500)
    frames = f"() => document.querySelector('{MAP}').dataset.contextFrames"
    before, context_before = page.evaluate(f"() => document.querySelector('{MAP}').dataset.painted"), page.evaluate(frames)
    assert int(context_before) >= 1  # the context canvas was drawn…
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Logement social").first
    slider.locator('input[type="range"]').first.focus()
    page.keyboard.press("Home")
    wait_repainted(page, before)
    assert page.evaluate(frames) == context_before  # …and the move did not redraw it


def test_zooming_moves_the_outlines_with_the_bureaux(page, server):
    open_map(page, f"{server}/carte")
    wait_complete(page)
    views = (f"() => {{ const s = document.querySelector('{MAP}').parentElement.__terrainMap;"
             " return [s.deck, s.overlay].map((d) => { const v = d.getViewports()[0];"
             " return [v.zoom, v.longitude, v.latitude]; }); }")
    start = page.evaluate(views)[0]
    box = page.locator(f"{MAP} canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"(z) => ({views})()[0][0] > z + 0.2", arg=start[0], timeout=30_000)
    page.wait_for_timeout(800)  # the zoom transition ends
    bureaux, context = page.evaluate(views)
    assert context == pytest.approx(bureaux, abs=1e-6)


def test_a_second_visit_takes_deck_gl_from_the_browser_cache(browser, server):
    """serve.py marks the versioned map scripts immutable: a reload neither fetches nor recompiles
    deck.gl's 2 MB. A browser of its own: Playwright's request routing turns the HTTP cache off, so
    here every host but this one resolves to nothing instead."""
    deck = ("() => performance.getEntriesByType('resource').filter((r) => r.name.includes('deckgl'))"
            ".map((r) => r.transferSize)")
    offline = browser.browser_type.launch(executable_path=str(CHROMIUM), args=[*CHROME_ARGS, OFFLINE_HOSTS])
    try:
        context = offline.new_context(viewport={"width": 1400, "height": 1000})
        external: list[str] = []
        context.on("request", lambda r: external.append(r.url) if "127.0.0.1" not in r.url else None)
        pg = context.new_page()
        open_map(pg, f"{server}/carte")
        first = pg.evaluate(deck)
        open_map(pg, f"{server}/carte")
        second = pg.evaluate(deck)
    finally:
        offline.close()
    assert first[0] > 100_000  # first visit: fetched
    assert second == [0]  # second: from the cache, no request at all
    assert not external


def test_the_qpv_switch_draws_the_quartiers_prioritaires_outlines_in_violet(page, server):
    """The outlines' vertices, projected by the page's viewport, turn violet once the switch is on."""
    import json

    import shapely
    import shapely.geometry

    from lib.maps.styles import QPV_OUTLINE

    meta = json.loads((DATA_DIR / "paris" / "metadata.json").read_text(encoding="utf-8"))
    features = next(i for i in meta["indicators"] if i["id"] == "qpv_share")["qpv_outlines"]["features"]
    rings = [p.exterior.coords for f in features for p in shapely.get_parts(shapely.geometry.shape(f["geometry"]))]
    vertices = [tuple(xy) for ring in rings for xy in list(ring)[::6]]
    violet = np.array(QPV_OUTLINE[:3])

    def violet_share() -> float:
        pixels = canvas_pixels(page)
        hits = [np.abs(pixels[round(y), round(x)] - violet).sum() < 90 for x, y in project(page, vertices)
                if 0 <= round(y) < pixels.shape[0] and 0 <= round(x) < pixels.shape[1]]
        return sum(hits) / len(hits)

    open_map(page, f"{server}/carte")
    assert violet_share() < 0.1
    before = page.evaluate(f"() => document.querySelector('{MAP}').dataset.painted")
    page.locator('[data-testid="stCheckbox"]').filter(has_text="Quartiers prioritaires").first.click()
    wait_repainted(page, before)
    assert violet_share() > 0.5
