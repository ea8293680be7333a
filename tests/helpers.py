"""Plain helpers and constants shared by the test modules: ``from .helpers import open_page``.

Fixtures are in conftest.py (pytest finds them by name, nothing to import). No test module imports
another test module or conftest.py (tests/test_layering.py checks it): what two modules share lives
here or there. The names below are stable; add to them rather than rename.

Paths and constants
    PROJECT, DATA_DIR, RAW_DIR   the repository, its built datasets (data/), its raw files (raw/)
    TEST_DATA                    tests/data/: small real extracts only the tests read (raw/SOURCES.md)
    TIMEOUT                      seconds an AppTest run may take
    LANDING                      the page app.py shows first
    CHROMIUM, CHROME_ARGS        Debian's Chromium and its headless, quiet flags
    ARTIFACTS                    where browser tests keep screenshots (failures, docs)
Marks
    requires_dataset(territory)  skip when a shipped dataset is absent (partial clones only)
    BROWSER_MARKS                ``pytestmark`` of a browser module: marked, needs Paris and Chromium
Data
    synthetic_results(ids)       two candidates per bureau with round numbers
    small_turfs()                two turfs of five addresses, as lib.walk cuts them
    filled_csv(statuses)         their CSV list with a « Statut » filled by hand
    filosofi_archive(dest)       INSEE's Filosofi zip > 7z > GeoPackage, from the real 92-13 squares
    MUN2026_FIRST, MUN2026_BLOCK the municipales 2026 per-bureau layout (first columns, 13-column list block)
    toulouse_ministry_csv(…)     Toulouse's real 2026 rows (tests/data/toulouse_2026) in that layout
AppTest
    open_page(page, query)       the app opened at a page as a visitor arrives (``campaign=`` opens one)
    map_payload(at, kind)        header and arrays the last map (of a kind) received in the last run
    bureau_colours(at, kind)     per-bureau colours of that map
Browser
    streamlit_server(script)     a Streamlit server on a free loopback port; yields its base URL
    chromium()                   Debian's headless Chromium through Playwright
    cut_network(context)         refuse every request but localhost; returns the refused URLs
    wait_idle(pg)                until the Streamlit script is idle
    open_context(browser, url)   a new context (a phone by default), network cut, at ``url``
    open_phone(browser, url)     a phone on the volunteers' page (lib/field/web), turf shown or refused
    tap_door(pg, stop, status)   a volunteer's tap on that page
HTTP in process
    asgi_request(app, …)         one request to an ASGI app (the volunteers' API) without a server
Maps in the browser (the element's canvas, read as a user sees it)
    MAP, MAP_BACKGROUND          the map element's selector and its background colour
    wait_map(pg, kind)           until the map of that kind has drawn its latest data
    project(pg, points)          canvas pixel of each lon/lat, from the element's deck.gl viewport
    canvas_pixels(pg)            the map's pixels (RGB) as on screen
    painted_share(pg)            share of the map's pixels that are not its background
    drawn_as_sent(pg)            bureaux (or addresses) checked, and drawn otherwise than sent
    map_error(pg)                the map's failure (``data-error``), None when it drew
    sample_bureaux(n)            large Paris bureaux whose centre nothing is drawn over
    drawn_class(pixel, palette)  the palette colour a pixel shows
    expected_priority(url)       bureau id → RGBA and → rank Python sends for the priority map of ``url``
    expected_colours(url)        the RGBA alone
Journeys (tests/test_journeys.py)
    SIDEBAR, ERROR_BOXES         the sidebar's page links, French error boxes and tracebacks
    settle(pg)                   until the page is at rest: script idle, every map drawn
    sidebar_to(pg, title)        click a page of the sidebar by its title, then settle
    ENGLISH_LEFTOVERS            what English or raw text looks like on a French page
    english_leftovers(pg)        those found in the visible text and the screen-reader labels
    scenario_of(pg)              the view in the URL, the priority sentence, the open campaign, the legend
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import py7zr
import pytest
from streamlit.testing.v1 import AppTest

from lib.maps import wire
from testing import localserver

PROJECT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT / "data"
RAW_DIR = PROJECT / "raw"
TEST_DATA = PROJECT / "tests" / "data"
TIMEOUT = 120
LANDING = "pages/accueil.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT / "tests" / "browser_artifacts"


def requires_dataset(territory: str):
    """Skip when a shipped dataset is absent (it is committed, so this only guards partial clones)."""
    return pytest.mark.skipif(not (DATA_DIR / territory / "metadata.json").exists(),
                              reason=f"data/{territory} not built")


BROWSER_MARKS = [pytest.mark.browser, requires_dataset("paris"),
                 pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason="Debian chromium not installed (./test.sh installs it)")]


# Municipales 2026 per bureau (issue 12): first columns as the 2024 files, 13-column list blocks; the
# issue does not give the exact order of the 13, so this follows the order it lists them in.
MUN2026_FIRST = ["Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV",
                 "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
                 "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
                 "Nuls", "% Nuls/inscrits", "% Nuls/votants"]
MUN2026_BLOCK = ["Numéro de panneau", "Nom candidat", "Prénom candidat", "Sexe candidat", "Nuance liste",
                 "Libellé abrégé de liste", "Libellé de liste", "Voix", "% Voix/inscrits", "% Voix/exprimés",
                 "Elu", "Sièges au CM", "Sièges au CC"]


def toulouse_ministry_csv(dest: Path, rnd: int, *, block: list[str] = MUN2026_BLOCK) -> Path:
    """Toulouse's real municipal 2026 rows of round ``rnd`` (tests/data/toulouse_2026, header lost)
    written in the Ministry's per-bureau layout: counts and votes as published, lists named by their
    panel number only (the file has no list name). ``block`` may drop columns (a variant layout)."""
    rows = pd.read_parquet(TEST_DATA / "toulouse_2026"
                           / f"resultats-elections-municipales-2026-{'1er' if rnd == 1 else '2nd'}-tour_head.parquet")
    lists = int(rows["column_16"].max())
    header = MUN2026_FIRST + [f"{c} {k}" for k in range(1, lists + 1) for c in block]
    lines = [";".join(header)]
    for _, r in rows.iterrows():
        fixed = {"Code département": "31", "Libellé département": "Haute-Garonne", "Code commune": "31555",
                 "Libellé commune": "Toulouse", "Code BV": r["column_7"], "Inscrits": r["column_9"],
                 "Abstentions": r["column_10"], "Votants": r["column_11"], "Blancs": r["column_13"],
                 "Nuls": r["column_14"], "Exprimés": r["column_15"]}
        cells = [str(fixed.get(c, "")) for c in MUN2026_FIRST]
        for k in range(lists):
            panel, votes = r[f"column_{17 + 2 * k}"], r[f"column_{18 + 2 * k}"]
            values = {"Numéro de panneau": int(panel), "Libellé abrégé de liste": f"LISTE {int(panel)}",
                      "Libellé de liste": f"Liste n° {int(panel)}", "Voix": votes}
            cells += [str(values.get(c, "")) for c in block]
        lines.append(";".join(cells))
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def synthetic_results(bureau_ids: list[str], election: str = "leg2024t1") -> pd.DataFrame:
    """Two candidates per bureau with round numbers (votes sum to expressed)."""
    rows = []
    for k, bid in enumerate(bureau_ids):
        registered, voters, blank, null = 1000.0, 600.0 + 20 * k, 10.0, 5.0
        expressed = voters - blank - null
        left = 100.0 + 30 * k
        for cand, nuance, votes in (("DUPONT Ana", "UG", left), ("MARTIN Léo", "RN", expressed - left)):
            rows.append({"bureau_id": bid, "election": election, "registered": registered,
                         "voters": voters, "expressed": expressed, "blank": blank, "null": null,
                         "candidate": cand, "nuance": nuance, "votes": votes,
                         "share": votes / expressed * 100, "value_kind": "votes", "carried": False})
    return pd.DataFrame(rows)


def small_turfs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two turfs (T01: 3 addresses in bureau A, T02: 2 addresses in bureau B) as lib.walk cuts them."""
    rows = [("T01", 1, "a1", "75056_0001", "1 Rue A", 2.1, 12.0, 4.0, "collectif"),
            ("T01", 2, "a2", "75056_0001", "3 Rue A", 2.1, 3.0, 1.0, "individuel"),
            ("T01", 3, "a3", "75056_0001", "5 Rue A", 2.1, 3.0, 1.0, "individuel"),
            ("T02", 1, "b1", "75056_0002", "2 Rue B", 2.2, 6.0, 2.0, "individuel"),
            ("T02", 2, "b2", "75056_0002", "4 Rue B", 2.2, 6.0, 2.0, "individuel")]
    turfs = pd.DataFrame(rows, columns=["turf_id", "stop", "address_id", "bureau_id", "label", "lon",
                                        "est_voters", "est_doors", "housing"]).assign(lat=48.8)
    summary = pd.DataFrame({"turf_id": ["T01", "T02"], "bureaux": ["75056_0001", "75056_0002"],
                            "adresses": [3, 2], "portes_estimees": [6, 4], "inscrits_estimes": [18, 12],
                            "parcours_m": [120, 80], "minutes_estimees": [30, 20]})
    return turfs, summary


def filled_csv(statuses: dict[tuple[str, int], str]) -> bytes:
    """The CSV walk list of :func:`small_turfs` with a « Statut » filled by hand ((turf, stop) → status)."""
    from lib import walk_exports

    turfs, _ = small_turfs()
    table = pd.read_csv(pd.io.common.BytesIO(walk_exports.turfs_csv(turfs)), sep=";", encoding="utf-8-sig", dtype=str)
    table["Statut"] = [statuses.get((e, int(o)), "") for e, o in zip(table["Équipe"], table["Ordre"], strict=True)]
    return table.to_csv(sep=";", index=False).encode("utf-8-sig")


def filosofi_archive(dest: Path) -> Path:
    """INSEE's layout rebuilt from the real 92-13 squares: a zip holding a .7z holding the GeoPackage."""
    squares = gpd.read_file(RAW_DIR / "hds_9213_viz/filosofi2019_carreaux_200m_9213.geojson").to_crs("EPSG:2154")
    work = dest.parent / "filosofi_work"
    work.mkdir(parents=True, exist_ok=True)
    squares.to_file(work / "carreaux_200m_met.gpkg", driver="GPKG")
    with py7zr.SevenZipFile(work / "Filosofi2019_carreaux_200m_gpkg.7z", "w") as archive:
        archive.write(work / "carreaux_200m_met.gpkg", "carreaux_200m_met.gpkg")
    with zipfile.ZipFile(dest, "w") as zf:
        zf.write(work / "Filosofi2019_carreaux_200m_gpkg.7z", "Filosofi2019_carreaux_200m_gpkg.7z")
    shutil.rmtree(work)
    return dest


# --------------------------------------------------------------------------------------- AppTest

def open_page(page: str = LANDING, query: dict[str, str] | None = None, *,
              campaign: int | None = None) -> AppTest:
    """The app as a visitor opens it: ``query`` in the URL, a first run (the landing page, or where
    the URL leads, e.g. a volunteer's link), then ``page`` unless it is the landing page, with
    ``campaign`` open when given. Fails on any exception."""
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    link = {**(query or {}), **({"campagne": str(campaign)} if campaign is not None else {})}
    for k, v in link.items():  # the campaign is opened by its id in the link, as users share it
        at.query_params[k] = v
    at.run()
    if page != LANDING:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def as_read(markdown: str) -> str:
    """A Markdown source as the user reads it: escaping backslashes and invisible joiners gone
    (user-supplied text is escaped by ``fr.markdown_text``)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


MAP_COMPONENT = "terrain.map"  # lib.ui.maps' element


def map_payload(at: AppTest, kind: str | None = None) -> tuple[dict, dict[str, np.ndarray], int]:
    """Header, arrays and size in bytes of what the last map (of ``kind``) received in the last run."""
    elements = [e for e in at.get("bidi_component") if e.proto.component_name == MAP_COMPONENT]
    payloads = [(wire.unpack(e.proto.bytes), len(e.proto.bytes)) for e in elements]
    chosen = [(m, a, n) for (m, a), n in payloads if kind is None or m["kind"] == kind]
    assert chosen, f"no {kind or ''} map on the page (maps: {[m['kind'] for (m, _), _ in payloads]})"
    return chosen[-1]


def bureau_colours(at: AppTest, kind: str | None = None) -> list[list[int]]:
    """Per-bureau RGBA the last map (of ``kind``) received, in the geometry's order."""
    meta, arrays, _ = map_payload(at, kind)
    return [meta["view"]["palette"][i] for i in arrays["m.colour"].tolist()]


# --------------------------------------------------------------------------------------- browser

@contextlib.contextmanager
def streamlit_server(script: str = "serve.py") -> Iterator[str]:
    """``streamlit run script`` on a free loopback port with this process's environment (set the
    workspace URL before); yields its base URL, stops it on exit. Fails with the server's output."""
    try:
        with localserver.streamlit(script) as port:
            yield f"http://127.0.0.1:{port}"
    except localserver.ServerDidNotStart as err:
        pytest.fail(str(err))


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def cut_network(context) -> list[str]:
    """Offline by design: anything but localhost is refused, like a meeting room without internet.
    Returns the list of refused URLs: no page may even try (a request to a third party leaks a
    campaign's, or a volunteer's, IP address)."""
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  else (outside.append(route.request.url), route.abort()))
    return outside


def wait_idle(pg, timeout=60_000) -> None:
    """Until the Streamlit script has finished its run (and the page had a moment to paint)."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    pg.wait_for_timeout(300)


PHONE = {"width": 390, "height": 844}


def open_context(browser, url: str, viewport: dict | None = None):
    """A new browser context at ``url``, network cut: a phone (390×844, touch) unless ``viewport``
    is given. Returns (context, page); refused URLs are in ``context.outside``, the page's
    uncaught errors in ``context.page_errors``."""
    context = browser.new_context(viewport=viewport or PHONE, is_mobile=viewport is None, has_touch=True,
                                  accept_downloads=True)
    context.outside = cut_network(context)
    context.page_errors = []
    pg = context.new_page()
    pg.on("pageerror", lambda e: context.page_errors.append(str(e)))
    pg.goto(url)
    wait_idle(pg, timeout=120_000)
    return context, pg


def open_phone(browser, url: str):
    """A phone (390×844, touch, network cut to localhost) on the volunteers' page at ``url``
    (``…/terrain/#<token>``), once its turf is shown or refused. Returns (context, page)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.outside = cut_network(context)
    context.page_errors = []
    pg = context.new_page()
    pg.on("pageerror", lambda e: context.page_errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_function("() => !document.getElementById('parcours').hidden"
                         " || !document.getElementById('alerte').hidden", timeout=60_000)
    return context, pg


def tap_door(pg, stop: int, status: str) -> None:
    """A volunteer's tap on the phone page: ``status`` (« Ouvert »…) for the address at ``stop``."""
    pg.locator(f"#porte-{stop}").get_by_role("button", name=status, exact=True).click()


def asgi_request(app, method: str, path: str, *, headers: dict[str, str] | None = None,
                 body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to an ASGI ``app`` in this process: (status, headers, body)."""
    import asyncio

    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return (start["status"], {k.decode(): v.decode() for k, v in start.get("headers", [])},
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


# ------------------------------------------------------------------------------- maps in the browser

MAP = ".terrain-map"
MAP_BACKGROUND = np.array([0xF3, 0xF1, 0xEC])  # the element's background (lib/maps/styles.py)
# Drawn = the latest data on screen and the outlines' canvas too (mapelement.js), or failed.
_MAP_DRAWN = ("(m) => !!m.dataset.error || (m.dataset.painted === m.dataset.move"
              " && /^[0-9]+$/.test(m.dataset.complete || ''))")


def wait_map(pg, kind: str | None = None, timeout: int = 60_000) -> None:
    """Until the map (of ``kind``) has drawn its latest data, or failed (see :func:`map_error`)."""
    selector = f'{MAP}[data-kind="{kind}"]' if kind else MAP
    pg.wait_for_function(f"() => {{ const m = document.querySelector('{selector}'); return !!m && ({_MAP_DRAWN})(m); }}",
                         timeout=timeout)


def map_error(pg) -> str | None:
    """What the map element reported when drawing failed (``data-error``), None when it drew."""
    return pg.evaluate(f"() => {{ const m = document.querySelector('{MAP}'); return m ? m.dataset.error || null : null; }}")


def project(pg, points: list[tuple[float, float]]) -> list[list[float]]:
    """Canvas pixel of each lon/lat, from the element's deck.gl viewport."""
    return pg.evaluate(f"""(pts) => {{
        const st = document.querySelector('{MAP}').parentElement.__terrainMap;
        const vp = st.deck.getViewports()[0];
        return pts.map((p) => vp.project(p));
    }}""", [list(p) for p in points])


def canvas_pixels(pg) -> np.ndarray:
    """The map's pixels (RGB, ints) as on screen: the bureaux and the outlines' canvas over them."""
    from PIL import Image

    shot = pg.locator(f"{MAP} canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)


def painted_share(pg) -> float:
    """Share of the map's pixels that are clearly not its background (0 = an empty box)."""
    return float((np.abs(canvas_pixels(pg) - MAP_BACKGROUND).sum(axis=2) > 60).mean())


# Where the element was told to paint what (its own state, as the Python side sent it): for maps of
# bureau fills, up to ``n`` bureaux of each colour (their label anchor, inside the bureau); for maps
# of addresses, up to ``n`` × 4 address points. Only what lies inside the canvas.
_SENT = f"""(n) => {{
    const st = document.querySelector('{MAP}').parentElement.__terrainMap;
    const vp = st.deck.getViewports()[0], v = st.view, a = v.arrays, out = [];
    const inside = ([x, y]) => x >= 2 && y >= 2 && x < vp.width - 2 && y < vp.height - 2;
    if (a['m.points.xy']) {{
        const xy = a['m.points.xy'], count = xy.length / 2, step = Math.max(1, Math.floor(count / (4 * n)));
        for (let i = 0; i < count; i += step) {{
            const p = vp.project([xy[2 * i], xy[2 * i + 1]]);
            if (inside(p)) out.push({{x: p[0], y: p[1], colour: null}});
        }}
        return out;
    }}
    const anchor = st.geom.anchor, colour = a['m.colour'], palette = v.meta.palette, taken = palette.map(() => 0);
    for (let f = 0; f < colour.length; f++) {{
        const p = vp.project([anchor[2 * f], anchor[2 * f + 1]]);
        if (taken[colour[f]] < n && inside(p)) {{
            taken[colour[f]] += 1;
            out.push({{x: p[0], y: p[1], colour: palette[colour[f]], palette}});
        }}
    }}
    return out;
}}"""


def drawn_as_sent(pg, n: int = 6, pixels: np.ndarray | None = None) -> tuple[int, int]:
    """(places checked, places drawn otherwise): bureaux of each colour (their fill is the nearest of
    the palette there), or address points (not the background there). A name or an outline may lie
    over a few: callers allow a small share of misses. ``pixels``: the map as already captured."""
    places = pg.evaluate(_SENT, n)
    pixels = canvas_pixels(pg) if pixels is None else pixels
    wrong = 0
    for place in places:
        y, x = min(round(place["y"]), len(pixels) - 1), min(round(place["x"]), pixels.shape[1] - 1)
        pixel = pixels[y, x]
        if place["colour"] is None:  # a point: its colour within its radius (white rims overlap)
            patch = pixels[max(0, y - 3):y + 4, max(0, x - 3):x + 4]
            wrong += int(np.abs(patch - MAP_BACKGROUND).sum(axis=2).max() <= 100)
        else:
            palette = [tuple(c) for c in place["palette"]]
            wrong += int(drawn_class(pixel, palette) != tuple(place["colour"]))
    return len(places), wrong


def _km(points: np.ndarray, lon: float, lat: float) -> float:
    """Distance to the nearest point (equirectangular, Paris latitude)."""
    return float(np.hypot((points[:, 0] - lon) * 73.0, (points[:, 1] - lat) * 111.3).min())


def sample_bureaux(n: int = 6, *, avoid: frozenset[str] = frozenset()) -> list[tuple[str, float, float]]:
    """Large Paris bureaux (id, lon, lat of the centre) whose centre is far from outline names and
    stations (nothing drawn over it), leaving out ``avoid`` (e.g. bureaux numbered on the map)."""
    from lib.dataset import load_territory

    data = load_territory(DATA_DIR, "paris")
    b = data.bureaux
    area = b.to_crs(2154).area
    names = np.column_stack([data.outlines["label_lon"], data.outlines["label_lat"]])
    stations = np.column_stack([data.stations["lon"], data.stations["lat"]])
    picked = []
    for bid in area.sort_values(ascending=False).index:
        lon, lat = float(b.at[bid, "centre_lon"]), float(b.at[bid, "centre_lat"])
        if str(bid) not in avoid and _km(names, lon, lat) > 0.6 and _km(stations, lon, lat) > 0.12:
            picked.append((str(bid), lon, lat))
        if len(picked) == n:
            break
    return picked


def drawn_class(pixel: np.ndarray, palette: list[tuple]) -> tuple:
    """The palette colour whose blend over the background is nearest the pixel."""
    blends = [MAP_BACKGROUND + (np.array(c[:3]) - MAP_BACKGROUND) * c[3] / 255 for c in palette]
    return palette[int(np.argmin([np.abs(pixel - b).sum() for b in blends]))]


def expected_priority(url: str) -> tuple[dict[str, tuple], dict[str, int]]:
    """What Python sends for the priority map of the view in ``url``: bureau id → RGBA, and bureau
    id → rank (0 = not ranked)."""
    at = open_page(LANDING, dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query)))
    ids = map_payload(at, "territoire")[0]["geometry"]["ids"]  # a new session: its first map carries the geometry
    at.switch_page("pages/carte.py").run()
    meta, arrays, _ = map_payload(at, "priority")
    colours = {b: tuple(meta["view"]["palette"][i]) for b, i in zip(ids, arrays["m.colour"].tolist(), strict=True)}
    return colours, dict(zip(ids, arrays["m.rank"].tolist(), strict=True))


def expected_colours(url: str) -> dict[str, tuple]:
    """What Python sends for the priority map of the view in ``url``: bureau id → RGBA."""
    return expected_priority(url)[0]


# --------------------------------------------------------------------------------------- journeys

SIDEBAR = '[data-testid="stSidebarNav"]'
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# English or raw text on a French page (visible text, screen-reader labels, placeholders): one
# list, so every journey step checks the same things. Streamlit's own widgets write most of them.
ENGLISH_LEFTOVERS = (
    r"\bUpload\b", r"\bper file\b", r"\bPress Enter\b", r"\bPress (?:⌘|Ctrl)\+Enter\b", r"\bSelect all\b",
    r"\bClear all\b", r"\bHelp for\b", r"^Help$", r"\bBrowse files\b", r"\bDrag and drop\b", r"\bNone\b",
    r"\bnan\b", r"\bNaN\b", r"\bError\b", r"\bTraceback\b", r"(?i:\bdd/mm/yyyy\b)", r"(?i:\byyyy/mm/dd\b)",
    r"\bSkip to main content\b", r"\bChoose an option\b", r"\bChoose date\b", r"\bNo results\b",
    r"^Select\.\.\.$", r"\bLink to heading\b", r"\bCollapse sidebar\b", r"\bExpand sidebar\b",
    r"\bApp pages\b", r"\bSelected values\b", r"^Open$", r"^Close$", r"\b\d+(?:\.\d+)?\s?(?:KB|MB|GB)\b",
    r"\bConnection error\b", r"\bnot responding\b", r"\bor smaller\b", r"\bFailed to generate\b",
)
_LEFTOVERS = re.compile("|".join(ENGLISH_LEFTOVERS))  # matched line by line
_URL = re.compile(r"https?://\S+")
# The visible text, and the labels a screen reader reads, of everything but code blocks (links).
_PAGE_TEXTS = """() => {
    const attrs = [...document.querySelectorAll('[aria-label],[placeholder],[title]')]
        .filter((e) => !e.closest('code, pre'))
        .flatMap((e) => ['aria-label', 'placeholder', 'title'].map((a) => e.getAttribute(a)))
        .filter((v) => v);
    return [document.body.innerText, ...attrs];
}"""


def english_leftovers(pg) -> list[str]:
    """The English or raw bits of the page as a user (or a screen reader) meets them."""
    found = []
    for text in pg.evaluate(_PAGE_TEXTS):
        for line in _URL.sub("", text).splitlines():
            if _LEFTOVERS.search(line.strip()):
                found.append(line.strip())
    return sorted(set(found))


_SETTLED = f"""() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    const drawn = [...document.querySelectorAll('{MAP}')].every({_MAP_DRAWN});
    if (!app || app.dataset.testScriptState !== 'notRunning' || !drawn) {{ window.__terrainRest = 0; return false; }}
    window.__terrainRest = window.__terrainRest || performance.now();
    return performance.now() - window.__terrainRest > 400;
}}"""


def settle(pg, timeout: int = 120_000) -> None:
    """Until the page is at rest: the script idle and every map drawn with its latest data, for
    0.4 s in a row (a page may run twice: a campaign loads its imports, then the page reruns)."""
    pg.evaluate("() => { window.__terrainRest = 0; }")
    pg.wait_for_function(_SETTLED, polling=150, timeout=timeout)


def sidebar_to(pg, title: str) -> None:
    """Click the sidebar's link to the page ``title``; returns once that page is at rest."""
    link = pg.locator(f'{SIDEBAR} [data-testid="stSidebarNavLink"]').filter(has=pg.get_by_text(title, exact=True))
    link.click()
    pg.wait_for_function("(t) => [...document.querySelectorAll('[data-testid=\"stSidebarNavLink\"][aria-current=\"page\"]')]"
                         ".some((a) => a.innerText.trim().endsWith(t))", arg=title, timeout=60_000)
    settle(pg)


VIEW_KEYS = ("t", "p", "w", "n", "cl", "k", "camp", "campagne")  # the scenario, in the link
_SENTENCE = re.compile(r"Priorité = \d+ % .+?(?=\s+—|$)", re.M)  # « … — réglages de la carte »


def scenario_of(pg) -> dict[str, object]:
    """What must not change from page to page: the view in the URL, the priority sentence and the
    legend's classes (where the page shows them) and the campaign open in the sidebar."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(pg.url).query))
    text = pg.evaluate("() => document.body.innerText")
    picker = pg.locator('[data-testid="stSidebar"] input[aria-label="Campagne"]')
    legend = pg.locator(".tl-lab").filter(has_text=re.compile(r"^Priorité \d"))
    return {"view": {k: query.get(k) for k in VIEW_KEYS},
            "sentence": sorted(set(_SENTENCE.findall(text))),
            "campaign": picker.input_value().strip() if picker.count() else None,
            "legend": [t.strip() for t in legend.all_inner_texts()]}
