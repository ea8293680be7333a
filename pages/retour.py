"""« Retour de terrain »: the volunteer's phone page, opened by a turf link (no login, no sidebar).

The link's token opens one turf and nothing else. One tap per address records its door status;
the totals of the outing (conversations, intéressés, procurations) are sent at the end. Taps carry
an id made on this page, so a resent tap is never counted twice.
"""

from __future__ import annotations

import streamlit as st

from lib import fr, store, ui
from lib.doors import MAX_TURF_TOTAL, TURF_TOTALS, status_hint
from lib.errors import TerrainError, user_message

ui.hand_over_to_router()
st.set_page_config(page_title="Retour de terrain — Terrain", page_icon=ui.FAVICON,
                   layout="centered", initial_sidebar_state="collapsed")
st.markdown("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
.stButton button, [data-testid="stButtonGroup"] button {min-height: 3rem; font-size: 1.05rem; flex: 1 1 0;}
[data-testid="stButtonGroup"] > div {width: 100%;}
.block-container {padding-top: 1.5rem;}
</style>""", unsafe_allow_html=True)
TOKEN = str(st.query_params.get("jeton", ""))


def stop_with(message: str) -> None:
    """A French message and nothing else (no turf, no campaign, no navigation)."""
    st.error(message, icon="⚠️")
    st.stop()


def on_tap(stop: int) -> None:
    """Record the status just tapped; keep the tap id until the server confirms, then make a new one.

    A tap on the status already selected records nothing: the button stays selected, as the
    database keeps that status (:func:`door_list` redraws every button from the database)."""
    status = st.session_state.get(f"door-{stop}")
    if not status:
        return
    tap = st.session_state.setdefault(f"tap-{stop}", ui.new_id())
    try:
        store.record_tap(ui.engine(), TOKEN, stop, status, tap)
    except TerrainError as err:
        st.session_state["_tap_error"] = str(err)
        return
    st.session_state[f"tap-{stop}"] = ui.new_id()


def door_list(sheet: store.returns.TurfSheet) -> None:
    """Addresses in walking order, one row of big buttons each, showing the latest status recorded
    by any phone of the turf (not only this one's taps)."""
    for stop, label, doors, status in sheet.addresses.itertuples(index=False):
        st.session_state[f"door-{stop}"] = status or None  # before the widget: the database decides
        st.markdown(f"**{stop}.** {fr.markdown_text(label)}  \n<small>{fr.number(doors)} porte(s) est.</small>",
                    unsafe_allow_html=True)
        st.segmented_control(f"Porte {stop}", list(store.DOOR_STATUSES), format_func=store.DOOR_STATUSES.get,
                             key=f"door-{stop}", on_change=on_tap, args=(int(stop),), label_visibility="collapsed",
                             width="stretch")


def send_totals() -> None:
    """Form callback: the id is kept until the server confirms, so a resent form is counted once."""
    report = st.session_state.setdefault("_report_id", ui.new_id())
    counts = {key: int(st.session_state[f"w_total_{key}"]) for key in TURF_TOTALS}
    try:
        store.record_report(ui.engine(), TOKEN, report, **counts)
    except TerrainError as err:
        st.session_state["_tap_error"] = str(err)
        return
    st.session_state["_report_id"] = ui.new_id()
    st.session_state["_sent"] = True


def totals_form() -> None:
    """End-of-outing counts for the whole turf (never per address or per person)."""
    with st.form("totals", clear_on_submit=True):
        st.markdown("**Fin de sortie : totaux du parcours**")
        for key, label in TURF_TOTALS.items():
            st.number_input(label, 0, MAX_TURF_TOTAL, 0, step=1, key=f"w_total_{key}")
        st.form_submit_button("Envoyer les totaux", type="primary", width="stretch", key="w_total_send",
                              on_click=send_totals)
    if st.session_state.pop("_sent", False):
        st.success("Totaux envoyés. Merci pour cette sortie !")


try:
    sheet = store.turf_sheet(ui.engine(), TOKEN)
    st.title(f"Parcours {fr.markdown_text(sheet.code)}")
    st.caption(f"Votre lien : {fr.markdown_text(sheet.link)}. Si ce téléphone est perdu, ce repère permet à la personne "
               "qui organise de retirer ce lien seul.")
    if st.session_state.get("_tap_error"):
        st.warning(st.session_state.pop("_tap_error"))
    done = int((sheet.addresses["status"] != "").sum())
    st.progress(done / max(1, len(sheet.addresses)), text=f"{done} adresse(s) sur {len(sheet.addresses)} notées")
    st.caption(f"Touchez le résultat de chaque adresse : {status_hint()}. "
               "Aucun nom, aucune opinion par adresse : seulement l'état de la porte. Une erreur ? Touchez le "
               "bon statut (« À revoir » pour une porte pas encore faite) : le dernier noté compte.")
    st.button("Actualiser (statuts notés par les autres téléphones)", key="w_refresh", width="stretch")
    door_list(sheet)
    totals_form()
except Exception as err:
    stop_with(user_message(err, "d'afficher ce parcours"))
