"""Home: choose a territory, see its bureaux and what the dataset holds (and lacks)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import geo, ui

data = ui.page_setup("Accueil", icon=":material/home:")
st.title("Terrain — où envoyer les équipes en premier ?")
st.markdown(
    "Terrain croise les **résultats passés par bureau de vote**, l'**abstention** et son évolution, "
    "le **logement social**, les **revenus** et la **distance aux gares** pour classer les bureaux, "
    "puis prépare les **listes de porte-à-porte**. Toutes les données sont publiques et agrégées : "
    "aucune donnée personnelle, aucune opinion individuelle."
)

if data is not None:
    conf = ui.settings()
    meta = data.metadata
    cov = meta["coverage"]
    st.header(data.name)
    st.caption(f"Carte de référence : {meta['reference_map']} · construit le {meta['built_at'][:10]}")
    cols = st.columns(4)
    cols[0].metric("Bureaux de vote", f"{cov['bureaux']:,}".replace(",", "\u202f"))
    cols[1].metric("Inscrits", f"{cov['registered']:,.0f}".replace(",", "\u202f"))
    cols[2].metric("Adresses BAN", "—" if cov["addresses"] is None
                   else f"{cov['addresses']:,}".replace(",", "\u202f"))
    cols[3].metric("Gares et stations", cov["stations"])
    if cov["addresses"] is None:
        st.info(f"Adresses : {cov.get('addresses_missing_reason') or 'absentes de ce jeu de données'}.")
    elif cov["addresses_unassigned"]:
        st.caption(f"{cov['addresses_unassigned']:,} adresses BAN tombent hors de tout bureau "
                   "(bois, cimetières, limites) et ne sont pas utilisées.".replace(",", "\u202f"))

    with ui.guard("la carte des bureaux"):
        geom = ui.map_geometry(data.id, str(conf.data_dir))
        areas = data.bureaux["area_code"].astype("category").cat.codes.to_numpy()
        tones = [[199, 214, 230, 200], [222, 222, 210, 200], [206, 226, 210, 200], [232, 214, 214, 200]]
        registered = data.bureaux["registered"]
        fill = pd.DataFrame({
            "colour": [tones[a % len(tones)] for a in areas],
            "s": registered.map(lambda r: "inscrits inconnus" if pd.isna(r)
                                else f"{r:,.0f} inscrits".replace(",", "\u202f")).to_numpy(),
            "r": data.bureaux["commune_name"].map(ui.esc).to_numpy(), "t": "",
        }, index=data.bureaux["bureau_id"].to_numpy())
        deck = geo.deck_spec(geom, fill, stations=data.stations, line_colour=(120, 120, 120), borders=True,
                             tooltip={"html": "<b>{n}</b><br/>{s}<br/>{r}"})
        st.pydeck_chart(deck, height=560, key="home-map")
        st.caption("Fond de carte dessiné par Terrain (contours, noms, gares) : lisible sans connexion.")

    st.subheader("Élections disponibles")
    elections = pd.DataFrame([{
        "Élection": e["label"],
        "Valeurs": ("résultats seulement en %" if e["value_kind"] == "share" else
                    "voix" if e["value_kind"] == "votes" else "abstention seulement"),
        "Reporté d'un autre découpage": "oui (reporté)" if e["carried"] else "non",
        "Bureaux couverts": e["bureaux"],
        "Source": e["source"],
    } for e in reversed(data.elections)])
    st.dataframe(elections, hide_index=True, width="stretch")

    st.subheader("Indicateurs")
    rows = []
    for ind in meta["indicators"]:
        if ind["id"].startswith("abstention_") and ind["id"] != "abstention_trend":
            continue
        rows.append({"Indicateur": ind.get("label", ind["id"]),
                     "Disponible": "oui" if ind["available"] else "non",
                     "Unité": ind.get("unit", ""),
                     "Source / raison": (f"{ind.get('source', '')} {ind.get('year') or ''}".strip()
                                         if ind["available"] else ind.get("reason", ""))})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if meta.get("notes"):
        with st.expander("Notes de construction"):
            for note in meta["notes"]:
                st.markdown(f"- {ui.esc(note)}")

    st.subheader("Sources et licences")
    for src in meta["sources"]:
        st.markdown(f"- **{ui.esc(src['title'])}** — {ui.esc(src['publisher'])} · "
                    f"{ui.esc(src['licence'])} · [{ui.esc(src['url'])}]({ui.esc(src['url'])})")
    st.page_link("pages/carte.py", label="Ouvrir la carte des priorités →", icon=":material/map:")

ui.publish_view()
