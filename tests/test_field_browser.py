"""The volunteers' page (lib/field/web/) in a real headless Chromium at 390×844, served by serve.py.

Offline first: taps made without network survive a reload and reach the database exactly once;
two phones on one turf see each other's statuses; a bad link is answered in French and shows
nothing; the page sends a strict policy and asks nothing of a third party.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib import store, walk
from lib.dataset import load_territory
from lib.store.models import DoorTap, utcnow

from .helpers import ARTIFACTS, BROWSER_MARKS, DATA_DIR, open_phone, tap_door

pytestmark = BROWSER_MARKS
SENT = "tout est envoyé"
STREETS_BUREAU = "75056_1602"  # in the Trocadéro street data (data/paris/metadata.json « streets »)
STREET_GREYS = {(169, 169, 169), (143, 143, 143)}  # style.css: .rues.street, .rues.major


@pytest.fixture(scope="module")
def setup(workspace_url, server):
    """A workspace with one saved Paris plan, served by ``server``; links are made per test."""
    engine = store.open_store(workspace_url)
    data = load_territory(DATA_DIR, "paris")
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), ["75056_0101"],
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    cid = store.create_campaign(engine, "paris", "Municipales")
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=["75056_0101"])
    turfs = store.plan_turfs(engine, pid).set_index("code")["id"]
    streets, street_summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), [STREETS_BUREAU],
                                              walk.TurfPlan(120, 1.8, 25.0, 12.0))
    mapped = store.save_plan(engine, cid, "Trocadéro", streets, street_summary, bureaux=[STREETS_BUREAU])
    yield {"base": server, "engine": engine, "campaign": cid, "plan": pid, "turf": int(turfs["T01"]),
           "other": int(turfs["T02"]), "mapped": int(store.plan_turfs(engine, mapped).set_index("code")["id"]["T01"])}
    engine.dispose()


def link(setup, turf: str = "turf", **kwargs) -> tuple[str, str]:
    token = store.issue_link(setup["engine"], setup[turf], **kwargs)
    return token, f"{setup['base']}/terrain/#{token}"


def taps_of(engine, turf: int) -> tuple[int, int]:
    """(rows, distinct tap ids) of a turf's door taps."""
    with Session(engine) as s:
        return s.execute(select(func.count(), func.count(DoorTap.tap_id.distinct()))
                         .where(DoorTap.turf_id == turf)).one()


def status_line(pg, text: str, timeout: int = 10_000) -> None:
    """Until the status line says ``text`` (promptly: a sync takes well under a second here)."""
    pg.wait_for_function("(t) => document.getElementById('etat').textContent.includes(t)", arg=text, timeout=timeout)


def test_taps_made_offline_survive_a_reload_and_reach_the_database_once(browser, setup):
    _, url = link(setup)
    context, pg = open_phone(browser, url)
    before = taps_of(setup["engine"], setup["turf"])[0]
    assert pg.locator(".adresse").count() >= 15
    pg.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    context.set_offline(True)
    for stop in range(1, 11):
        tap_door(pg, stop, "Absent" if stop % 2 else "Ouvert")
    status_line(pg, "10 portes en attente d'envoi")
    pg.reload()  # no network: the service worker serves the page, IndexedDB the sheet and the outbox
    pg.get_by_text("Parcours T01").wait_for(timeout=30_000)
    status_line(pg, "Hors ligne · 10 portes en attente d'envoi")
    assert pg.locator("#porte-4 [aria-pressed=true]").inner_text() == "Ouvert"
    for stop in range(11, 16):
        tap_door(pg, stop, "Refus")
    status_line(pg, "15 portes en attente d'envoi")
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "retour_hors_ligne_390x844.png"))
    context.set_offline(False)
    status_line(pg, SENT)
    assert taps_of(setup["engine"], setup["turf"]) == (before + 15, before + 15)
    assert pg.locator("#suivi-15").inner_text().startswith("Refus : enregistré à")
    assert not context.page_errors and not context.outside
    context.close()


def test_two_phones_on_one_turf_see_each_others_statuses(browser, setup):
    (ctx_a, a), (ctx_b, b) = open_phone(browser, link(setup)[1]), open_phone(browser, link(setup)[1])
    tap_door(a, 20, "Ouvert")
    status_line(a, SENT)
    tap_door(b, 21, "Absent")  # b's sync brings a's status back
    status_line(b, SENT)
    b.wait_for_function("() => document.getElementById('suivi-20').textContent.includes('autre téléphone')")
    assert b.locator("#porte-20 [aria-pressed=true]").inner_text() == "Ouvert"
    tap_door(a, 21, "Refus")  # a corrects b's door: the newest tap wins, on both phones after a sync
    status_line(a, SENT)
    tap_door(b, 22, "Ouvert")
    status_line(b, SENT)
    b.wait_for_function("() => document.querySelector('#porte-21 [aria-pressed=true]').textContent === 'Refus'")
    ctx_a.close()
    ctx_b.close()


def test_an_undo_is_a_new_status_replacing_the_tap(browser, setup):
    token, url = link(setup)
    context, pg = open_phone(browser, url)
    tap_door(pg, 30, "Refus")
    tap_door(pg, 30, "Ouvert")
    pg.get_by_text("30. ").filter(has_text="Ouvert (avant : Refus)").wait_for()
    pg.get_by_role("button", name="Annuler").click()
    status_line(pg, SENT)
    assert pg.locator("#porte-30 [aria-pressed=true]").inner_text() == "Refus"
    assert "remplace « Ouvert »" in pg.locator("#suivi-30").inner_text()
    stop = store.turf_sheet(setup["engine"], token).addresses.set_index("stop").loc[30]
    assert stop["status"] == "refus"
    tap_door(pg, 31, "Absent")
    pg.get_by_role("button", name="Annuler").click()  # no status before: back to « à revoir »
    status_line(pg, SENT)
    assert pg.locator("#porte-31 [aria-pressed=true]").inner_text() == "À revoir"
    context.close()


def test_a_team_takes_the_turf_and_another_is_warned(browser, setup):
    (ctx_a, a), (ctx_b, b) = open_phone(browser, link(setup)[1]), open_phone(browser, link(setup)[1])
    a.get_by_label("Notre équipe").fill("Binôme Nord")
    a.get_by_role("button", name="Nous prenons ce parcours").click()
    a.get_by_text("Pris par : Binôme Nord").wait_for()
    b.get_by_label("Notre équipe").fill("Binôme Sud")
    b.get_by_role("button", name="Nous prenons ce parcours").click()
    b.get_by_text("déjà pris par « Binôme Nord »").wait_for()
    assert b.get_by_role("button", name="Le prendre quand même").is_visible()
    ctx_a.close()
    ctx_b.close()


def test_turf_totals_are_sent_from_the_phone(browser, setup):
    token, url = link(setup)
    context, pg = open_phone(browser, url)
    pg.get_by_label("Conversations", exact=True).fill("3")
    pg.get_by_label("Personnes intéressées", exact=True).fill("1")
    pg.get_by_role("button", name="Envoyer les totaux").click()
    pg.get_by_text("Totaux envoyés. Merci pour cette sortie !").wait_for()
    assert store.turf_sheet(setup["engine"], token).totals["conversations"] >= 3
    context.close()


@pytest.mark.parametrize("which", ["wrong", "revoked", "expired"])
def test_a_bad_link_shows_a_french_message_and_nothing_else(browser, setup, which):
    _, url = link(setup, now=utcnow() - timedelta(days=40)) if which == "expired" else link(setup)
    if which == "revoked":
        store.revoke_link(setup["engine"], int(store.list_links(setup["engine"], setup["plan"])["id"].iloc[0]))
    if which == "wrong":
        url = url[:-4] + "AAAA"
    context, pg = open_phone(browser, url)
    assert pg.locator("#alerte").inner_text() == store.BAD_LINK
    assert pg.locator(".adresse").count() == 0 or not pg.locator("#parcours").is_visible()
    assert "Traceback" not in pg.evaluate("() => document.body.innerText")
    context.close()


def test_the_page_is_small_strict_and_asks_nothing_of_a_third_party(browser, setup):
    _, url = link(setup)
    context, pg = open_phone(browser, url)
    sizes: list[int] = []
    pg.on("response", lambda r: sizes.append(len(r.body())) if "/terrain/" in r.url and "/api/" not in r.url else None)
    response = pg.reload()
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"<script>", response.text())  # the shell's inline scripts stay on Streamlit's pages
    tap_door(pg, 1, "Ouvert")
    status_line(pg, SENT)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "retour_telephone_390x844.png"))  # copied to docs/
    assert not context.outside and not context.page_errors
    context.close()


# --- the turf's map ------------------------------------------------------------------------------

def street_pixels(pg) -> int:
    """Pixels of the phone's map painted in a street's colour."""
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(pg.locator("#carte-plan").screenshot())).convert("RGB")
    return sum(n for n, colour in image.getcolors(1 << 20) if colour in STREET_GREYS)


def next_door(pg) -> tuple[str, str]:
    """The stop the map marks as next, and where (the marker's centre)."""
    return pg.evaluate("() => { const m = document.getElementById('prochaine');"
                       " const c = m.querySelector('circle'); return [m.dataset.stop || '', c ? c.getAttribute('cx') : ''] }")


def open_map(browser, setup):
    context, pg = open_phone(browser, link(setup, "mapped")[1])
    pg.wait_for_selector("#carte-plan svg #prochaine circle", timeout=30_000)
    return context, pg


def test_the_turf_map_shows_the_streets_around_the_turf(browser, setup):
    context, pg = open_map(browser, setup)
    assert street_pixels(pg) > 3000  # thick grey streets, not a blank frame of dots
    assert pg.locator("#carte-plan .noms text").count() >= 3
    assert pg.locator("#carte-plan .credit").text_content() == "© OpenStreetMap (ODbL)"
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "carte_parcours_390x844.png"))
    assert not context.page_errors and not context.outside
    context.close()


def test_the_next_door_marker_moves_after_a_tap_and_comes_back_after_an_undo(browser, setup):
    context, pg = open_map(browser, setup)
    first = next_door(pg)
    assert first[0] == "1" and pg.locator("#carte-suivante").inner_text().startswith("Prochaine porte : 1. ")
    tap_door(pg, 1, "Absent")
    pg.wait_for_function("() => document.getElementById('prochaine').dataset.stop === '2'")
    assert next_door(pg)[1] != first[1]
    pg.get_by_role("button", name="Annuler").click()  # back to « à revoir »: door 1 is to knock again
    pg.wait_for_function("() => document.getElementById('prochaine').dataset.stop === '1'")
    assert next_door(pg) == first
    context.close()


def test_the_turf_map_is_drawn_offline_after_a_reload(browser, setup):
    context, pg = open_map(browser, setup)
    pg.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    context.set_offline(True)
    tap_door(pg, 1, "Ouvert")
    pg.reload()  # no network: the page from the service worker, the map from IndexedDB
    pg.wait_for_selector("#carte-plan svg #prochaine circle", timeout=30_000)
    assert next_door(pg)[0] == "2"
    assert street_pixels(pg) > 3000
    context.set_offline(False)
    context.close()


def test_a_door_put_on_the_opposition_list_leaves_the_kept_map(browser, setup):
    from lib import opposition

    token, url = link(setup, "mapped")
    context, pg = open_phone(browser, url)
    pg.wait_for_selector("#carte-plan svg #prochaine circle", timeout=30_000)
    dots = pg.locator("#carte-plan .portes-carte circle").count()
    last = store.turf_sheet(setup["engine"], token).addresses.iloc[-1]
    listed = f"adresse\n{last['label'].split(',')[0]}\n".encode()
    store.save_opposition(setup["engine"], setup["campaign"], opposition.read_opposition_csv(listed, "o.csv"))
    pg.reload()
    pg.wait_for_function("(n) => document.querySelectorAll('#carte-plan .portes-carte circle').length === n - 1",
                         arg=dots, timeout=30_000)
    assert pg.locator(f"#porte-{int(last['stop'])}").count() == 0
    context.close()
