"""Walk lists: choose bureaux, plan capacity, cut routed turfs, print field packets."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib import capacity, exports, fr, geo, holdout, opposition, ui, walk

data = ui.page_setup("Listes de porte-à-porte")
if data is None:
    st.stop()
conf = ui.settings()
with ui.guard("la campagne"):
    ui.campaign_sidebar(data)
st.title("Listes de porte-à-porte")
st.caption("Des bureaux prioritaires aux parcours : adresses dans l'ordre de marche, par équipe, "
           "sur papier et sur téléphone. Aucune donnée personnelle : des adresses, sans noms.")

if data.addresses is None:
    st.info("Adresses indisponibles pour ce territoire : "
            f"{data.metadata['coverage'].get('addresses_missing_reason') or 'pas de fichier BAN'}. "
            "Choisissez un territoire avec adresses (Paris) dans la barre latérale.")
    ui.publish_view()
    st.stop()

controls, result = ui.priority_or_stop(data)
labels = ui.bureau_label_map(data, result)
ranked = result.table.dropna(subset=["score"]).sort_values("rank").index.astype(str).tolist()
st.markdown(f"**{result.sentence}** — réglages de la carte des priorités.")

# 1. Choose bureaux ------------------------------------------------------------------------
st.subheader("1. Bureaux à couvrir")
ui.seed("w_walk_mode", "top_n")
mode = st.radio("Choisir", ["top_n", "top_classes", "manual"], key="w_walk_mode", horizontal=True,
                format_func={"top_n": "Les N premiers", "top_classes": "Les classes les plus prioritaires",
                             "manual": "À la main"}.get)
if mode == "top_n":
    ui.seed("w_walk_n", min(10, len(ranked)))
    n = st.slider("Nombre de bureaux", 1, max(2, min(100, len(ranked))), key="w_walk_n")
    chosen = walk.choose_bureaux(result.table, mode="top_n", n=n)
elif mode == "top_classes":
    k = int(result.table["class_id"].max()) + 1
    ui.seed("w_walk_classes", [k])
    classes = st.multiselect("Classes de priorité", list(range(1, k + 1)), key="w_walk_classes", placeholder="Choisir",
                             format_func=lambda c: f"Priorité {c}")
    chosen = walk.choose_bureaux(result.table, mode="top_classes", classes=[c - 1 for c in classes])
else:
    ui.seed("w_walk_ids", ranked[:5])
    picked = st.multiselect("Bureaux", ranked, key="w_walk_ids", format_func=lambda b: labels.get(b, b),
                            placeholder="Choisir des bureaux")
    chosen = walk.choose_bureaux(result.table, mode="manual", ids=picked)
if not chosen:
    st.warning("Aucun bureau choisi : ajustez la sélection.")
    st.stop()

with st.expander("Mesure d'impact : bureaux témoins (plan de Pons 2012)"):
    st.caption("Les bureaux choisis sont groupés par strates de 5 selon leur score ; un bureau par strate "
               "complète est tiré au sort et n'est pas visité. Après l'élection, comparez les résultats "
               "officiels des bureaux visités et témoins, strate par strate.")
    ui.seed("w_holdout", False)
    use_holdout = st.toggle("Garder des bureaux témoins", key="w_holdout")
    ui.seed("w_seed", 2012)
    seed = st.number_input("Graine du tirage (reproductible)", 0, 10**6, key="w_seed")
    design = holdout.holdout(chosen, seed=int(seed)) if use_holdout else None
    if design is not None:
        st.dataframe(design.assign(bureau=design["bureau_id"].map(labels)), hide_index=True, width="stretch")
        controls_csv = fr.csv_bytes(design[design["groupe"] == "témoin"])
        st.download_button("Télécharger la liste des témoins (CSV)", controls_csv,
                           file_name="terrain_temoins.csv", mime="text/csv", key="dl-holdout")
        chosen = design.loc[design["groupe"] == "visiter", "bureau_id"].tolist()

# 2. Opposition list ------------------------------------------------------------------------
st.subheader("2. Liste d'opposition (droit d'opposition)")
st.caption("Adresses dont les habitants ont demandé à ne pas être visités : elles sont retirées de "
           "tous les parcours et exports. Sans campagne ouverte, le fichier reste en mémoire le temps de la "
           "session ; avec une campagne, il est gardé avec elle (jamais exporté, effaçable dans « Suivi du terrain »).")
upload = st.file_uploader("Fichier CSV d'adresses à exclure (colonne « adresse », ou « numero » + « voie »)",
                          type=["csv", "txt"], key="w_opposition")
opposed: frozenset[str] = frozenset()
listed = None
with ui.guard("la liste d'opposition"):
    if upload is not None and upload.size > conf.max_upload_mb * 1_000_000:
        st.error(f"Fichier trop volumineux ({upload.size / 1e6:.1f} Mo, limite {conf.max_upload_mb} Mo).")
    elif upload is not None:
        listed = opposition.read_opposition_csv(upload.getvalue(), upload.name)
        ui.keep_opposition(listed)
    else:
        listed = ui.stored_opposition()
        if listed is not None:
            st.caption(f"Liste d'opposition de la campagne : {len(listed)} ligne(s).")
    if listed is not None:
        match = opposition.match_opposition(data.addresses[data.addresses["bureau_id"].isin(chosen)], listed)
        opposed = match.opposed_ids
        st.success(f"{match.n_matched_lines} ligne(s) sur {match.n_lines} reconnue(s) : "
                   f"{len(opposed)} adresse(s) retirée(s) des parcours.")
        if len(match.unmatched):
            with st.expander(f"{len(match.unmatched)} ligne(s) non reconnue(s)"):
                st.dataframe(match.unmatched, hide_index=True, width="stretch")

# 3. Capacity ----------------------------------------------------------------------------------
st.subheader("3. Capacité de la campagne")
cap = conf.capacity
cols = st.columns(6)
ui.seed("w_cap_vol", cap.volunteers)
volunteers = cols[0].number_input("Bénévoles", 0, 10_000, key="w_cap_vol")
ui.seed("w_cap_out", cap.outings_per_volunteer)
outings = cols[1].number_input("Sorties chacun", 0, 100, key="w_cap_out")
ui.seed("w_cap_hours", cap.hours_per_outing)
hours = cols[2].number_input("Heures par sortie", 0.5, 12.0, step=0.5, key="w_cap_hours")
ui.seed("w_cap_coll", cap.doors_per_hour_collective)
dph_coll = cols[3].number_input("Portes/h en immeuble", 1.0, 120.0, key="w_cap_coll")
ui.seed("w_cap_ind", cap.doors_per_hour_individual)
dph_ind = cols[4].number_input("Portes/h en pavillon", 1.0, 120.0, key="w_cap_ind")
ui.seed("w_cap_rpd", cap.registered_per_door)
per_door = cols[5].number_input("Inscrits par porte", 0.5, 5.0, step=0.1, key="w_cap_rpd")

with ui.guard("le plan de capacité"):
    work_addresses = walk.addresses_for(data.addresses, data.bureaux.reset_index(drop=True), ranked,
                                        registered_per_door=per_door)
    workload = capacity.bureau_workload(work_addresses, doors_per_hour_collective=dph_coll,
                                        doors_per_hour_individual=dph_ind)
    available = capacity.volunteer_hours(volunteers, outings, hours)
    plan, summary = capacity.coverage_plan(chosen, workload, available)
    m = st.columns(4)
    m[0].metric("Heures-bénévoles", fr.number(available))
    m[1].metric("Bureaux couverts", f"{summary.bureaux_covered} / {len(chosen)}")
    m[2].metric("Portes couvertes (est.)", fr.number(summary.doors))
    m[3].metric("Heures pour tout couvrir", fr.number(summary.hours_needed_all))
    st.caption("Estimations : inscrits du bureau répartis sur ses adresses ; portes = inscrits ÷ inscrits "
               "par porte ; le temps de marche entre adresses est compris dans les portes/heure.")
    with st.expander("Détail par bureau, dans l'ordre de priorité"):
        st.dataframe(plan.assign(bureau=plan["bureau_id"].map(labels)), hide_index=True, width="stretch")

# 4. Turfs ---------------------------------------------------------------------------------------
st.subheader("4. Parcours par équipe")
c1, c2 = st.columns([1, 2])
ui.seed("w_target", conf.target_doors)
target = c1.slider("Portes par équipe et par sortie (cible)", 30, 400, step=10, key="w_target")
centre = data.bureaux.loc[data.bureaux.index.isin(chosen)]
near = geo.nearest_rows(data.stations, centre["centre_lon"].mean(), centre["centre_lat"].mean(), 12)
start_options = ["Aucun (au plus près du premier bloc)", *near["name"].astype(str).tolist()]
start_name = c2.selectbox("Point de départ (gare, lieu de rendez-vous)", start_options, key="w_start")
start = None
if start_name != start_options[0]:
    row = near[near["name"] == start_name].iloc[0]
    start = (float(row["lon"]), float(row["lat"]))

TURF_COLUMNS = {"turf_id": "Équipe", "bureaux": "Bureaux", "adresses": "Adresses", "portes_estimees": "Portes (est.)",
                "inscrits_estimes": "Inscrits (est.)", "parcours_m": "Parcours (m)",
                "minutes_estimees": "Durée binôme (min, est.)"}
with ui.guard("les parcours"):
    turf_plan = walk.TurfPlan(int(target), float(per_door), float(dph_coll), float(dph_ind), start)
    done = ui.done_to_skip()  # doors already done in this campaign, unless the user asked for them
    turfs, summary_table = ui.turfs_for(data.id, str(conf.data_dir), tuple(chosen), turf_plan, opposed | done)
    if done:
        st.caption(f"{len(done)} adresse(s) déjà faites dans cette campagne retirées des parcours "
                   "(réglage « Tenir compte du terrain déjà fait » de la barre latérale).")
    if turfs.empty:
        st.warning("Aucune adresse à visiter dans ces bureaux.")
        st.stop()
    colours = ui.turf_map(data, turfs, chosen, key="turf-map")
    st.html(ui.swatch_legend(colours))
    st.dataframe(summary_table.rename(columns=TURF_COLUMNS), hide_index=True, width="stretch")

    provenance = fr.provenance(territory=data.name, date=date.today().isoformat(), sentence=result.sentence,
                               sources="BAN (Licence Ouverte 2.0) ; " + ui.sources_caption(data),
                               details={"Bureaux": ", ".join(chosen[:30]) + ("…" if len(chosen) > 30 else ""),
                                        "Cible": f"{target} portes par équipe",
                                        "Adresses exclues (opposition)": len(opposed)})
    st.markdown("**Exports** — CSV et Excel (un onglet par équipe), dossier PDF à imprimer (une page par "
                "équipe, cases à cocher), GPX et GeoJSON pour les applications de navigation.")
    ui.download_buttons(exports.WALK_EXPORTS, 5, key_prefix="dl", turfs=turfs, summary=summary_table,
                        provenance=provenance, title=f"{conf.campaign_name} — {data.name}")
    ui.save_plan_form(turfs, summary_table, bureaux=chosen, design=design,
                      plan_settings={"target_doors": int(target), "volunteer_hours": available,
                                     "capacity_doors": summary.doors, "capacity_bureaux": summary.bureaux_covered})

ui.publish_view()
