"""Briefing mode: the priority map full-screen for a projector, and files to hand around."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib import geo, mapexport, priority, ui

data = ui.page_setup("Mode briefing", icon=":material/co_present:", sidebar=False)
if data is None:
    st.stop()
conf = ui.settings()

# Projector styling: no sidebar, large type, high contrast (the palette is colour-blind safe).
st.markdown("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
.block-container {padding-top: 1.2rem; max-width: 100%;}
.briefing h1 {font-size: 44px; margin: 0 0 .2rem 0; color: #111;}
.briefing .sub {font-size: 22px; color: #333;}
.briefing .weights {font-size: 26px; font-weight: 600; color: #111; margin: .4rem 0 .8rem 0;}
.briefing-legend span {font-size: 22px !important;} .briefing-legend b {font-size: 26px;}
.figure {font-size: 22px; margin: .2rem 0;} .figure b {font-size: 30px;}
.top10 {font-size: 20px;} .top10 td {padding: 2px 8px;}
</style>""", unsafe_allow_html=True)

controls, result = ui.priority_or_stop(data)
v = ui.view()
cap = conf.capacity
table = result.table
top_class = table["class_id"].max()
targeted = table[table["class_id"] == top_class].index
registered = float(data.bureaux["registered"].reindex(targeted).sum())
doors = registered / cap.registered_per_door
hours = doors / cap.doors_per_hour_collective
ours = ", ".join(v.ours) if v.ours else "non défini"
election = data.election(v.election)["label"] if v.election else ""

st.markdown(f"""<div class="briefing"><h1>{ui.esc(conf.campaign_name)} — {ui.esc(data.name)}</h1>
<div class="sub">Briefing du {date.today().strftime('%d/%m/%Y')} · élection de référence : {ui.esc(election)}
· notre camp : {ui.esc(ours)}</div>
<div class="weights">{ui.esc(result.sentence)}</div></div>""", unsafe_allow_html=True)

map_col, side_col = st.columns([2.2, 1], gap="large")
with map_col, ui.guard("la carte"):
    geom = ui.map_geometry(data.id, str(conf.data_dir))
    st.pydeck_chart(geo.deck_spec(geom, result.fill, stations=data.stations, tooltip=result.tooltip,
                                  borders=geom.n_bureaux <= geo.BORDERS_MAX_BUREAUX), height=760, key="briefing-map")
with side_col:
    st.markdown('<div class="briefing-legend">' + ui.legend_html(result.legend) + "</div>", unsafe_allow_html=True)
    st.markdown(
        f'<div class="figure"><b>{len(targeted)}</b> bureaux en priorité maximale</div>'
        f'<div class="figure"><b>{registered:,.0f}</b> inscrits couverts</div>'
        f'<div class="figure"><b>≈ {doors:,.0f}</b> portes (estimation)</div>'
        f'<div class="figure"><b>≈ {hours:,.0f}</b> heures-bénévoles</div>'.replace(",", "\u202f"),
        unsafe_allow_html=True)
    top = table.sort_values("rank").head(10)
    rows = "".join(f"<tr><td><b>{int(r)}</b></td><td>{ui.esc(data.bureaux.at[b, 'label'])}</td>"
                   f"<td>{s:.0f}</td></tr>" for b, r, s in zip(top.index, top["rank"], top["score"], strict=True))
    st.markdown(f'<div class="top10"><b>Les 10 premiers bureaux</b><table>{rows}</table></div>',
                unsafe_allow_html=True)

st.caption(ui.sources_caption(data))

with st.expander("Exporter la carte et les données", expanded=False), ui.guard("les exports"):
    provenance = {"Territoire": data.name, "Date": date.today().isoformat(), "Pondération": result.sentence,
                  "Notre camp": ours, "Élection de référence": election,
                  "Classes": f"{v.scheme}, {v.k} classes, normalisation {v.normalisation}",
                  "Lien": "?" + "&".join(f"{k}={val}" for k, val in st.query_params.to_dict().items()),
                  "Sources": ui.sources_caption(data)}
    scored = mapexport.scored_frame(data.bureaux, table, result.contributions)
    title = f"{conf.campaign_name} — priorités"
    ranking = priority.ranking(result, data.bureaux["label"], controls.values, conf)
    cols = st.columns(4)
    cols[0].download_button("Diapositive PNG 1920×1080",
                            lambda: mapexport.static_map_png(scored, data.outlines, result.legend, provenance,
                                                             title=title, stations=data.stations),
                            file_name="terrain_carte.png", mime="image/png", key="dl-png")
    cols[1].download_button("Carte PDF A4 (300 dpi)",
                            lambda: mapexport.static_map_pdf(scored, data.outlines, result.legend, provenance,
                                                             title=title, stations=data.stations),
                            file_name="terrain_carte.pdf", mime="application/pdf", key="dl-pdf")
    cols[2].download_button("Carte interactive HTML (hors ligne)",
                            lambda: mapexport.interactive_html(scored, data.outlines, result.legend, provenance,
                                                               title=title, stations=data.stations),
                            file_name="terrain_carte.html", mime="text/html", key="dl-html")
    cols[3].download_button("Classement Excel", lambda: mapexport.ranking_xlsx(ranking, provenance),
                            file_name="terrain_classement.xlsx", key="dl-xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols = st.columns(4)
    cols[0].download_button("Bureaux GeoJSON", lambda: mapexport.scored_geojson(scored, provenance),
                            file_name="terrain_bureaux.geojson", mime="application/geo+json", key="dl-geojson")
    cols[1].download_button("Bureaux GeoPackage", lambda: mapexport.scored_gpkg(scored, provenance),
                            file_name="terrain_bureaux.gpkg", mime="application/geopackage+sqlite3", key="dl-gpkg")
    cols[2].download_button("Classement CSV", lambda: priority.ranking_csv(ranking),
                            file_name="terrain_classement.csv", mime="text/csv", key="dl-csv-b")
    st.caption("Chaque fichier porte les réglages qui l'ont produit (titre, métadonnées).")

ui.publish_view()
