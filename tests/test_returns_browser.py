"""Volunteer returns in a real headless Chromium: two phones on the same turf at once, the
« Suivi du terrain » page shows the sum, a wrong or revoked link shows a French message only.

Keeps a screenshot of the phone page at 390×844 in tests/browser_artifacts/ (copied to docs/).
"""

from __future__ import annotations

import pytest

from lib import store, walk
from lib.dataset import load_territory

from .helpers import ARTIFACTS, BROWSER_MARKS, DATA_DIR, open_context, tap_door, wait_idle

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def setup(workspace_url, server):
    """A workspace with one saved Paris plan, a live link and a revoked one, served by ``server``."""
    engine = store.open_store(workspace_url)
    data = load_territory(DATA_DIR, "paris")
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), ["75056_0101"],
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    cid = store.create_campaign(engine, "paris", "Municipales")
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=["75056_0101"])
    turf = int(store.plan_turfs(engine, pid).set_index("code").loc["T01", "id"])
    revoked = store.issue_link(engine, turf)
    store.revoke_links(engine, turf)
    token = store.issue_link(engine, turf)
    yield {"base": server, "engine": engine, "campaign": cid, "plan": pid, "token": token, "revoked": revoked}
    engine.dispose()


def send_totals(page, conversations: int, interested: int) -> None:
    for label, value in (("Conversations", conversations), ("Personnes intéressées", interested)):
        field = page.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Tab")
    page.get_by_role("button", name="Envoyer les totaux").click()


def test_two_phones_at_once_then_the_suivi_page_shows_the_sum(browser, setup):
    link = f"{setup['base']}/?jeton={setup['token']}"
    (ctx_a, a), (ctx_b, b) = open_context(browser, link), open_context(browser, link)
    for stop in (1, 2, 3):  # interleaved: both sessions write while the other is running
        tap_door(a, stop, "Ouvert")
        tap_door(b, stop + 3, "Absent")
        wait_idle(a)
        wait_idle(b)
    send_totals(a, 3, 1)
    send_totals(b, 4, 2)
    wait_idle(a)
    wait_idle(b)
    a.wait_for_selector("text=Totaux envoyés")
    ARTIFACTS.mkdir(exist_ok=True)
    a.get_by_text("Parcours T01").scroll_into_view_if_needed()
    a.wait_for_timeout(300)
    a.screenshot(path=str(ARTIFACTS / "retour_telephone_390x844.png"))
    assert a.locator('[data-testid="stSidebar"]').count() == 0 or not a.locator('[data-testid="stSidebar"]').is_visible()
    sheet = store.turf_sheet(setup["engine"], setup["token"])
    assert sheet.addresses["status"].tolist()[:6] == ["ouvert"] * 3 + ["absent"] * 3
    assert sheet.totals == {"conversations": 7, "interested": 3, "proxies": 0}
    ctx_a.close()
    ctx_b.close()
    ctx, page = open_context(browser, f"{setup['base']}/suivi?campagne={setup['campaign']}",
                             {"width": 1400, "height": 1000})
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    conversations = page.locator('[data-testid="stMetric"]').filter(has_text="Conversations")
    assert conversations.locator('[data-testid="stMetricValue"]').inner_text().strip() == "7"
    knocked = page.locator('[data-testid="stMetric"]').filter(has_text="Adresses frappées")
    assert knocked.locator('[data-testid="stMetricValue"]').inner_text().startswith("6 /")
    assert page.locator('[data-testid="stException"]').count() == 0
    ctx.close()


@pytest.mark.parametrize("which", ["wrong", "revoked"])
def test_a_wrong_or_revoked_link_shows_a_french_message_and_nothing_else(browser, setup, which):
    token = setup["revoked"] if which == "revoked" else setup["token"][:-4] + "AAAA"
    ctx, page = open_context(browser, f"{setup['base']}/?jeton={token}")
    page.wait_for_selector("text=Ce lien de retour n'est pas valable", timeout=60_000)
    assert page.get_by_role("radiogroup").count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.get_by_text("Parcours T01").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    ctx.close()


def test_the_volunteers_page_asks_nothing_of_a_third_party(browser, setup):
    context, page = open_context(browser, f"{setup['base']}/?jeton={setup['token']}")
    try:
        tap_door(page, 1, "Ouvert")
        wait_idle(page)
        assert not context.outside, context.outside
    finally:
        context.close()
