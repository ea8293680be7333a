"""Terrain's server: the app of ``app.py``, warmed up before it takes its first visit.

    streamlit run serve.py        (what ./run.sh does)

``streamlit run app.py`` serves the same app; its first visit then pays the imports and the
territory load (see :mod:`lib.ui.warmup`).
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from streamlit import net_util

from lib.field.api import field_routes
from lib.webcache import ImmutableAssets
from lib.webshell import ShellScripts

STARTED = time.perf_counter()
# Streamlit asks checkip.amazonaws.com for this machine's public address (start-up banner, origin
# checks of a browser on another host): a campaign's server calls no third party, ever. Name the
# server's address in .streamlit/config.toml (browser.serverAddress) for a team deployment.
net_util.get_external_ip = lambda: None
# Importing the pages' modules before Streamlit's runtime exists makes each @st.cache_data warn
# « No runtime found »: expected here (their caches are created later, inside the runtime).
_cache_log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
_cache_log_level = _cache_log.level
_cache_log.setLevel(logging.ERROR)
from lib.ui.warmup import LOG, warm_up  # noqa: E402 — most of the warm-up: lib.ui imports every page's module

_cache_log.setLevel(_cache_log_level)


@asynccontextmanager
async def lifespan(_app):
    """Warm up, then serve: the first visit finds the modules imported and the territory loaded."""
    warm_up()
    LOG.info("Terrain: warmed up, %.1f s after start (imports included)", time.perf_counter() - STARTED)
    yield


def field_engine():
    """The workspace engine the pages use (one pool per server), for the volunteers' API."""
    from lib.ui import workspace

    return workspace.engine()


BASE_PATH = st.get_option("server.baseUrlPath") or ""
# The volunteers' page and API (lib/field/): plain routes beside the app, no Streamlit session per phone.
app = st.App("app.py", lifespan=lifespan, routes=field_routes(field_engine, BASE_PATH),
             middleware=[Middleware(ImmutableAssets), Middleware(ShellScripts, base_path=BASE_PATH)])
