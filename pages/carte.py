"""Priority map: our side (sidebar), weights beside the map, legend, bureau panel, ranking."""

from __future__ import annotations

import streamlit as st

from lib import deckmap, fr, priority, ui
from lib.scoring import NoWeightsError

data = ui.page_setup("Carte des priorités")
if data is None:
    st.stop()
conf = ui.settings()
with ui.guard("la campagne"):
    ui.campaign_sidebar(data)
    ui.scenario_controls()
st.markdown(f"### Carte des priorités — {fr.escape(data.name)}")

controls = None
with ui.guard("les réglages"):
    controls = ui.side_controls(data)  # sidebar: our side and options (full rerun when changed)
if controls is None:
    st.stop()


@st.fragment
def priority_view() -> None:
    """Weights, map, legend and panels: a slider move reruns only this part of the page."""
    with ui.timed("priority_view"):
        _priority_view()


def _compute(map_col) -> priority.PriorityResult | None:
    with ui.guard("la carte"):
        try:
            return priority.compute(controls.normalised, ui.view(), conf, controls.unavailable,
                                    atypical=controls.left_out)
        except NoWeightsError as err:
            map_col.warning(str(err), icon=":material/balance:")
    return None


def _map(result: priority.PriorityResult, geom: deckmap.MapGeometry) -> None:
    v = ui.view()
    st.markdown(f"**{fr.escape(result.sentence)}**")
    if result.note:
        st.caption(result.note)
    with ui.guard("la carte"):
        fill, tooltip = deckmap.priority_fill(result.table, result.rgba, conf.criteria)
        fill = ui.dim_covered(fill)  # bureaux already covered in this campaign, faded
        deck = deckmap.deck_spec(geom, fill, no_data=conf.no_data_colour, stations=data.stations,
                                 selected=v.selected or None, borders=st.session_state["w_borders"],
                                 tooltip=tooltip)
        event = st.pydeck_chart(deck, height=600, key="priority-map", on_select="rerun",
                                selection_mode="single-object")
        if geom.groups is not None:
            st.caption(f"{fr.number(geom.n_bureaux)} bureaux : trop pour les dessiner un à un à chaque réglage. "
                       "La carte montre les départements, chacun de la couleur de son bureau médian ; "
                       "le classement et le détail restent par bureau. Pour la carte par bureau, "
                       "construisez le département comme territoire (page « Nouveau territoire »).")
        clicked = deckmap.selected_bureau(event)
        if clicked and clicked != v.selected:
            ui.select_bureau(clicked)
            st.rerun(scope="fragment")


def _legend(result: priority.PriorityResult, geom: deckmap.MapGeometry) -> None:
    st.markdown(ui.legend_html(result.legend, result.classes_note), unsafe_allow_html=True)
    if result.n_partial:
        policy = ("notés sur les critères disponibles" if ui.view().missing == "renormalise"
                  else "exclus, en gris")
        st.caption(f"⚠️ {result.n_partial} bureau(x) sans un ou plusieurs critères : {policy}.")
    if geom.groups is None:
        st.toggle("Contours", key="w_borders",
                  help="Trace la limite de chaque bureau de vote. Plus lent à redessiner sur les grands territoires.")
    st.caption("Passez la souris sur un bureau pour son score ; cliquez pour le détail.")


def _priority_view() -> None:
    weights_col, map_col, legend_col = st.columns([1.15, 3.2, 1.05], gap="medium")
    with ui.guard("les pondérations"):
        ui.weight_controls(weights_col, controls.unavailable)
    result = _compute(map_col)
    ui.publish_view()
    if result is None:
        return
    geom = ui.territory_geometry(data)
    ui.seed("w_borders", geom.n_bureaux <= deckmap.BORDERS_MAX_BUREAUX)  # before the map reads it
    with map_col:
        _map(result, geom)
    with legend_col:
        _legend(result, geom)
    # One panel at a time: st.tabs would build (and resend at every slider move) both.
    ui.seed("w_panel", "Bureau sélectionné")
    shown = st.segmented_control("Afficher", ["Bureau sélectionné", "Classement"], key="w_panel",
                                 label_visibility="collapsed")
    if shown == "Classement":
        with ui.guard("le classement"):
            ui.ranking_table(data, result, controls.values)
    else:
        with ui.guard("le détail du bureau"):
            ui.bureau_panel(data, result, controls.values)


priority_view()
st.caption(ui.sources_caption(data))
ui.publish_view()
