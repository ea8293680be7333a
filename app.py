"""Terrain — entry point: the page router (French titles; pages live in ``pages/``)."""

from __future__ import annotations

import streamlit as st

from lib.field.page import FIELD_PAGE
from lib.ui.shell import FAVICON

st.set_page_config(page_title="Terrain", page_icon=FAVICON, layout="wide")

PAGES = [
    st.Page("pages/accueil.py", title="Accueil", icon=":material/home:", default=True),
    st.Page("pages/carte.py", title="Carte des priorités", icon=":material/map:", url_path="carte"),
    st.Page("pages/listes.py", title="Listes de porte-à-porte", icon=":material/door_front:", url_path="listes"),
    st.Page("pages/briefing.py", title="Mode briefing", icon=":material/co_present:", url_path="briefing"),
    st.Page("pages/suivi.py", title="Suivi du terrain", icon=":material/fact_check:", url_path="suivi"),
    st.Page("pages/impact.py", title="Mesure d'impact", icon=":material/science:", url_path="impact"),
    st.Page("pages/resultats.py", title="Importer des résultats", icon=":material/upload_file:", url_path="resultats"),
    st.Page("pages/nouveau_territoire.py", title="Nouveau territoire", icon=":material/add_location_alt:", url_path="nouveau"),
]

# A volunteer's phone link is now ``/terrain/#<token>`` (lib/field, served beside the app by serve.py).
# A link made before (``/?jeton=…``) shows a button to the new page and nothing else: no sidebar,
# no other page (the only page of that navigation is its default page, served at the root URL).


def moved_link() -> None:
    """An old phone link: the same token, at the volunteers' page's address."""
    st.warning("Ce lien de retour a changé d'adresse : touchez le bouton pour ouvrir votre parcours, "
               "puis gardez la nouvelle page (elle marche aussi sans réseau).", icon="🔁")
    st.link_button("Ouvrir mon parcours", f"{FIELD_PAGE.lstrip('/')}#{st.query_params.get('jeton', '')}",
                   type="primary", width="stretch")


if st.query_params.get("jeton"):
    st.navigation([st.Page(moved_link, title="Retour de terrain", url_path="retour")], position="hidden").run()
else:
    st.navigation(PAGES).run()
