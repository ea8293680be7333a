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
AppTest
    open_page(page, query)       the app opened at a page as a visitor arrives (``campaign=`` opens one)
    map_payload(at, kind)        header and arrays the last map (of a kind) received in the last run
    bureau_colours(at, kind)     per-bureau colours of that map
Browser
    streamlit_server(script)     a Streamlit server on a free loopback port; yields its base URL
    chromium()                   Debian's headless Chromium through Playwright
    cut_network(context)         refuse every request but localhost; returns the refused URLs
    wait_idle(pg)                until the Streamlit script is idle
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
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
from testing.localserver import free_port, wait_healthy

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
SERVER_START_SECONDS = 120  # serve.py warms up before it answers; the machine may be busy


def requires_dataset(territory: str):
    """Skip when a shipped dataset is absent (it is committed, so this only guards partial clones)."""
    return pytest.mark.skipif(not (DATA_DIR / territory / "metadata.json").exists(),
                              reason=f"data/{territory} not built")


BROWSER_MARKS = [pytest.mark.browser, requires_dataset("paris"),
                 pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason="Debian chromium not installed (./test.sh installs it)")]


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
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(port, seconds=SERVER_START_SECONDS)
        except RuntimeError:
            proc.kill()
            proc.wait()
            log.seek(0)
            pytest.fail(f"the Streamlit server did not start:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


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
