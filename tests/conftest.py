"""Shared fixtures: tiny synthetic territories drawn in code, and the real shipped datasets."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

PROJECT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT / "data"
RAW_DIR = PROJECT / "raw"

os.environ.setdefault("MPLBACKEND", "Agg")


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


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def requires_dataset(territory: str):
    """Skip when a shipped dataset is absent (it is committed, so this only guards partial clones)."""
    return pytest.mark.skipif(not (DATA_DIR / territory / "metadata.json").exists(),
                              reason=f"data/{territory} not built")


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
