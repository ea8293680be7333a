"""Server start: import what the pages need and load the default territory before any visit.

Why: a fresh server's first visit otherwise pays ~1.5–2.5 s of imports (mapclassify pulls in
scipy, scikit-learn and matplotlib; SQLAlchemy and Alembic open the workspace) plus the
territory load, before its own rerun. ``serve.py`` runs :func:`warm_up` in its lifespan hook,
before the server accepts connections, so no import ever runs in two threads at once.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import time
from collections.abc import Iterator

from streamlit.logger import get_logger

LOG = get_logger("terrain.warmup")

# What the pages import at their top (a page added later only costs its own first visit).
MODULES = ("lib.ui", "lib.ui.maps", "lib.ui.workspace", "lib.maps.views", "lib.priority",
           "lib.exports", "lib.mapexport", "lib.walk", "lib.impact", "lib.results_import", "streamlit.emojis")
# Streamlit warns when a cached function runs outside a script run: expected here.
QUIET = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def warm_up() -> float:
    """Import the pages' modules, load the default territory, open the workspace; seconds spent.

    A failure here is logged and left to the first visit, which shows its own French message:
    the server must start either way.
    """
    t0 = time.perf_counter()
    with _quiet():
        for name in MODULES:
            importlib.import_module(name)
        # Streamlit's first element in a process calls inspect.stack() (its « not run with
        # streamlit run? » check): inspect then maps every imported module to its file, ~0.2 s
        # with scipy & co. loaded. Done here, that map is ready before the first visit.
        inspect.stack(0)
        from lib.ui import loaders, shell, workspace

        shell.router_from_start()
        shell.configured_password()  # parses the secrets file once, not during the first visit
        try:
            data_dir = str(loaders.settings().data_dir)
            first = loaders.landing_territory()
            if first:
                loaders.territory_data(first, data_dir)
                loaders.screen_geometry_of(first, data_dir)
            workspace.engine()
        except Exception:  # whatever it is, the visit reports it in French
            LOG.warning("warm-up incomplete", exc_info=True)
    return time.perf_counter() - t0
