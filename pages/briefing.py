"""Briefing mode: the priority map full-screen for a projector, and files to hand around."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib import capacity, exports, fr, mapexport, priority, ui

data = ui.page_setup("Mode briefing", sidebar=False)
if data is None:
    st.stop()
conf = ui.settings()
ui.panel_styles()

# Projector styling: no sidebar, large type, high contrast (the palette is colour-blind safe).
# No Streamlit header either: it lay over the top of the page and hid « ← Retour à la carte ».
st.markdown("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1.2rem; max-width: 100%;}
.briefing h1 {font-size: 44px; margin: 0 0 .2rem 0; color: #111;}
.briefing .sub {font-size: 22px; color: #333;}
.briefing .weights {font-size: 26px; font-weight: 600; color: #111; margin: .4rem 0 .8rem 0;}
.briefing-legend span {font-size: 22px !important;} .briefing-legend b {font-size: 26px;}
.figure {font-size: 22px; margin: .2rem 0;} .figure b {font-size: 30px;}
.top10 {font-size: 20px;} .top10 td {padding: 2px 8px;}
</style>""", unsafe_allow_html=True)

st.page_link("pages/carte.py", label="← Retour à la carte")  # the sidebar is hidden on a projector
controls, result = ui.priority_or_stop(data, widgets=False)  # the map's scenario, from the view alone
v = ui.view()
table = result.table
targeted = table[table["class_id"] == table["class_id"].max()].index.astype(str).tolist()
registered = float(data.bureaux["registered"].reindex(targeted).sum())
cap = conf.capacity
effort = capacity.targeted_effort(targeted, data.bureaux, data.addresses,
                                  registered_per_door=cap.registered_per_door,
                                  doors_per_hour_collective=cap.doors_per_hour_collective,
                                  doors_per_hour_individual=cap.doors_per_hour_individual)
hours = (fr.number(effort.hours_low) if effort.exact_mix
         else f"{fr.number(effort.hours_low)} à {fr.number(effort.hours_high)}")
ours = ", ".join(v.ours) if v.ours else "non défini"
election = data.election(v.election)["label"] if v.election else ""

st.markdown(f"""<div class="briefing"><h1>{fr.escape(conf.campaign_name)} — {fr.escape(data.name)}</h1>
<div class="sub">Briefing du {date.today().strftime('%d/%m/%Y')} · élection de référence : {fr.escape(election)}
· notre camp : {fr.escape(ours)}</div>
<div class="weights">{fr.escape(result.sentence)}</div></div>""", unsafe_allow_html=True)

map_col, side_col = st.columns([2.6, 1], gap="large")
with map_col, ui.guard("la carte"):
    ui.priority_map(data, result, key="briefing-map", numbered=10,
                    height="max(480px, calc(100vh - 230px))")  # fills a 1920×1080 projector
with side_col:
    st.markdown('<div class="briefing-legend">' + ui.legend_html(result.legend) + "</div>", unsafe_allow_html=True)
    mix = "" if effort.exact_mix else " (immeubles → pavillons)"
    st.markdown(
        f'<div class="figure"><b>{len(targeted)}</b> bureaux en priorité maximale</div>'
        f'<div class="figure"><b>{fr.number(registered)}</b> inscrits couverts</div>'
        f'<div class="figure"><b>≈ {fr.number(effort.doors)}</b> portes (estimation)</div>'
        f'<div class="figure"><b>≈ {hours}</b> heures-bénévoles{mix}</div>',
        unsafe_allow_html=True)
    top = table.sort_values("rank").head(10)
    rows = "".join(f"<tr><td><b>{int(r)}</b></td><td>{fr.escape(data.bureaux.at[b, 'label'])}</td>"
                   f"<td>{fr.number(s)}</td></tr>" for b, r, s in zip(top.index, top["rank"], top["score"], strict=True))
    st.markdown(f'<div class="top10"><b>Les 10 premiers bureaux</b><table>{rows}</table></div>',
                unsafe_allow_html=True)

st.caption(ui.sources_caption(data))

with st.expander("Exporter la carte et les données", expanded=False), ui.guard("les exports"):
    link = "?" + "&".join(f"{k}={val}" for k, val in st.query_params.to_dict().items())
    provenance = fr.provenance(territory=data.name, date=date.today().isoformat(), sentence=result.sentence,
                               sources=ui.sources_caption(data),
                               details={"Notre camp": ours, "Élection de référence": election,
                                        "Classes": f"{v.scheme}, {v.k} classes, normalisation {v.normalisation}",
                                        "Lien": link})
    ui.download_buttons(exports.MAP_EXPORTS, 4, key_prefix="dl", territory=data.id,
                        scored=mapexport.scored_frame(data.bureaux, table, result.contributions),
                        outlines=data.outlines, legend=result.legend, provenance=provenance,
                        title=f"{conf.campaign_name} — priorités", stations=data.stations,
                        ranking=priority.ranking(result, data.bureaux["label"], controls.values, conf,
                                                 data.anomalies))
    st.caption("Chaque fichier porte les réglages qui l'ont produit (titre, métadonnées).")

ui.publish_view()
