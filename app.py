"""Terrain — entry point: the page router (French titles; pages live in ``pages/``)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Terrain", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page("pages/accueil.py", title="Accueil", icon="🏠", default=True),
    st.Page("pages/carte.py", title="Carte des priorités", icon="🗺️", url_path="carte"),
    st.Page("pages/listes.py", title="Listes de porte-à-porte", icon="🚪", url_path="listes"),
    st.Page("pages/briefing.py", title="Mode briefing", icon="📽️", url_path="briefing"),
    st.Page("pages/resultats.py", title="Importer des résultats", icon="📥", url_path="resultats"),
    st.Page("pages/nouveau_territoire.py", title="Nouveau territoire", icon="➕", url_path="nouveau"),
]

st.navigation(PAGES).run()
