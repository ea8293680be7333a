"""Smoke path in a real headless Chromium (Debian's package, driven by Playwright).

Open the app, change a slider and see the map recolour, download the ranking, open other pages.
Screenshots are kept in tests/browser_artifacts/ when a step fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import PROJECT, requires_dataset

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT / "tests" / "browser_artifacts"
pytestmark = [pytest.mark.browser, requires_dataset("paris"),
              pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                 reason="Debian chromium not installed (./test.sh installs it)")]
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        yield b
        b.close()


def cut_network(context) -> list[str]:
    """Offline by design: anything but localhost is refused, like a meeting room without internet.
    Returns the list of refused URLs: no page may even try (a request to a third party leaks a
    campaign's, or a volunteer's, IP address)."""
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  else (outside.append(route.request.url), route.abort()))
    return outside


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    outside = cut_network(context)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    if getattr(getattr(request.node, "rep_call", None), "failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, errors
    assert not outside, outside


def wait_idle(pg, timeout=60_000) -> None:
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    pg.wait_for_timeout(300)


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
