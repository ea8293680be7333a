"""Terrain's server: the app of ``app.py``, warmed up before it takes its first visit.

    streamlit run serve.py        (what ./run.sh does)

``streamlit run app.py`` serves the same app; its first visit then pays the imports and the
territory load (see :mod:`lib.ui.warmup`).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st

from lib.ui.warmup import LOG, warm_up


@asynccontextmanager
async def lifespan(_app):
    """Warm up, then serve: the first visit finds the modules imported and the territory loaded."""
    LOG.info("Terrain: warm-up done in %.1f s", warm_up())
    yield


app = st.App("app.py", lifespan=lifespan)
