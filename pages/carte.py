"""Priority map: our side (sidebar), weights beside the map, legend, bureau panel, ranking."""

from __future__ import annotations

import streamlit as st

from lib import fr, priority, ui
from lib.maps.styles import BORDERS_MAX_BUREAUX, POTENTIAL_COLOURS
from lib.potential import CATEGORIES, explanation
from lib.scoring import NoWeightsError

data = ui.page_setup("Carte des priorités")
if data is None:
    st.stop()
conf = ui.settings()
MAP_HEIGHT = "max(420px, calc(100vh - 190px))"  # the largest thing on a 1366×768 laptop
with ui.guard("la campagne"):
    ui.campaign_sidebar(data)
    ui.scenario_controls()
# Less blank space above the title: on a 1366×768 laptop the map must be the largest thing.
st.html("<style>.block-container {padding-top: 2.2rem;}</style>")
ui.panel_styles()
st.markdown(f"#### Carte des priorités — {fr.markdown_text(data.name)}")

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


def _department_map(result: priority.PriorityResult) -> None:
    """The optional one-shape-per-département view of a large territory."""
    ui.department_map(data, result, key="priority-map-departements", height=MAP_HEIGHT)
    st.caption("Chaque département prend la couleur de son bureau médian ; le classement et le détail "
               "restent par bureau.")


def _map(result: priority.PriorityResult) -> None:
    """The priority map: every bureau, recoloured at each move (geometry sent once)."""
    v = ui.view()
    if st.session_state.get("w_departments"):
        _department_map(result)
        return
    if st.session_state.get("w_potential") and controls.potential is not None and len(controls.potential.frame):
        clicked = ui.potential_map(data, controls.potential, key="potential-map", selected=v.selected or None,
                                   height=MAP_HEIGHT)
        if clicked and clicked != v.selected:
            ui.select_bureau(clicked)
            st.rerun(scope="fragment")
        return
    rgba = ui.dim_covered(result.table.index, result.rgba)  # bureaux already covered in this campaign, faded
    clicked = ui.priority_map(data, result, key="priority-map", selected=v.selected or None,
                              borders=st.session_state["w_borders"], rgba=rgba, height=MAP_HEIGHT,
                              qpv=bool(st.session_state.get("w_qpv")))
    if clicked and clicked != v.selected:
        ui.select_bureau(clicked)
        st.rerun(scope="fragment")  # the selection outline, the panel and the URL follow the click



def _legend(result: priority.PriorityResult, n_bureaux: int) -> None:
    """Legend, partial-data note and hint in one block (each element is re-sent at every move)."""
    notes = []
    if result.n_partial:
        policy = ("notés sur les critères disponibles" if ui.view().missing == "renormalise"
                  else "exclus, en gris")
        notes.append(f"⚠️ {result.n_partial} bureau(x) sans un ou plusieurs critères : {policy}.")
    notes.append("Passez la souris sur un bureau pour son score ; cliquez pour le détail.")
    st.markdown(ui.legend_html(result.legend, result.classes_note)
                + "".join(f'<div class="tl-note">{fr.escape(n)}</div>'
                          for n in notes), unsafe_allow_html=True)
    st.toggle("Contours", key="w_borders",
              help="Trace la limite de chaque bureau de vote. Plus lent à redessiner sur les grands territoires.")
    _potential_toggle()
    qpv = data.indicator("qpv_share") or {}
    st.toggle("Quartiers prioritaires (QPV)", key="w_qpv", disabled=not qpv.get("available"),
              help="Contour violet des quartiers prioritaires de la politique de la ville (ANCT, liste 2024)."
                   + ("" if qpv.get("available") else f" Indisponible : {qpv.get('reason', 'pas de fichier QPV')}."))
    if n_bureaux > conf.map_point_threshold:
        st.toggle("Vue par département", key="w_departments",
                  help="Une forme par département, de la couleur de son bureau médian.")


def _potential_toggle() -> None:
    """Colour the map by potential category instead of priority (its legend under the switch)."""
    found = controls.potential
    st.toggle("Catégories de potentiel", key="w_potential", disabled=found is None or not len(found.frame),
              help="Bastion, favorable, disputé, difficile : écart de notre score à notre moyenne du territoire. "
                   "Contour noir : catégorie changée depuis l'élection précédente du même type."
                   + (f" Indisponible : {found.note}." if found is not None and not len(found.frame) else ""))
    if st.session_state.get("w_potential") and found is not None and len(found.frame):
        counts = found.frame["category"].value_counts()
        st.markdown(ui.swatch_legend({c: POTENTIAL_COLOURS[c] for c in reversed(CATEGORIES)},
                                     {c: fr.counted(int(counts.get(c, 0)), "bureau", "bureaux") for c in CATEGORIES}),
                    unsafe_allow_html=True)
        st.caption(explanation(found, conf.potential))


def _panels(result: priority.PriorityResult) -> None:
    """One panel at a time: st.tabs would build (and resend at every slider move) both."""
    ui.seed("w_panel", "Bureau sélectionné")
    if st.session_state.pop("_show_panel", False):  # a ranking row was clicked: show that bureau
        st.session_state["w_panel"] = "Bureau sélectionné"
    shown = st.segmented_control("Afficher", ["Bureau sélectionné", "Classement"], key="w_panel",
                                 label_visibility="collapsed")
    if shown == "Classement":
        with ui.guard("le classement"):
            ui.ranking_table(data, result, controls.values, controls.potential)
    else:
        with ui.guard("le détail du bureau"):
            ui.bureau_panel(data, result, controls.values, controls.potential)


def _our_side_hint(result: priority.PriorityResult) -> None:
    """Where the eye is (above the map): what this scenario waits for before it is complete."""
    waiting, share = result.waiting_for_our_side(ui.view())
    if waiting:
        names = " et ".join(f"« {conf.criteria[c].label} »" for c in waiting)
        st.warning(f"Ce réglage compte {names} pour {fr.number(100 * share)} % des poids : choisissez **notre "
                   "camp** dans la barre latérale (« Blocs de notre camp »). En attendant, la carte ne pèse que "
                   "les autres critères.", icon=":material/arrow_back:")


def _priority_view() -> None:
    side_col, map_col = st.columns([1.05, 3.6], gap="medium")
    with ui.guard("les pondérations"):
        ui.weight_controls(side_col, controls.unavailable)
    legend_box = side_col.container()
    result = _compute(map_col)
    ui.publish_view()
    if result is None:
        return
    n_bureaux = len(result.table)
    ui.seed("w_borders", n_bureaux <= BORDERS_MAX_BUREAUX)  # before the map reads it
    ui.seed("w_departments", False)
    ui.seed("w_potential", False)
    ui.seed("w_qpv", False)
    with legend_box:
        _legend(result, n_bureaux)
    with map_col:
        _our_side_hint(result)
        note = f'<br/><span style="font-size:.85rem;color:#555">{fr.escape(result.note)}</span>' if result.note else ""
        head, share = st.columns([4, 1], vertical_alignment="center")
        head.markdown(f"<b>{fr.escape(result.sentence)}</b>{note}", unsafe_allow_html=True)
        with share:
            ui.copy_link_button()
        with ui.guard("la carte"):
            _map(result)
    _panels(result)


priority_view()
st.caption(ui.sources_caption(data))
ui.publish_view()
