"""The turf map in a real headless Chromium draws the OpenStreetMap streets, their names and the
routes along them (Paris bureaux 1613 and 1614, inside the shipped Trocadéro street layer)."""

from __future__ import annotations

from pathlib import Path

from .helpers import BROWSER_MARKS, MAP, map_error, painted_share, wait_idle, wait_map

pytestmark = BROWSER_MARKS
ARTIFACTS = Path(__file__).parent / "browser_artifacts"


def test_turf_map_draws_streets_and_their_names(page, server):
    page.goto(f"{server}/listes?lm=manual&li=75056_1613|75056_1614")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector("text=4. Parcours par équipe", timeout=120_000)
    wait_map(page, "parcours", timeout=120_000)
    assert map_error(page) is None
    layers = page.evaluate(f"""() => document.querySelector('{MAP}[data-kind="parcours"]').parentElement
        .__terrainMap.deck.props.layers.map((l) => l.id.replace(/-[^-]*-[^-]*$/, ''))""")
    assert {"street-casing", "streets", "street-names"} <= set(layers)
    assert painted_share(page) > 0.05  # streets, routes and points on the pale bureaux
    assert page.get_by_text("Parcours tracés le long des rues").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(f'{MAP}[data-kind="parcours"]').screenshot(path=str(ARTIFACTS / "turf_map_streets.png"))
