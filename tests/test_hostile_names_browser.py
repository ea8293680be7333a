"""Names from a restored backup or an upload are shown as text in a real Chromium (issue 22
item 10): a turf code or an address label written as Markdown makes no image request (a tracking
pixel) and no link (phishing) on the volunteer's phone page."""

from __future__ import annotations

import pytest

from lib import store

from .helpers import BROWSER_MARKS, open_phone, small_turfs

pytestmark = BROWSER_MARKS
PIXEL = "![](//track.example/p.png)"[:20]  # a turf code holds 20 characters: enough for a pixel
LABEL = "[Relevé ici](https://phish.example/) ![x](https://track.example/p.png) $x$ :red[12] rue A"


@pytest.fixture(scope="module")
def token(workspace_url, server):
    engine = store.open_store(workspace_url)
    turfs, summary = small_turfs()
    turfs.loc[turfs["turf_id"] == "T01", "turf_id"] = PIXEL
    turfs.loc[turfs["stop"] == 1, "label"] = LABEL
    cid = store.create_campaign(engine, "paris", "Hostile")
    pid = store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    turf = int(store.plan_turfs(engine, pid).set_index("code").loc[PIXEL, "id"])
    yield store.issue_link(engine, turf)
    engine.dispose()


def test_markdown_in_a_turf_code_or_an_address_label_is_shown_as_text_on_the_phone(token, browser, server):
    context, page = open_phone(browser, f"{server}/terrain/#{token}")
    shown = page.locator("body").inner_text()
    assert PIXEL in shown and LABEL in shown
    assert page.locator("main img, #parcours img").count() == 0
    assert page.locator('a[href^="http"], a[href^="//"], a[href^="mailto"]').count() == 0
    assert not context.outside and not context.page_errors
    context.close()
