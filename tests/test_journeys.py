"""Journeys through the app as users walk them (issue 20, « Tests that walk like users »).

Every page after every other page through the sidebar, Back and reload, a link shared with a
fresh browser, a strategist's Saturday on Paris and on Antony, a volunteer's phone that loses the
network. One server and one Chromium for the module (conftest), on this module's own workspace
database, where the campaigns are made through lib.store. After each step: no error box, no
English, the map drew bureau colours, the scenario and the campaign are still those of the start.

Screenshots for people to look at go to SHOTS (/tmp/journey_shots/): each page reached through
the sidebar at 1366×768, the briefing at 1920×1080, the phone at 390×844.
"""

from __future__ import annotations

import html
import io
import itertools
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from lib import holdout, store, walk
from lib.dataset import load_territory

from .helpers import (
    ARTIFACTS,
    BROWSER_MARKS,
    DATA_DIR,
    ERROR_BOXES,
    MAP,
    canvas_pixels,
    drawn_as_sent,
    drawn_class,
    english_leftovers,
    expected_priority,
    map_error,
    open_context,
    open_phone,
    project,
    sample_bureaux,
    scenario_of,
    settle,
    sidebar_to,
    tap_door,
    wait_idle,
    wait_map,
)

pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

SHOTS = Path("/tmp/journey_shots")
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
# A scenario far from the defaults: custom weights, 4 classes, quantiles, our side a bloc.
SCENARIO = {"t": "paris", "p": "custom", "w": "abstention:60,social_housing:40", "k": "4", "cl": "quantiles",
            "camp": "gauche"}
SENTENCE = "Priorité = 60 % abstention + 40 % logement social"
CAMPAIGN = "Municipales Sud"
PATHS = {"Accueil": "/", "Carte des priorités": "/carte", "Listes de porte-à-porte": "/listes",
         "Mode briefing": "/briefing", "Suivi du terrain": "/suivi", "Mesure d'impact": "/impact",
         "Importer des résultats": "/resultats", "Nouveau territoire": "/nouveau"}
BRIEFING, MAP_PAGE = "Mode briefing", "Carte des priorités"
MAP_KINDS = {"Accueil": "territoire", "Carte des priorités": "priority", "Listes de porte-à-porte": "parcours",
             "Mode briefing": "priority", "Suivi du terrain": "couverture"}
SHOWS_SENTENCE = {"Carte des priorités", "Listes de porte-à-porte", "Mode briefing"}
SHOWS_CAMPAIGN = {"Carte des priorités", "Listes de porte-à-porte", "Suivi du terrain", "Mesure d'impact",
                  "Importer des résultats"}
MISSES = 0.25  # share of checked places a name, an outline or a station may cover


# --------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def journey(workspace_url, server):
    """The module's workspace: a Paris campaign with a saved plan (holdout included, so « Mesure
    d'impact » has something to measure), an empty Paris campaign per Saturday, one on Antony."""
    engine = store.open_store(workspace_url)
    data = load_territory(DATA_DIR, "paris")
    cid = store.create_campaign(engine, "paris", CAMPAIGN, "Ana")
    chosen = data.bureaux.index.astype(str).tolist()[:10]
    design = holdout.holdout(chosen)
    visited = design.loc[design["groupe"] == "visiter", "bureau_id"].tolist()
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), visited[:1],
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    plan = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=visited, holdout=design)
    yield {"base": server, "engine": engine, "campaign": cid, "plan": plan,
           "saturday": {"paris": store.create_campaign(engine, "paris", "Samedi à Paris"),
                        "antony": store.create_campaign(engine, "antony", "Samedi à Antony")}}
    engine.dispose()


def scenario_url(journey: dict, path: str = "/", **extra: str) -> str:
    query = {**SCENARIO, "campagne": str(journey["campaign"]), **extra}
    return f"{journey['base']}{path}?{urllib.parse.urlencode(query)}"


def laptop(browser, url: str, viewport: dict | None = None):
    """A fresh browser at ``url`` on a 1366×768 laptop, network cut, at rest."""
    context, pg = open_context(browser, url, viewport or LAPTOP)
    settle(pg)
    return context, pg


def closed(context) -> None:
    """Close a browser context that asked nothing of another host and met no script error."""
    errors, outside = context.page_errors, context.outside
    context.close()
    assert not errors, errors
    assert not outside, outside


def shot(pg, name: str) -> None:
    """The page as it opens, for people to look at (its top: the checks scroll to the map)."""
    SHOTS.mkdir(exist_ok=True)
    pg.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    pg.wait_for_timeout(200)
    pg.screenshot(path=str(SHOTS / f"{name}.png"))


# ------------------------------------------------------------------------------------ the checks

def tour(pages: list[str], start: str, dead_end: str, exit_page: str) -> list[tuple[str, str, str]]:
    """Steps (from, to, how) covering every ordered pair of pages once.

    The pages with a sidebar form a complete directed graph: an Eulerian circuit (Hierholzer) from
    ``start`` walks each pair once. ``dead_end`` has no sidebar: it is visited from each page on
    that page's first visit and left by Back, or by its own link when entered from ``exit_page``.
    """
    linked = [p for p in pages if p != dead_end]
    unused = {p: [q for q in reversed(linked) if q != p] for p in linked}
    stack, circuit = [start], []
    while stack:
        if unused[stack[-1]]:
            stack.append(unused[stack[-1]].pop())
        else:
            circuit.append(stack.pop())
    circuit.reverse()
    steps, seen = [], set()
    for here, there in itertools.pairwise(circuit):
        if here not in seen:
            seen.add(here)
            steps += [(here, dead_end, "sidebar"), (dead_end, here, "link" if here == exit_page else "back")]
        steps.append((here, there, "sidebar"))
    return steps


def go(pg, step: tuple[str, str, str]) -> None:
    """Walk one step: a sidebar click, Back, or the briefing's link back to the map."""
    _, there, how = step
    if how == "sidebar":
        sidebar_to(pg, there)
        return
    if how == "back":
        pg.go_back()
    else:
        pg.get_by_role("link", name="← Retour à la carte").click()
    pg.wait_for_function("(p) => location.pathname === p", arg=PATHS[there], timeout=60_000)
    settle(pg)


def centre_pixels(pg, bureaux: list[tuple[str, float, float]], pixels: np.ndarray | None = None) -> np.ndarray:
    """The map's pixel (RGB) at each bureau centre (id, lon, lat)."""
    pixels = canvas_pixels(pg) if pixels is None else pixels
    return np.array([pixels[round(y), round(x)] for x, y in project(pg, [(lo, la) for _, lo, la in bureaux])])


def priority_classes(pg, colours: dict[str, tuple], bureaux: list[tuple[str, float, float]],
                     pixels: np.ndarray) -> list[tuple[str, tuple, tuple]]:
    """(bureau, drawn, expected) at each sampled bureau centre whose drawn class is not its own."""
    palette = sorted(set(colours.values()))
    drawn = [drawn_class(pixel, palette) for pixel in centre_pixels(pg, bureaux, pixels)]
    return [(b, d, colours[b]) for (b, _, _), d in zip(bureaux, drawn, strict=True) if d != colours[b]]


def map_problems(pg, kind: str, colours: dict[str, tuple] | None = None,
                 bureaux: list[tuple[str, float, float]] | None = None) -> list[str]:
    """What is wrong with the page's map: failed, or not drawn as sent (bureau colours, address
    points); for the priority map, ``bureaux`` not in the class Python gave them (``colours``)."""
    wait_map(pg, kind)
    if (error := map_error(pg)) is not None:
        return [f"{kind} map failed: {error}"]
    pixels = canvas_pixels(pg)  # one capture for both checks
    checked, wrong = drawn_as_sent(pg, pixels=pixels)
    problems = [] if checked >= 3 and wrong <= MISSES * checked else [
        f"{kind} map not drawn as sent: {wrong} of {checked} places otherwise"]
    if colours and bureaux:
        off = priority_classes(pg, colours, bureaux, pixels)
        problems += [f"bureau {b} drawn {d}, expected {e}" for b, d, e in off]
    return problems


def step_problems(pg, page: str, expected: dict, colours: dict | None, bureaux: list | None) -> list[str]:
    """Everything a step must leave as it was, as found on ``page`` (empty when all holds)."""
    problems = []
    if urllib.parse.urlparse(pg.url).path != PATHS[page]:
        problems.append(f"at {pg.url}, not {PATHS[page]}")
    if pg.locator(ERROR_BOXES).count():
        problems.append("error box: " + " | ".join(pg.locator(ERROR_BOXES).all_inner_texts())[:300])
    if leftovers := english_leftovers(pg):
        problems.append(f"English or raw text: {leftovers}")
    seen = scenario_of(pg)
    if seen["view"] != expected["view"]:
        problems.append(f"view in the URL {seen['view']} != {expected['view']}")
    if page in SHOWS_SENTENCE and seen["sentence"] != [SENTENCE]:
        problems.append(f"sentence {seen['sentence']}")
    if page in SHOWS_CAMPAIGN and seen["campaign"] != CAMPAIGN:
        problems.append(f"campaign picker shows {seen['campaign']!r}")
    if seen["legend"] and expected.setdefault("legend", seen["legend"]) != seen["legend"]:
        problems.append(f"legend {seen['legend']} != {expected['legend']}")
    if page in MAP_KINDS:
        problems += map_problems(pg, MAP_KINDS[page], colours if MAP_KINDS[page] == "priority" else None, bureaux)
    return problems


def expected_scenario(journey: dict) -> dict:
    """The view every page must keep in its URL (the legend is recorded where first shown)."""
    return {"view": {**SCENARIO, "n": "rank", "campagne": str(journey["campaign"])}}


def keep_evidence(pg, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return str(path.relative_to(ARTIFACTS.parent.parent))


# ------------------------------------------------------------------------------------- journeys

def test_the_tour_covers_every_ordered_pair_of_pages_once():
    steps = tour(list(PATHS), "Accueil", BRIEFING, MAP_PAGE)
    pairs = [(a, b) for a, b, _ in steps]
    assert sorted(pairs) == sorted((a, b) for a in PATHS for b in PATHS if a != b)
    assert steps[0][0] == "Accueil"
    assert all(b == a2 for (_, b, _), (a2, _, _) in itertools.pairwise(steps))  # a walk, not jumps
    assert [how for a, b, how in steps if a == BRIEFING].count("link") == 1


def test_every_page_after_every_other_through_the_sidebar_keeps_scenario_campaign_and_map(browser, journey):
    """Accueil first, then each page after each other one (sidebar; the briefing, which has none,
    is left by Back or by its link to the map): nothing changes but the page."""
    context, pg = laptop(browser, scenario_url(journey))
    expected = expected_scenario(journey)
    colours, ranks = expected_priority(pg.url)
    numbered = frozenset(b for b, r in ranks.items() if 0 < r <= 10)  # the briefing writes their rank
    bureaux = sample_bureaux(6, avoid=numbered)
    assert len({colours[b] for b, _, _ in bureaux}) > 1  # the sample spans several classes
    shot(pg, "accueil_1366x768")
    shown = {"Accueil"}
    problems = [f"Accueil: {p}" for p in step_problems(pg, "Accueil", expected, colours, bureaux)]
    for n, step in enumerate(tour(list(PATHS), "Accueil", BRIEFING, MAP_PAGE), start=1):
        go(pg, step)
        if step[1] not in shown and step[2] == "sidebar":  # as the user first sees it, before any scroll
            shown.add(step[1])
            shot(pg, f"{PATHS[step[1]].strip('/')}_1366x768")
        found = step_problems(pg, step[1], expected, colours, bureaux)
        if found:
            evidence = keep_evidence(pg, f"journey_tour_{n:02d}")
            problems += [f"step {n} {step[0]} → {step[1]} ({step[2]}): {p} [{evidence}]" for p in found]
    assert shown == set(PATHS)
    closed(context)
    assert not problems, "\n".join(problems)


def test_the_briefing_s_way_back_to_the_map_is_on_screen_and_takes_the_click(browser, journey):
    """The projector page has no sidebar: its « ← Retour à la carte » must be seen and clicked (it
    lay under Streamlit's header, white on white, and the header took the click)."""
    context, pg = laptop(browser, scenario_url(journey, "/briefing"))
    link = pg.get_by_role("link", name="← Retour à la carte")
    box = link.bounding_box()
    centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    assert pg.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('a')?.innerText.trim()", centre) \
        == "← Retour à la carte"
    link.click(timeout=10_000)
    pg.wait_for_function("() => location.pathname === '/carte'", timeout=60_000)
    settle(pg)
    assert scenario_of(pg)["sentence"] == [SENTENCE]
    closed(context)


def test_streamlit_s_own_labels_read_in_french_to_screen_readers_too(browser, journey):
    """Select boxes, a multiselect and the sidebar: no « Open », « Choose an option »,
    « Collapse sidebar », « App pages » or « Selected values » left for a screen reader."""
    context, pg = laptop(browser, scenario_url(journey, "/carte"))
    assert pg.locator('[data-testid="stSidebar"] input[aria-label="Blocs de notre camp"]').count() == 1
    assert english_leftovers(pg) == []
    closed(context)


def test_back_returns_to_the_page_before_and_a_reload_keeps_the_scenario(browser, journey):
    """Carte → Listes → Mode briefing, then Back, F5, Back, F5: each time the page before, with the
    same scenario, campaign and a drawn map (the link carries the view, not the session)."""
    context, pg = laptop(browser, scenario_url(journey, "/carte"))
    expected = expected_scenario(journey)
    sidebar_to(pg, "Listes de porte-à-porte")
    sidebar_to(pg, BRIEFING)
    problems = []
    for move, page in (("back", "Listes de porte-à-porte"), ("reload", "Listes de porte-à-porte"),
                       ("back", MAP_PAGE), ("reload", MAP_PAGE)):
        pg.go_back() if move == "back" else pg.reload()
        pg.wait_for_function("(p) => location.pathname === p", arg=PATHS[page], timeout=60_000)
        wait_idle(pg, timeout=120_000)
        settle(pg)
        problems += [f"{move} to {page}: {p}" for p in step_problems(pg, page, expected, None, None)]
    closed(context)
    assert not problems, "\n".join(problems)


def weight_slider(pg, label: str):
    """The range input of the weight slider ``label`` (beside the map)."""
    return pg.locator('[data-testid="stSlider"]').filter(has_text=label).first.locator('input[type="range"]').first


def test_a_shared_link_opens_the_same_map_in_a_fresh_browser(browser, journey):
    """A weight moved, the address copied, pasted in another browser: the same sentence, classes,
    campaign and colours at the same bureaux."""
    context, pg = laptop(browser, scenario_url(journey, "/carte"))
    before = pg.evaluate(f"() => document.querySelector('{MAP}').dataset.painted")
    weight_slider(pg, "Logement social").focus()
    pg.keyboard.press("End")  # logement social 40 → 100
    pg.wait_for_function("() => decodeURIComponent(location.search).includes('social_housing:100')", timeout=60_000)
    pg.wait_for_function(f"(b) => document.querySelector('{MAP}').dataset.painted !== b", arg=before, timeout=60_000)
    settle(pg)
    bureaux = sample_bureaux(8)
    mine, drawn = scenario_of(pg), centre_pixels(pg, bureaux)
    link = pg.url
    closed(context)
    other, theirs = laptop(browser, link)
    wait_map(theirs, "priority")
    seen = scenario_of(theirs)
    assert mine["sentence"] != [SENTENCE] and seen["sentence"] == mine["sentence"]
    assert seen["view"] == mine["view"] and seen["view"]["campagne"] == str(journey["campaign"])
    assert seen["campaign"] == CAMPAIGN and seen["legend"] == mine["legend"]
    shown = centre_pixels(theirs, bureaux)
    assert np.abs(shown - drawn).sum(axis=1).max() <= 30, (drawn, shown)
    assert len({tuple(p) for p in drawn // 16}) > 1  # the sample spans several classes
    closed(other)


# ------------------------------------------------------------------------- a strategist's Saturday

def pick(pg, label: str, option: str, *, where: str = "") -> None:
    """Choose ``option`` in the select box or multiselect labelled ``label``."""
    box = pg.locator(f'{where} input[aria-label="{label}"]'.strip())
    box.click()
    box.press_sequentially(option)  # a short list that no longer moves under the pointer
    pg.get_by_role("option", name=option, exact=True).click()
    pg.keyboard.press("Escape")
    settle(pg)


def download(pg, name: str, timeout: int = 180_000) -> bytes:
    """The bytes of the file the download button whose label holds ``name`` gives."""
    with pg.expect_download(timeout=timeout) as dl:
        pg.locator('[data-testid="stDownloadButton"] button').filter(has_text=name).first.click()
    return Path(dl.value.path()).read_bytes()


def grid_rows(pg, n: int) -> list[dict[str, str]]:
    """The first ``n`` rows of the page's table, by column title (the grid's accessible cells)."""
    return pg.evaluate("""(n) => {
        const grid = document.querySelector('[data-testid="stDataFrame"] [role="grid"]');
        const heads = Object.fromEntries([...grid.querySelectorAll('[role="columnheader"]')]
            .map((h) => [h.getAttribute('aria-colindex'), h.innerText.trim()]));
        return [...grid.querySelectorAll('[role="row"]')].filter((r) => r.querySelector('[role="gridcell"]'))
            .slice(0, n).map((r) => Object.fromEntries([...r.querySelectorAll('[role="gridcell"]')]
                .map((c) => [heads[c.getAttribute('aria-colindex')], c.innerText.trim()])));
    }""", n)


def choose_the_scenario(pg) -> str:
    """Our side, a preset, one weight moved: the priority sentence they give."""
    pick(pg, "Blocs de notre camp", "Gauche", where='[data-testid="stSidebar"]')
    pick(pg, "Préréglage", "Persuasion")
    weight_slider(pg, "Nombre d'inscrits").focus()
    pg.keyboard.press("End")
    pg.wait_for_function("() => decodeURIComponent(location.search).includes('registered:100')", timeout=60_000)
    settle(pg)
    sentence = scenario_of(pg)["sentence"]
    assert len(sentence) == 1 and "inscrits" in sentence[0], sentence
    assert scenario_of(pg)["view"]["p"] == "custom"
    return sentence[0]


def why_the_first(pg) -> str:
    """Classement → the top 10 → a click on the first row: its panel explains its score."""
    pg.locator('[data-testid="stButtonGroup"]').get_by_text("Classement", exact=True).click()
    settle(pg)
    pg.wait_for_selector('[data-testid="stDataFrame"] [role="gridcell"]', state="attached", timeout=60_000)
    top = grid_rows(pg, 10)
    ranks = [int(row["Rang"]) for row in top]
    assert len(top) == 10 and ranks[0] == 1 and ranks == sorted(ranks) and ranks[-1] <= 10  # ties share a rank
    assert len({row["Libellé"] for row in top}) == 10
    grid = pg.locator('[data-testid="stDataFrame"]').first.bounding_box()
    pg.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # the first row's selection box
    settle(pg)
    panel = pg.locator('[data-testid="stHtml"]').filter(has_text=top[0]["Libellé"]).first
    panel.wait_for(timeout=60_000)
    assert "Rang1 /" in panel.inner_text().replace("\n", "")
    assert pg.get_by_text("D'où vient le score").count() == 1
    return top[0]["Libellé"]


def briefing_and_exports(pg, sentence: str, first: str, name: str) -> None:
    """The projector page shows the same scenario, its top 10 and map; its files carry the sentence."""
    pg.set_viewport_size(PROJECTOR)
    sidebar_to(pg, BRIEFING)
    shot(pg, f"briefing_{name}_1920x1080")
    assert scenario_of(pg)["sentence"] == [sentence]
    rows = pg.locator(".brief-row").all_inner_texts()  # the side column's numbered top 10
    assert len(rows) == 10 and first in rows[0]
    assert not map_problems(pg, "priority")
    assert not pg.locator(ERROR_BOXES).count() and not english_leftovers(pg)
    pg.get_by_text("Exporter la carte et les données").click()
    settle(pg)
    png, pdf, page = download(pg, "PNG"), download(pg, "PDF"), download(pg, "HTML")
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    assert sentence in html.unescape(page.decode("utf-8"))
    pg.get_by_role("link", name="← Retour à la carte").click()
    pg.wait_for_function("() => location.pathname === '/carte'", timeout=60_000)
    pg.set_viewport_size(LAPTOP)
    settle(pg)


def phone_link(pg, journey: dict) -> str:
    """On « Suivi du terrain », a new link for the first turf of the plan."""
    sidebar_to(pg, "Suivi du terrain")
    pg.get_by_text("Liens de retour pour les téléphones").click()
    pg.get_by_role("button", name="Créer un lien pour ce parcours").click()
    settle(pg)
    link = pg.locator('[data-testid="stCode"]').first.inner_text().strip()
    assert link.startswith(journey["base"] + "/terrain/#"), link
    return link


def test_a_strategist_s_saturday_on_paris(browser, journey):
    """Preset and weights → top 10 → why #1 → walk lists for the team → packet → briefing →
    exports → a phone link: one campaign, one scenario, from Accueil to a volunteer's tap."""
    engine, campaign = journey["engine"], journey["saturday"]["paris"]
    context, pg = laptop(browser, f"{journey['base']}/?t=paris&campagne={campaign}")
    sidebar_to(pg, MAP_PAGE)
    sentence = choose_the_scenario(pg)
    first = why_the_first(pg)
    sidebar_to(pg, "Listes de porte-à-porte")
    assert scenario_of(pg)["sentence"] == [sentence]
    assert not map_problems(pg, "parcours")
    packet = PdfReader(io.BytesIO(download(pg, "PDF terrain")))
    pg.get_by_label("Nom du plan").fill("Samedi 14")
    pg.get_by_role("button", name="Enregistrer le plan dans la campagne").click()
    settle(pg)
    pg.get_by_text("Plan enregistré").wait_for(timeout=60_000)
    (plan,) = store.list_plans(engine, campaign)
    turfs = store.plan_turfs(engine, plan.id)
    assert len(packet.pages) >= len(turfs) > 0
    briefing_and_exports(pg, sentence, first, "paris")
    link = phone_link(pg, journey)
    phone_context, phone = open_phone(browser, link)
    token = link.split("#", 1)[1]
    sheet = store.turf_sheet(engine, token)
    phone.get_by_text(f"Parcours {sheet.code}").wait_for(timeout=60_000)
    for label in sheet.addresses["label"].head(3):
        assert phone.get_by_text(label, exact=False).count() >= 1
    shot(phone, "telephone_390x844")
    tap_door(phone, 1, "Ouvert")
    phone.get_by_text("tout est envoyé").wait_for(timeout=30_000)
    assert store.turf_sheet(engine, token).addresses["status"].iloc[0] == "ouvert"
    assert not phone_context.page_errors and not phone_context.outside
    closed(phone_context)
    closed(context)


def test_a_strategist_s_saturday_on_antony_says_walk_lists_need_addresses(browser, journey):
    """The same Saturday on Antony, which has no address file: the walk-list page says so, and the
    briefing and its files still follow the scenario."""
    campaign = journey["saturday"]["antony"]
    context, pg = laptop(browser, f"{journey['base']}/?t=antony&campagne={campaign}")
    sidebar_to(pg, MAP_PAGE)
    sentence = choose_the_scenario(pg)
    first = why_the_first(pg)
    sidebar_to(pg, "Listes de porte-à-porte")
    pg.get_by_text("Adresses indisponibles pour ce territoire").wait_for(timeout=30_000)
    assert pg.locator(MAP).count() == 0 and not pg.locator(ERROR_BOXES).count()
    briefing_and_exports(pg, sentence, first, "antony")
    assert scenario_of(pg)["view"]["t"] == "antony" and scenario_of(pg)["campaign"] == "Samedi à Antony"
    closed(context)


# ------------------------------------------------------------------------------ a phone offline

def test_a_phone_that_loses_the_network_keeps_its_taps_and_says_so(browser, journey):
    """The volunteers' page offline: the tap is kept on the phone and said to wait (never said
    recorded, not in the database), in French, no traceback; back online it is recorded once."""
    engine = journey["engine"]
    turf = int(store.plan_turfs(engine, journey["plan"])["id"].iloc[0])
    token = store.issue_link(engine, turf)
    context, phone = open_phone(browser, f"{journey['base']}/terrain/#{token}")
    code = store.turf_sheet(engine, token).code
    phone.get_by_text(f"Parcours {code}").wait_for(timeout=60_000)
    context.set_offline(True)
    tap_door(phone, 2, "Refus")
    phone.get_by_text("1 porte en attente d'envoi").wait_for(timeout=30_000)
    assert phone.locator("#suivi-2").inner_text() == "Refus : en attente d'envoi"
    shot(phone, "telephone_hors_ligne_390x844")
    assert "Traceback" not in phone.evaluate("() => document.body.innerText")
    assert not english_leftovers(phone), english_leftovers(phone)
    assert store.turf_sheet(engine, token).addresses["status"].iloc[1] == ""
    context.set_offline(False)
    phone.get_by_text("tout est envoyé").wait_for(timeout=30_000)
    assert store.turf_sheet(engine, token).addresses["status"].iloc[1] == "refus"
    assert not context.page_errors and not context.outside
    context.close()
