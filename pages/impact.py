"""« Mesure d'impact »: after the election, did the canvassing move turnout or our share?

Reads a saved walk plan's holdout (bureaux témoins drawn per stratum of five, Pons 2012) and two
elections of the territory (imported results included); the estimate, its uncertainty and a
plain-French reading come from :func:`lib.impact.measure_impact`.
"""

from __future__ import annotations

import streamlit as st

from lib import criteria as crit
from lib import door_value, fr, impact, store, ui

data = ui.page_setup("Mesure d'impact")
if data is None:
    st.stop()
conf = ui.settings()
st.title("Mesure d'impact")
st.caption("Comparez, strate par strate, les bureaux visités et les bureaux témoins tirés au sort dans votre plan, "
           "entre l'élection qui suit la campagne et la précédente élection comparable. Tout est calculé sur les "
           "résultats officiels par bureau : aucune donnée personnelle.")
campaign = ui.campaign_or_stop(
    data, "Choisissez la campagne dans la barre latérale : la mesure part d'un plan enregistré avec des "
          "bureaux témoins (« Listes de porte-à-porte » → Mesure d'impact).")

engine = ui.engine()
designs = {p.id: (p.name, store.holdout_design(engine, p.id)) for p in store.list_plans(engine, campaign)}
designs = {pid: d for pid, d in designs.items() if d[1] is not None and len(d[1])}
if not designs:
    st.info("Aucun plan de cette campagne n'a de bureaux témoins : cochez « Garder des bureaux témoins » sur la "
            "page des listes avant d'enregistrer le plan.")
    ui.publish_view()
    st.stop()

elections = crit.elections_with_results(data)
labels = {e["id"]: e["label"] for e in data.elections}
cols = st.columns(3)
plan_id = cols[0].selectbox("Plan avec témoins", list(designs), format_func=lambda p: designs[p][0], key="w_imp_plan")
after = cols[1].selectbox("Élection après la campagne", elections, key="w_imp_after",
                          format_func=lambda e: labels.get(e, e),
                          help="Importez ses résultats (« Importer des résultats ») s'ils ne sont pas dans les données.")
others = [e for e in elections if e != after] or elections
before = cols[2].selectbox("Élection de comparaison (avant)", others, key="w_imp_before",
                           format_func=lambda e: labels.get(e, e),
                           help="La précédente élection du même type : une municipale avec la municipale précédente.")


def _ours(election: str) -> tuple[str, ...]:
    """Our side in ``election``: the blocs of the map's view, else the candidates sharing our nuances."""
    v = ui.view()
    return tuple(crit.ours_in(data.results, election, crit.Choices(v.election, v.ours, blocs=v.blocs), conf.blocs))


bureau_names = data.bureaux["label"].to_dict()  # « Paris 10e — bureau 1018 », not its id


def _show(result: impact.ImpactResult, unit: str) -> None:
    m = st.columns(4)
    m[0].metric("Effet estimé", f"{fr.number(result.estimate, 1)} pt")
    low, high = result.ci_low, result.ci_high
    m[1].metric("Intervalle à 95 %", f"{fr.number(low, 1)} à {fr.number(high, 1)} pt")
    m[2].metric("p (inférence par randomisation)", fr.number(result.p_value, 3))
    m[3].metric(unit, fr.number(result.votes))
    st.markdown(result.reading.replace(" Limites. ", "\n\n**Limites.** "))  # the limits in their own paragraph
    with st.expander(f"Détail par strate ({fr.counted(result.n_strata, 'strate', 'strates')}, "
                     f"{fr.counted(result.n_treated, 'bureau visité', 'bureaux visités')}, "
                     f"{fr.counted(result.n_control, 'témoin', 'témoins')})"):
        strata = result.strata.assign(**{"bureau témoin": result.strata["bureau témoin"].map(bureau_names)})
        ui.table(strata)


with ui.guard("la mesure d'impact"):
    design = designs[plan_id][1]
    report = impact.measure_impact(design, impact.Election(data.results, after, _ours(after), label=labels.get(after, "")),
                                   impact.Election(data.results, before, _ours(before), label=labels.get(before, "")))
    st.subheader("Participation")
    _show(report.turnout, "Votants en plus (est.)")
    st.subheader("Score de notre camp")
    if report.our_share is None:
        st.info(report.our_share_reason)
    else:
        _show(report.our_share, "Voix en plus (est.)")

with st.expander("À comparer : ce que la littérature laissait attendre de ce plan (a priori)", expanded=True), \
        ui.guard("l'estimation a priori"):
    st.caption("L'estimation ci-dessus est celle de votre campagne ; celle-ci applique aux portes du plan l'effet "
               "moyen publié, avant toute mesure. Un écart entre les deux est attendu.")
    ui.door_value_panel(data, door_value.visited(designs[plan_id][1]["bureau_id"].tolist(), designs[plan_id][1]),
                        float(store.plan_turfs(engine, plan_id)["portes_estimees"].fillna(0).sum()), key="w_imp_votes")

ui.publish_view()
