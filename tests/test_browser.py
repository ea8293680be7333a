"""Smoke path in a real headless Chromium (Debian's package, driven by Playwright).

Open the app, change a slider and see the map recolour, download the ranking, open other pages.
Screenshots are kept in tests/browser_artifacts/ when a step fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .helpers import BROWSER_MARKS, cut_network, wait_idle

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


def test_briefing_shows_the_whole_numbered_top_ten_on_a_projector(browser, server):
    """1920×1080, Antony (long polling-place names): all ten rows on screen, nothing under 20 px."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    outside = cut_network(context)
    pg = context.new_page()
    pg.goto(f"{server}/briefing?t=antony")
    wait_idle(pg, timeout=120_000)
    rows = pg.locator("li, tr").filter(has_text=" — bureau ")  # the list's rows, whatever their markup
    rows.nth(9).wait_for(state="attached", timeout=60_000)
    assert rows.count() == 10
    assert [t.split()[0] for t in rows.all_inner_texts()] == [str(k) for k in range(1, 11)]
    last = rows.nth(9).bounding_box()
    assert last["y"] + last["height"] <= 1080, "the top 10 is cut: the projector shows no scrollbar"
    sizes = rows.nth(0).evaluate("row => [...row.closest('[data-testid=stColumn]').querySelectorAll('*')]"
                                 ".filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
                                 ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 20, "text of the side column must read from the back of the room"
    context.close()
    assert not outside, outside


def _html_export(pg, url: str) -> str:
    """The offline HTML map downloaded from the briefing at ``url``."""
    pg.goto(url)
    wait_idle(pg, timeout=120_000)
    pg.get_by_text("Exporter la carte et les données").click()
    wait_idle(pg)
    with pg.expect_download(timeout=120_000) as download:
        pg.get_by_role("button", name="Carte interactive HTML (hors ligne)").click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_briefing_html_export_links_back_to_the_view_with_an_absolute_address(page, server):
    """Opened bare (the first run has not written the URL yet), or with its settings in the link."""
    html = _html_export(page, f"{server}/briefing")
    assert re.search(rf'<a href="{re.escape(server)}/briefing\?t=paris&amp;p=\w+&amp;w=\w+:\d+', html)
    html = _html_export(page, f"{server}/briefing?p=custom&w=abstention:60,social_housing:40")
    assert f'<a href="{server}/briefing?' in html
    assert "w=abstention:60,social_housing:40" in html
