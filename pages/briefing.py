"""Briefing mode: the priority map full-screen for a projector, and files to hand around."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib import briefing, exports, fr, mapexport, potential, priority, ui
from lib.viewstate import to_query

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
/* Side column: the whole top 10 on a 1920×1080 projector without scrolling, nothing under 20 px. */
.brief-side {font-size: 20px; line-height: 1.3; color: #111;}
.brief-legend > div > b, .brief-h {display: block; font-size: 22px; font-weight: 700; margin: .5rem 0 .15rem;}
.brief-legend .tl-row {margin: .1rem 0;} .brief-legend .tl-lab {font-size: 20px;}
.brief-figs {display: grid; grid-template-columns: auto 1fr; column-gap: .5rem; row-gap: .1rem;
  align-items: baseline;}
.brief-figs b {font-size: 26px; text-align: right; white-space: nowrap;}
.brief-top {list-style: none; margin: 0; padding: 0;}
.brief-top li.brief-row {display: grid; grid-template-columns: 1.9rem 1fr auto; column-gap: .5rem;
  align-items: center; margin: 0 0 .2rem 0; padding: 0;}
.brief-n {display: flex; align-items: center; justify-content: center; width: 1.75rem; height: 1.75rem;
  box-sizing: border-box; border: 2px solid #111; border-radius: 50%; font-size: 20px; font-weight: 700;}
.brief-lab {white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
</style>""", unsafe_allow_html=True)

st.page_link("pages/carte.py", label="← Retour à la carte")  # the sidebar is hidden on a projector
controls, result = ui.priority_or_stop(data, widgets=False)  # the map's scenario, from the view alone
v = ui.view()
table = result.table
figures = briefing.key_figures(table, data.bureaux, data.addresses, conf.capacity)
notes = ui.bureau_notes(data, controls.potential)
top = briefing.top_ten(table.assign(label=data.bureaux["label"].reindex(table.index),
                                    **{briefing.POTENTIAL: potential.labels_for(controls.potential, table.index)}))
ours = ", ".join(v.ours) if v.ours else "non défini"
election = data.election(controls.election)["label"]  # the one the criteria read, even when the link names none

st.markdown(f"""<div class="briefing"><h1>{fr.escape(conf.campaign_name)} — {fr.escape(data.name)}</h1>
<div class="sub">Briefing du {date.today().strftime('%d/%m/%Y')} · élection de référence : {fr.escape(election)}
· notre camp : {fr.escape(ours)}</div>
<div class="weights">{fr.escape(result.sentence)}</div></div>""", unsafe_allow_html=True)

map_col, side_col = st.columns([2.6, 1], gap="large")
with map_col, ui.guard("la carte"):
    ui.priority_map(data, result, key="briefing-map", numbered=10, qpv=True,
                    height="max(480px, calc(100vh - 230px))")  # fills a 1920×1080 projector
with side_col:
    legend = ui.legend_html(briefing.short_legend(result.legend), title=briefing.legend_title(result.legend))
    st.markdown(f'<div class="brief-side"><div class="brief-legend">{legend}</div>{briefing.side_html(figures, top)}</div>',
                unsafe_allow_html=True)

st.caption(ui.sources_caption(data))

with st.expander("Exporter la carte et les données", expanded=False), ui.guard("les exports"):
    link = fr.view_link(ui.app_base_url("briefing"), "briefing", to_query(v, conf))  # the view, even before the URL has it
    provenance = fr.provenance(territory=data.name, date=date.today().isoformat(), sentence=result.sentence,
                               sources=ui.sources_caption(data),
                               details={"Notre camp": ours, "Élection de référence": election,
                                        "Classes": f"{v.scheme}, {v.k} classes, normalisation {v.normalisation}",
                                        "Lien": link,
                                        "Élection importée": priority.export_note(result, conf) or None})
    ui.download_buttons(exports.MAP_EXPORTS, 4, key_prefix="dl", territory=data.id,
                        scored=mapexport.scored_frame(data.bureaux, table, result.contributions, result.withheld,
                                                     notes),
                        outlines=data.outlines, legend=result.legend, provenance=provenance,
                        title=f"{conf.campaign_name} — priorités", stations=data.stations, figures=figures,
                        qpv=mapexport.qpv_frame((data.indicator("qpv_share") or {}).get("qpv_outlines")),
                        ranking=priority.ranking(result, data.bureaux["label"], controls.values, conf,
                                                 data.anomalies, notes))
    st.caption("Chaque fichier porte les réglages qui l'ont produit (titre, métadonnées). "
               + priority.export_note(result, conf))

ui.publish_view()
