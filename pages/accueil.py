"""Home: choose a territory, see its bureaux and what the dataset holds (and lacks)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import criteria, fr, ui

data = ui.page_setup("Accueil")
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
    st.caption(f"Carte de référence : {fr.markdown_text(meta['reference_map'])} · construit le {meta['built_at'][:10]}")
    cols = st.columns(4)
    shapeless = cov.get("bureaux_without_contour", 0)
    cols[0].metric("Bureaux de vote", fr.number(cov["bureaux"] + shapeless),
                   help=f"dont {fr.number(shapeless)} sans contour (voir les contrôles des données)" if shapeless else None)
    cols[1].metric("Inscrits", fr.number(cov["registered"]))
    cols[2].metric("Adresses BAN", fr.number(cov["addresses"]))
    cols[3].metric("Gares et stations", cov["stations"])
    if cov["addresses"] is None:
        st.info(f"Adresses : {cov.get('addresses_missing_reason') or 'absentes de ce jeu de données'}.")
    elif cov["addresses_unassigned"]:
        st.caption(f"{fr.number(cov['addresses_unassigned'])} adresses BAN tombent hors de tout bureau "
                   "(bois, cimetières, limites) et ne sont pas utilisées.")

    with ui.guard("la carte des bureaux"):
        ui.territory_map(data, key="home-map", height="560px")
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
    ui.table(elections)

    st.subheader("Indicateurs")
    ui.table(pd.DataFrame(criteria.indicator_rows(meta["indicators"], conf.criteria)))
    st.subheader("Contrôles des données")
    flagged, dropped = data.anomalies, data.dropped
    excluded = flagged[flagged["exclude"]]
    if flagged.empty:
        st.success("Aucune anomalie détectée par les contrôles de la construction.")
    else:
        st.markdown(f"**{len(flagged)} signalement(s)** sur {flagged['bureau_id'].nunique()} bureau(x) ; "
                    f"**{excluded['bureau_id'].nunique()} bureau(x) atypique(s)** écarté(s) par défaut de la "
                    "carte, du classement et des listes (interrupteur « Inclure les bureaux atypiques » "
                    "dans la barre latérale).")
        ui.table(flagged.assign(exclude=flagged["exclude"].map({True: "oui", False: "non"}))
                     .rename(columns={"bureau_id": "Bureau", "kind_label": "Contrôle", "message": "Détail",
                                      "exclude": "Écarté"})[["Bureau", "Contrôle", "Écarté", "Détail"]])
    if not dropped.empty:
        st.markdown("**Lignes écartées pendant la construction**")
        ui.table(dropped.rename(columns={"source": "Source", "rows": "Lignes", "reason": "Raison"}))
    if meta.get("notes"):
        with st.expander("Notes de construction"):
            for note in meta["notes"]:
                st.markdown(f"- {fr.markdown_text(note)}")

    st.subheader("Sources et licences")
    for src in meta["sources"]:
        st.markdown(f"- **{fr.markdown_text(src['title'])}** — {fr.markdown_text(src['publisher'])} · "
                    f"{fr.markdown_text(src['licence'])} · {fr.source_link(src['url'])}")
    st.page_link("pages/carte.py", label="Ouvrir la carte des priorités →", icon=":material/map:")

ui.publish_view()
