"""Walk lists: choose bureaux, plan capacity, cut routed turfs, print field packets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import capacity, exports, fr, geo, holdout, opposition, streetmap, ui, walk, walk_exports
from lib.config import BYTES_PER_MB

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
ui.walk_widget("w_walk_mode", "mode", "top_n")  # every setting of this page is in the link too
mode = st.radio("Choisir", ["top_n", "top_classes", "manual"], key="w_walk_mode", horizontal=True,
                format_func={"top_n": "Les N premiers", "top_classes": "Les classes les plus prioritaires",
                             "manual": "À la main"}.get)
if mode == "top_n":
    ui.walk_widget("w_walk_n", "n", min(10, len(ranked)))
    n = st.slider("Nombre de bureaux", 1, max(2, min(100, len(ranked))), key="w_walk_n")
    chosen = walk.choose_bureaux(result.table, mode="top_n", n=n)
elif mode == "top_classes":
    k = int(result.table["class_id"].max()) + 1
    ui.walk_widget("w_walk_classes", "classes", [k])
    classes = st.multiselect("Classes de priorité", list(range(1, k + 1)), key="w_walk_classes", placeholder="Choisir",
                             format_func=lambda c: f"Priorité {c}")
    chosen = walk.choose_bureaux(result.table, mode="top_classes", classes=[c - 1 for c in classes])
else:
    ui.walk_widget("w_walk_ids", "ids", ranked[:5])
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
    ui.walk_widget("w_holdout", "holdout", False)
    use_holdout = st.toggle("Garder des bureaux témoins", key="w_holdout")
    ui.walk_widget("w_seed", "seed", holdout.DEFAULT_SEED)
    seed = st.number_input("Graine du tirage (reproductible)", 0, 10**6, key="w_seed")
    design = holdout.holdout(chosen, seed=int(seed)) if use_holdout else None
    if design is not None:
        witnesses = holdout.shown(design, data.bureaux["label"].to_dict())
        ui.table(witnesses.drop(columns="Code bureau"))
        controls_csv = fr.csv_bytes(witnesses[design["groupe"].to_numpy() == holdout.CONTROL])
        st.download_button("Télécharger la liste des témoins (CSV)", controls_csv,
                           file_name="terrain_temoins.csv", mime="text/csv", key="dl-holdout")
        chosen = design.loc[design["groupe"] == holdout.VISIT, "bureau_id"].tolist()

# 2. Opposition list ------------------------------------------------------------------------
st.subheader("2. Liste d'opposition (droit d'opposition)")
st.caption("Adresses dont les habitants ont demandé à ne pas être visités : elles sont retirées de "
           "tous les parcours et exports. Sans campagne ouverte, le fichier reste en mémoire le temps de la "
           "session ; avec une campagne, il est gardé avec elle (jamais exporté, effaçable dans « Suivi du terrain »).")
upload = st.file_uploader("Fichier CSV d'adresses à exclure (colonne « adresse », ou « numero » + « voie » ; "
                          f"{fr.number(opposition.MAX_LINES)} lignes au plus)", type=["csv", "txt"], key="w_opposition")
opposed: frozenset[str] = frozenset()
with ui.guard("la liste d'opposition"):
    if upload is not None and upload.size > conf.max_upload_mb * BYTES_PER_MB:
        st.error(f"Fichier trop volumineux ({fr.number(upload.size / BYTES_PER_MB, 1)} Mo, limite {conf.max_upload_mb} Mo).")
    elif upload is not None:  # read and matched once per file, not at every rerun
        ui.keep_opposition(data, upload.getvalue(), upload.name, upload.file_id)
    listed, opposed_ids = ui.opposition_state(data)
    if listed is not None:
        opposed = opposition.opposed_in_bureaux(data.addresses, chosen, opposed_ids)
        if upload is None:
            st.caption(f"Liste d'opposition de la campagne : {fr.number(listed.lines)} ligne(s).")
        st.success(f"{fr.number(listed.matched_lines)} ligne(s) sur {fr.number(listed.lines)} reconnue(s) "
                   f"({fr.number(listed.addresses)} adresse(s) du territoire) : {fr.number(len(opposed))} "
                   "adresse(s) retirée(s) des parcours de ces bureaux.")
        unmatched = ui.unmatched_opposition(upload.file_id if upload is not None else None)
        if unmatched is not None and len(unmatched):
            with st.expander(f"{fr.number(len(unmatched))} ligne(s) non reconnue(s)"):
                ui.table(unmatched.head(500))

# 3. Capacity ----------------------------------------------------------------------------------
st.subheader("3. Capacité de la campagne")
cap = conf.capacity
cols = st.columns(6)
ui.walk_widget("w_cap_vol", "volunteers", cap.volunteers)
volunteers = cols[0].number_input("Bénévoles", 0, 10_000, key="w_cap_vol")
ui.walk_widget("w_cap_out", "outings", cap.outings_per_volunteer)
outings = cols[1].number_input("Sorties chacun", 0, 100, key="w_cap_out")
ui.walk_widget("w_cap_hours", "hours", cap.hours_per_outing)
hours = cols[2].number_input("Heures par sortie", 0.5, 12.0, step=0.5, format="%.1f", key="w_cap_hours")
ui.walk_widget("w_cap_coll", "rate_collective", cap.doors_per_hour_collective)
dph_coll = cols[3].number_input("Portes/h en immeuble", 1.0, 120.0, step=1.0, format="%.0f", key="w_cap_coll")
ui.walk_widget("w_cap_ind", "rate_individual", cap.doors_per_hour_individual)
dph_ind = cols[4].number_input("Portes/h en pavillon", 1.0, 120.0, step=1.0, format="%.0f", key="w_cap_ind")
ui.walk_widget("w_cap_rpd", "per_door", cap.registered_per_door)
per_door = cols[5].number_input("Inscrits par porte", 0.5, 5.0, step=0.1, format="%.1f", key="w_cap_rpd")
crew = capacity.Crew(int(volunteers), int(outings), float(hours), cap.team_size)
st.caption(f"{capacity.crew_text(crew)} Chaque parcours tient en une sortie d'un {crew.team_name} "
           f"(équipes de {cap.team_size}, réglage de config.toml) : portes frappées au rythme de l'habitat "
           "(portes/h par bénévole, à plusieurs en parallèle) plus la marche d'une adresse à l'autre. "
           "Les parcours sont pris dans l'ordre de priorité des bureaux tant qu'il reste des sorties.")
capacity_box = st.container()


def show_capacity(cov: capacity.TurfCoverage) -> None:
    """Headline figures of the plan, coverage said plainly, and the per-bureau detail."""
    m = st.columns(4)
    m[0].metric(f"Sorties de {crew.team_name}", f"{cov.outings_used} / {crew.team_outings}",
                help="Parcours du plan / sorties possibles (équipes × sorties de chacun).")
    partial = cov.count(capacity.PARTIAL)
    m[1].metric("Bureaux couverts", f"{cov.count(capacity.FULL)} / {len(chosen)}",
                f"et {partial} en partie" if partial else None, "off", delta_arrow="off",
                help="Bureaux dont tous les parcours sont dans le plan.")
    m[2].metric("Portes couvertes (est.)", fr.number(cov.doors))
    m[3].metric("Heures-bénévoles", fr.number(cov.volunteer_hours),
                help=f"Celles des parcours du plan, sur {fr.number(crew.volunteer_hours)} disponibles.")
    problem = capacity.crew_problem(crew)
    if problem:
        st.warning(problem)
    st.markdown(f"**{capacity.coverage_text(cov)}** {capacity.shortfall_text(cov)}")
    if long_turfs := capacity.long_turfs_text(cov):
        st.info(long_turfs)
    if design is not None and cov.count(capacity.FULL) < len(chosen):
        st.caption("Bureaux témoins : les bureaux « à visiter » hors capacité comptent quand même comme visités "
                   "dans la mesure d'impact (effet dilué) ; pour une mesure nette, choisissez les bureaux que la "
                   "capacité couvre en entier.")
    with st.expander("Détail par bureau, dans l'ordre de priorité"):
        detail = cov.bureaux.reset_index()
        ui.table(pd.DataFrame({"Bureau": detail["bureau_id"].map(labels).fillna(detail["bureau_id"]),
                               "Parcours": detail["parcours"], "Dans le plan": detail["planifies"],
                               "Portes (est.)": detail["portes"], "Couverture": detail["statut"]}))


# 4. Turfs ---------------------------------------------------------------------------------------
st.subheader("4. Parcours par équipe")
centre = data.bureaux.loc[data.bureaux.index.isin(chosen)]
near = geo.nearest_rows(data.stations, centre["centre_lon"].mean(), centre["centre_lat"].mean(), 12)
start_options = ["Aucun (au plus près du premier bloc)", *near["name"].astype(str).tolist()]
ui.walk_widget("w_start", "start", start_options[0])
if st.session_state["w_start"] not in start_options:  # a link naming a station of another selection
    st.session_state["w_start"] = start_options[0]
start_name = st.selectbox("Point de départ (gare, lieu de rendez-vous)", start_options, key="w_start")
ui.keep_walk(mode=(mode, "top_n"), n=(st.session_state.get("w_walk_n"), min(10, len(ranked))),
             classes=(st.session_state.get("w_walk_classes"), None), ids=(st.session_state.get("w_walk_ids"), None),
             holdout=(use_holdout, False), seed=(int(seed), holdout.DEFAULT_SEED),
             volunteers=(int(volunteers), cap.volunteers), outings=(int(outings), cap.outings_per_volunteer),
             hours=(float(hours), cap.hours_per_outing), rate_collective=(float(dph_coll), cap.doors_per_hour_collective),
             rate_individual=(float(dph_ind), cap.doors_per_hour_individual),
             per_door=(float(per_door), cap.registered_per_door), start=(start_name, start_options[0]))
start = None
if start_name != start_options[0]:
    row = near[near["name"] == start_name].iloc[0]
    start = (float(row["lon"]), float(row["lat"]))

with ui.guard("les parcours"):
    turf_plan = walk.TurfPlan(crew.outing_minutes, float(per_door), float(dph_coll), float(dph_ind), start,
                              crew.team_size)
    done = ui.done_to_skip()  # doors already done in this campaign, unless the user asked for them
    cut, cut_summary = ui.turfs_for(data.id, str(conf.data_dir), tuple(chosen), turf_plan, opposed | done)
    cov = capacity.fill_outings(cut, cut_summary, chosen, crew)
    turfs, summary_table = cov.keep(cut, cut_summary)  # the packet, the exports and the saved plan: these only
    with capacity_box:
        show_capacity(cov)
    if done:
        st.caption(f"{len(done)} adresse(s) déjà faites dans cette campagne retirées des parcours "
                   "(réglage « Tenir compte du terrain déjà fait » de la barre latérale).")
    if cut.empty:
        st.warning("Aucune adresse à visiter dans ces bureaux.")
        st.stop()
    if turfs.empty:
        st.info("Aucun parcours ne tient dans la capacité (voir « 3. Capacité de la campagne ») : "
                "pas de carte, de dossier ni d'export.")
        ui.publish_view()
        st.stop()
    planned = [b for b in chosen if b in set(turfs["bureau_id"])]
    colours = ui.turf_map(data, turfs, planned, key="turf-map")  # framed on the plan's bureaux
    st.html(ui.swatch_legend(colours))
    st.caption(streetmap.coverage_note(data.metadata, planned))
    labels_by_id = data.bureaux["label"].to_dict()
    named_turfs, named_summary = walk_exports.with_bureau_names(turfs, summary_table, labels_by_id)
    ui.table(walk_exports.summary_frame(named_summary))
    reserve = cut_summary[cut_summary["turf_id"].isin(cov.reserve)]
    if len(reserve):
        with st.expander(f"Parcours hors capacité (réserve) : {len(reserve)}"):
            st.caption("Ni dans le dossier ni dans les exports. Avec plus de bénévoles ou de sorties, ils "
                       "s'ajoutent au plan dans cet ordre, sans changer les parcours ci-dessus.")
            ui.table(walk_exports.summary_frame(walk_exports.summary_with_names(reserve, labels_by_id)))

    provenance = fr.provenance(territory=data.name, date=date.today().isoformat(), sentence=result.sentence,
                               sources=ui.sources_caption(data),  # BAN is among the dataset's sources
                               details={"Bureaux": fr.first_items([labels_by_id.get(b, b) for b in planned], 30),
                                        "Capacité": capacity.crew_text(crew),
                                        "Couverture": capacity.coverage_text(cov),
                                        "Adresses exclues (opposition)": len(opposed)})
    st.markdown("**Exports** — CSV et Excel (un onglet par équipe), dossier PDF à imprimer (une page par "
                "équipe, cases à cocher), GPX et GeoJSON pour les applications de navigation, carte HTML des "
                "parcours sur les rues (s'ouvre sans réseau) : les parcours du plan seulement.")
    ui.download_buttons(exports.WALK_EXPORTS, 3, key_prefix="dl", turfs=named_turfs, summary=named_summary,
                        provenance=provenance, title=f"{conf.campaign_name} — {data.name}", streets=data.streets,
                        network=ui.street_network_of(data.id, str(conf.data_dir)))
    ui.save_plan_form(turfs, summary_table, bureaux=planned,
                      design=design,
                      plan_settings={"outing_minutes": crew.outing_minutes, "team_size": crew.team_size,
                                     "volunteers": crew.volunteers, "outings_per_volunteer": crew.outings_per_volunteer,
                                     "volunteer_hours": cov.volunteer_hours, "capacity_doors": cov.doors,
                                     "capacity_bureaux": cov.count(capacity.FULL)})

ui.publish_view()
