"""Every shared fixture of the suite. pytest finds them by name: test modules never import them.

Plain helpers and constants (paths, open_page, cut_network, synthetic_results…) are in helpers.py.
The names below are stable; add to them rather than rename.

Data
    grid_bureaux          six 200 m square bureaux on a 3×2 grid near Paris, two communes
    rng                   a seeded NumPy random generator
    brest_folder          a folder holding Brest métropole's real contours and the two real MinInt
                          législatives 2024 rounds (raw/brest_lfi), as a user downloads them
AppTest
    clean_caches          the app's settings and Streamlit caches cleared before and after
    app_data_dir          TERRAIN_DATA_DIR set to a fresh folder, the app's cached settings and data
                          cleared before and after (AppTest runs share one process)
Workspace database (every store test runs on SQLite and on PostgreSQL, no mocks)
    pg_cluster            session: a throwaway PostgreSQL cluster (testing/pgcluster.py); yields a
                          function returning the URL of a new empty database
    db_url                an empty database URL, parametrized: SQLite temp file, PostgreSQL database
    store_engine          an upgraded workspace engine on ``db_url``
    plan                  a campaign with one saved two-turf plan (helpers.small_turfs):
                          (engine, campaign id, plan id, {turf code: turf id})
Browser (headless Chromium; one server and one browser per test module)
    workspace_url         module: this module's own workspace database (SQLite), set in the
                          environment; request it before ``server`` and the server serves it
    server                module: a Streamlit server on serve.py; yields its base URL. Per module,
                          not per session: a module may set its own workspace database first
                          (workspace_url), and the server serves that one
    browser               module: Debian's headless Chromium through Playwright
    page                  a fresh 1400×1000 page, network cut to localhost; the test fails on any
                          page error or outside request, and keeps a screenshot when it fails
Automatic
    _router_in_charge             AppTest runs leave Streamlit's legacy pages/ mode as a server does
    _workspace_outside_the_repo   session: pages and servers write to a temp SQLite file
"""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib (mapclassify does, through lib.classify)

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import streamlit as st

from lib.config import load_settings

from .helpers import ARTIFACTS, RAW_DIR, chromium, cut_network, small_turfs, streamlit_server


@pytest.fixture
def grid_bureaux() -> gpd.GeoDataFrame:
    """Six bureaux on a 3×2 grid of 200 m squares near Paris (EPSG:4326), two communes::

        B2 D2 F2
        A1 C1 E1      (letters: order; digit: commune 99001 or 99002)
    """
    x0, y0 = 652000.0, 6862000.0  # Lambert-93 metres
    boxes, ids, communes = [], [], []
    for i, (col, row) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]):
        boxes.append(shapely.box(x0 + 200 * col, y0 + 200 * row, x0 + 200 * (col + 1), y0 + 200 * (row + 1)))
        commune = "99001" if col < 2 else "99002"
        ids.append(f"{commune}_{i + 1:04d}")
        communes.append(commune)
    gdf = gpd.GeoDataFrame({"bureau_id": ids, "commune_code": communes}, geometry=boxes, crs="EPSG:2154")
    return gdf.to_crs("EPSG:4326")


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy random generator seeded at 0: the same draws at every run."""
    return np.random.default_rng(0)


@pytest.fixture
def brest_folder(tmp_path):
    """Brest's own contours and the two real MinInt 2024 rounds, as a user downloads them."""
    folder = tmp_path / "brest"
    folder.mkdir()
    for name in ("Legislatives2024_BureauxVoteBrest.geojson", "Legislatives2024_circos23-tour1.csv",
                 "Legislatives2024_circos23-tour2.csv"):
        shutil.copy(RAW_DIR / "brest_lfi" / name, folder / name)
    return folder


@pytest.fixture
def clean_caches():
    """The app's settings and datasets are cached per process: start and end clean."""
    load_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    load_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item (browser tests keep a screenshot on failure)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(autouse=True)
def _router_in_charge(monkeypatch):
    """AppTest starts every run in Streamlit's legacy ``pages/`` mode (it resets the process-wide
    flag), so each run of a page would hand over to the router with a rerun and lose the click
    that started it. A real server leaves that mode once per process (lib/ui/shell.py): do the
    same here, so clicks and form submits are exercised as a user makes them."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


# ---------------------------------------------------------------------------------------------
# Workspace database: SQLite temp files and a throwaway PostgreSQL cluster (no mocks).
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server on a Unix socket in a temp dir; yields a URL factory."""
    from testing import pgcluster

    if pgcluster.binaries() is None:
        if os.environ.get("CI"):  # CI must test both backends: a missing server is a failure there
            pytest.fail("PostgreSQL is not installed: ./test.sh installs Debian's postgresql")
        pytest.skip("PostgreSQL not installed (./test.sh installs Debian's postgresql)")
    with pgcluster.cluster() as new_database:
        yield new_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database URL on each backend (SQLite temp file, fresh PostgreSQL database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'terrain.sqlite3'}"
    return request.getfixturevalue("pg_cluster")()


@pytest.fixture
def store_engine(db_url):
    """An upgraded workspace engine on each backend."""
    from lib import store

    engine = store.open_store(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _workspace_outside_the_repo(tmp_path_factory):
    """Pages and servers started by the tests write to a temp SQLite file, never to data/_workspace."""
    if "TERRAIN_DATABASE_URL" not in os.environ:
        os.environ["TERRAIN_DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('ws') / 'terrain.sqlite3'}"


@pytest.fixture
def plan(store_engine):
    """A campaign with one saved plan; returns (engine, campaign id, plan id, {code: turf id})."""
    from lib import store

    cid = store.create_campaign(store_engine, "paris", "Municipales 2026", "Ana")
    turfs, summary = small_turfs()
    design = pd.DataFrame({"bureau_id": ["75056_0001", "75056_0002"], "strate": [1, 1],
                           "groupe": ["visiter", "témoin"]})
    pid = store.save_plan(store_engine, cid, "Samedi", turfs, summary, bureaux=["75056_0001", "75056_0002"],
                          holdout=design, settings={"target": 120}, organiser="Ana")
    ids = dict(zip(store.plan_turfs(store_engine, pid)["code"], store.plan_turfs(store_engine, pid)["id"],
                   strict=True))
    return store_engine, cid, pid, ids


# ---------------------------------------------------------------------------------------------
# Browser: a Streamlit server and headless Chromium per test module, a fresh page per test.
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workspace_url(tmp_path_factory):
    """This module's database, set in the environment before ``server`` starts Streamlit."""
    url = f"sqlite:///{tmp_path_factory.mktemp('workspace') / 'terrain.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TERRAIN_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="module")
def server():
    """A Streamlit server on serve.py for this module (its environment as set before); yields its URL."""
    with streamlit_server("serve.py") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium for this module, driven by Playwright."""
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, request):
    """A fresh page with the network cut to localhost; fails on a page error or an outside request."""
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


@pytest.fixture
def app_data_dir(tmp_path, monkeypatch, clean_caches):
    """A fresh ``TERRAIN_DATA_DIR`` for pages run in this process (caches cleared around it); yields its path."""
    folder = tmp_path / "app_data"
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(folder))
    return folder
