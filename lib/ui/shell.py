"""Page shell: router hand-over, page config, access gate, territory selector, error guard, timing."""

from __future__ import annotations

import contextlib
import hmac
import os
import time
from collections.abc import Iterator

import streamlit as st

from lib import access, fr
from lib.dataset import TerritoryData
from lib.errors import TerrainError, user_message
from lib.ui.loaders import (
    available_territories,
    landing_territory,
    settings,
    territory_data,
    territory_name,
    with_imports,
)
from lib.ui.state import enter_page, on_territory_change, reset_to_default, view

# The tab's icon. An emoji is drawn by the browser itself; a « :material/…: » page icon makes
# Streamlit's frontend fetch it from fonts.gstatic.com at every page load: a request to Google from
# a campaign's browser, and a failed one offline.
FAVICON = "🗺️"

@contextlib.contextmanager
def guard(what: str = "cette section") -> Iterator[None]:
    """Show a French message instead of a traceback; the rest of the page keeps running."""
    try:
        yield
    except Exception as err:
        st.error(user_message(err, f"d'afficher {what}"), icon="⚠️")


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    """Log the server time of a block when TERRAIN_TIMING is set (read by bench/soak.py)."""
    if not os.environ.get("TERRAIN_TIMING"):
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        print(f"TERRAIN_TIMING {what} {1000 * (time.perf_counter() - started):.1f}", flush=True)


def router_from_start() -> None:
    """Start this process in ``st.navigation`` mode (what its first call does), at server start.

    Saves the first visit the hand-over rerun of :func:`hand_over_to_router`.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def hand_over_to_router() -> None:
    """Leave Streamlit's legacy ``pages/`` mode for ``app.py``'s ``st.navigation`` router.

    Streamlit starts in legacy mode whenever a ``pages/`` folder exists, and stays there if the
    very first URL of the server is a page (``/carte``) rather than the root: the sidebar would
    then list raw file names. One rerun through ``app.py`` fixes it for the whole process.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def configured_password() -> str | None:
    """The access password from Streamlit secrets (``[terrain] password = "…"``), if any."""
    try:
        return st.secrets.get("terrain", {}).get("password")
    except Exception:
        return None


PASSWORD_TRIES = access.Throttle()  # wrong passwords per client address, for this server process


def client_id() -> str:
    """Who is trying, for the throttle: the client's address (« inconnu » when Streamlit cannot tell)."""
    try:
        address = st.context.ip_address
    except Exception:
        address = None
    return address if isinstance(address, str) and address else "inconnu"


def _try_password() -> None:
    """The password field's callback: one check per submission (a rerun does not count again)."""
    typed = st.session_state.get("w_password", "")
    st.session_state["w_password"] = ""
    if not typed or PASSWORD_TRIES.wait(client_id()) > 0:
        return
    if hmac.compare_digest(typed.encode(), str(configured_password()).encode()):
        PASSWORD_TRIES.succeeded(client_id())
        st.session_state["_authenticated"] = True
        return
    wait = PASSWORD_TRIES.failed(client_id())
    st.session_state["_password_said"] = "Mot de passe incorrect." + (f" {access.wait_text(wait)}" if wait else "")


def access_gate() -> None:
    """Optional password gate for a deployment on the internet (off when no password is set).

    Repeated wrong passwords from one address wait longer and longer, then are locked out
    (:class:`lib.access.Throttle`). For single sign-on, deploy behind ``st.login`` with an OIDC
    provider instead (README).
    """
    password = configured_password()
    if not password or st.session_state.get("_authenticated"):
        return
    st.title("Terrain — accès réservé")
    wait = PASSWORD_TRIES.wait(client_id())
    said = st.session_state.pop("_password_said", None)
    if wait > 0:
        st.error(f"{said or ''} {access.wait_text(wait)}".strip())
    elif said:
        st.error(said)
    st.text_input("Mot de passe de la campagne", type="password", key="w_password", on_change=_try_password,
                  disabled=wait > 0)
    st.caption("Ce mot de passe ouvre ce serveur ; une campagne protégée par sa propre clé demande en plus "
               "cette clé.")
    st.stop()


def current_territory() -> TerritoryData | None:
    """The dataset of the view's territory, or None with a French message."""
    conf = settings()
    built = available_territories()
    if not built:
        st.error("Aucun territoire construit. Lancez « python -m lib.datasets paris » puis rechargez la page.")
        return None
    v = view()
    if v.territory not in built:
        fallback = landing_territory()
        if v.territory and v.territory != conf.default_territory:
            st.warning(f"Territoire « {fr.markdown_text(v.territory)} » inconnu : affichage de "
                       f"{fr.markdown_text(territory_name(fallback))}.")
        v = reset_to_default(fallback)
    try:
        return with_imports(territory_data(v.territory, str(conf.data_dir)))
    except TerrainError as err:
        st.error(user_message(err, "de charger ce territoire"))
        return None


def page_setup(title: str, *, sidebar: bool = True) -> TerritoryData | None:
    """Page config, access gate, shared sidebar (territory selector) and the territory dataset."""
    hand_over_to_router()
    with contextlib.suppress(st.errors.StreamlitAPIException):
        st.set_page_config(page_title=f"{title} — Terrain", page_icon=FAVICON, layout="wide",
                           initial_sidebar_state="expanded" if sidebar else "collapsed")
    access_gate()
    enter_page(title)
    v = view()
    territories = available_territories()
    if sidebar and territories:
        st.session_state["w_territory"] = v.territory if v.territory in territories else territories[0]
        st.sidebar.selectbox("Territoire", territories, key="w_territory", format_func=territory_name,
                             on_change=on_territory_change,
                             help="Jeux de données construits depuis les fichiers officiels (voir Accueil).")
    return current_territory()


def sources_caption(data: TerritoryData) -> str:
    """One-line attribution of every source of a territory."""
    return fr.sources_caption(data.metadata["sources"])
