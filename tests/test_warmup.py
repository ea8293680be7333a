"""Server warm-up (serve.py): the first visit finds the default territory already loaded."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

from lib import dataset
from lib.errors import TerrainError
from lib.ui import loaders, warmup

from .helpers import requires_dataset

pytestmark = requires_dataset("paris")


def test_warm_up_loads_the_default_territory_once_for_every_later_visit(monkeypatch):
    loads: list[str] = []
    real = dataset.load_territory
    monkeypatch.setattr(loaders, "load_territory", lambda d, t: loads.append(t) or real(d, t))
    loaders.territory_data.clear()
    warmup.warm_up()
    conf = loaders.settings()
    loaders.territory_data(conf.default_territory, str(conf.data_dir))  # what the first visit asks
    assert loads == [conf.default_territory]


def test_warm_up_starts_the_process_in_router_mode(monkeypatch):
    """No hand-over rerun on the first visit of a page URL."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    warmup.warm_up()
    assert PagesManager.uses_pages_directory is False


def test_a_broken_dataset_does_not_stop_the_server(monkeypatch):
    def broken(*_args):
        raise TerrainError("jeu de données illisible")

    logged: list[str] = []
    monkeypatch.setattr(loaders, "load_territory", broken)
    monkeypatch.setattr(warmup.LOG, "warning", lambda msg, *a, **k: logged.append(msg))
    loaders.territory_data.clear()
    warmup.warm_up()  # returns: the visit will show the French message
    loaders.territory_data.clear()
    assert logged == ["warm-up incomplete"]
