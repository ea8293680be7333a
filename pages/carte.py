"""Priority map: our side, weighting sliders, coloured map, bureau panel, ranking."""

from __future__ import annotations

import streamlit as st

from lib import geo, priority, ui
from lib.scoring import NoWeightsError

data = ui.page_setup("Carte des priorités")
if data is None:
    st.stop()
conf = ui.settings()

st.title("Carte des priorités")
controls = None
with ui.guard("les réglages"):
    controls = ui.priority_controls(data)  # sidebar: our side, preset, sliders, options
if controls is None:
    st.stop()
v = ui.view()

with ui.guard("la carte"):
    try:
        result = priority.compute(controls.normalised, v, conf, controls.unavailable,
                                  labels=data.bureaux["label"])
    except NoWeightsError as err:
        st.warning(str(err), icon="⚖️")
        st.stop()
    st.markdown(f"**{result.sentence}**")
    if result.note:
        st.caption(result.note)

    geom = ui.map_geometry(data.id, str(conf.data_dir))
    map_col, legend_col = st.columns([4, 1])
    with map_col:
        deck = geo.make_deck(
            geo.deck_layers(geom, result.fill, stations=data.stations, selected=v.selected or None),
            geom.view, tooltip={"html": "{t}", "style": {"fontSize": "14px", "maxWidth": "320px"}})
        event = st.pydeck_chart(deck, height=620, key="priority-map", on_select="rerun",
                                selection_mode="single-object")
        clicked = geo.selected_bureau(event)
        if clicked and clicked != v.selected:
            ui.select_bureau(clicked)
            st.rerun()
    with legend_col:
        st.markdown(ui.legend_html(result.legend, result.classes_note), unsafe_allow_html=True)
        if result.n_partial:
            st.caption(f"⚠️ {result.n_partial} bureau(x) notés sans un ou plusieurs critères "
                       f"({'score sur les critères disponibles' if v.missing == 'renormalise' else 'exclus, en gris'}).")

    panel, table = st.tabs(["Bureau sélectionné", "Classement"])
    with panel:
        ui.bureau_panel(data, result, controls.values)
    with table:
        ui.ranking_table(data, result, controls.values)

st.caption(ui.sources_caption(data))
ui.publish_view()
