"""Smoke path in a real headless Chromium (Debian's package, driven by Playwright).

Open the app, change a slider and see the map recolour, download the ranking, open other pages.
Screenshots are kept in tests/browser_artifacts/ when a step fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import BROWSER_MARKS, wait_idle

pytestmark = BROWSER_MARKS


def map_pixels(pg) -> bytes:
    return pg.locator(".terrain-map canvas").first.screenshot()


def test_home_page_opens_without_exception(page, server):
    page.goto(server)
    wait_idle(page)
    page.wait_for_selector("text=Terrain — où envoyer les équipes en premier ?")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_slider_recolours_the_map_and_ranking_downloads(page, server):
    page.goto(f"{server}/carte")
    wait_idle(page)
    page.wait_for_selector(".terrain-map canvas", timeout=60_000)
    page.wait_for_timeout(1500)
    before = map_pixels(page)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Abstention").first
    slider.locator('input[type="range"]').first.focus()
    page.keyboard.press("End")
    wait_idle(page)
    for _ in range(30):  # deck.gl repaints asynchronously: poll instead of sleeping a fixed time
        if map_pixels(page) != before:
            break
        page.wait_for_timeout(500)
    else:
        pytest.fail("the map did not recolour after a slider move")
    page.get_by_text("Classement", exact=True).click()
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le classement (CSV)").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert content.startswith("Rang;Bureau;Libellé;Score")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_walk_list_packet_downloads(page, server):
    page.goto(f"{server}/listes")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector("text=4. Parcours par équipe", timeout=120_000)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="PDF terrain (A4)").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_briefing_page_opens_full_screen(page, server):
    page.goto(f"{server}/briefing?p=custom&w=abstention:60,social_housing:40")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector("text=Priorité = 60 % abstention + 40 % logement social", timeout=60_000)
    page.wait_for_selector(".terrain-map canvas", timeout=60_000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
