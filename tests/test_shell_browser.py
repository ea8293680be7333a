"""The page shell in Chromium: history per page, a server found at the root, French labels,
the keyboard's way past the sidebar, and « Copier le lien »."""

from __future__ import annotations

import urllib.parse

from .helpers import BROWSER_MARKS, wait_idle

pytestmark = BROWSER_MARKS


def _move_a_weight(page) -> None:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Abstention").first
    slider.locator('input[type="range"]').first.focus()
    page.keyboard.press("End")
    wait_idle(page)


def test_a_page_loaded_by_its_own_address_asks_the_server_at_the_root_only(page, server):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urllib.parse.urlparse(r.url).path) if "_stcore" in r.url else None)
    page.goto(f"{server}/carte")
    wait_idle(page, timeout=120_000)
    assert "/_stcore/health" in asked
    assert not [p for p in asked if p.startswith("/carte/")]


def test_slider_moves_do_not_pile_up_in_the_history_and_back_leaves_the_page(page, server):
    page.goto(server)
    wait_idle(page, timeout=120_000)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Carte des priorités").click()
    page.wait_for_url("**/carte?**")
    wait_idle(page, timeout=120_000)
    length = page.evaluate("() => history.length")
    for _ in range(3):
        _move_a_weight(page)
        page.keyboard.press("ArrowLeft")
        wait_idle(page)
    assert "abstention%3A99" in page.url or "abstention:99" in urllib.parse.unquote(page.url)
    assert page.evaluate("() => history.length") == length  # each move replaced the entry
    page.go_back()
    page.wait_for_function("() => location.pathname === '/'", timeout=30_000)


def test_streamlit_s_own_labels_read_in_french(page, server):
    page.goto(f"{server}/listes")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
    uploader = page.locator('[data-testid="stFileUploader"]').first.inner_text()
    assert "Choisir un fichier" in uploader and "Mo max. par fichier" in uploader
    assert "Upload" not in uploader and "per file" not in uploader
    helps = page.evaluate("() => [...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label'))")
    assert not [h for h in helps if h.startswith("Help")]


def test_a_file_over_the_upload_limit_is_refused_in_french(page, server):
    page.goto(f"{server}/listes")
    wait_idle(page, timeout=120_000)
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
    wait_idle(page)
    too_big = {"name": "liste.csv", "mimeType": "text/csv", "buffer": b"0" * 21_000_000}
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(too_big, timeout=90_000)
    page.get_by_text("Fichier trop volumineux : 20,0 Mo au plus", exact=False).wait_for(timeout=30_000)
    assert "or smaller" not in page.locator('[data-testid="stFileUploader"]').first.inner_text()


def test_the_first_tab_stop_skips_the_sidebar_in_french(page, server):
    page.goto(f"{server}/carte")
    wait_idle(page, timeout=120_000)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller au contenu principal"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !document.activeElement.closest('[data-testid=stSidebar]')")


def test_copy_link_puts_the_view_s_address_on_the_clipboard(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = context.new_page()
    pg.goto(f"{server}/carte?p=custom&w=abstention:60,social_housing:40&k=4")
    wait_idle(pg, timeout=120_000)
    pg.get_by_role("button", name="Copier le lien").click()
    pg.wait_for_function("() => [...document.querySelectorAll('[role=status]')].some((e) => "
                         "e.textContent.startsWith('Lien copié'))", timeout=10_000)
    copied = urllib.parse.urlparse(pg.evaluate("() => navigator.clipboard.readText()"))
    query = dict(urllib.parse.parse_qsl(copied.query))
    context.close()
    assert copied.path == "/carte" and query["k"] == "4" and query["w"] == "abstention:60,social_housing:40"


def test_the_date_picker_speaks_french_whatever_the_browser_s_language(page, server):
    """The test browser is en-US: months, weekdays (Monday first) and the placeholder are French anyway."""
    page.goto(f"{server}/carte")
    wait_idle(page, timeout=120_000)
    page.locator('[data-testid="stPopover"]').filter(has_text="Nouvelle campagne").locator("button").first.click()
    field = page.locator('[data-testid="stDateInput"]').first
    field.wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    assert field.inner_text().replace(" ", "").replace("\n", "").endswith("jj/mm/aaaa")
    field.locator("button").first.click()
    calendar = page.locator('[data-testid="stDateInputCalendar"]').first
    calendar.wait_for(timeout=10_000)
    words = calendar.inner_text().split()
    assert set(words) & {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                         "octobre", "novembre", "décembre"}, words
    assert words.index("L") < words.index("D")  # the week starts on Monday
