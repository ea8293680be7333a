"""Priority controls: our side and options (sidebar), weights (beside the map).

Widgets first collect the choices; the criteria are then computed once for the final choices
(never with a half-updated view).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from lib import anomalies, classify, fr, potential, priority, scoring
from lib import criteria as crit
from lib.config import Settings
from lib.dataset import TerritoryData
from lib.errors import TerrainError
from lib.scoring import NoWeightsError
from lib.ui.loaders import (
    candidates,
    imports_key,
    normalised_criteria,
    potential_of,
    reserve_pair,
    settings,
    territory_data,
    with_imports,
)
from lib.ui.shell import guard
from lib.ui.state import publish_view, seed, set_view, update_view, view
from lib.viewstate import ViewState

DIRECTION_LABELS = {"favours": "favorise", "penalises": "pénalise"}


@dataclass(frozen=True)
class Controls:
    """The criteria of this run's choices (weight-independent, cached)."""

    values: pd.DataFrame
    unavailable: dict[str, str]
    normalised: scoring.NormalisedCriteria
    left_out: frozenset[str] = frozenset()  # « bureaux atypiques » set aside in this view
    election: str = ""  # the reference election these criteria read (the view's, or the most recent)
    potential: potential.Potential | None = None  # categories (bastion … difficile) and their movement


@dataclass(frozen=True)
class _Source:
    """Where the cached loaders read this session's territory (with its imports)."""

    data: TerritoryData
    data_dir: str
    key: str  # fingerprint of the session's imports ("" = none)

    @property
    def extra(self) -> TerritoryData | None:
        return self.data if self.key else None


def _on_blocs(election: str, territory_id: str) -> None:
    """Bloc multiselect callback: tick the candidates of the chosen blocs."""
    conf = settings()
    data = with_imports(territory_data(territory_id, str(conf.data_dir)))
    chosen = [conf.blocs[b] for b in st.session_state["w_blocs"]]
    cands = crit.candidates(data.results, election)
    members = set(crit.bloc_members(cands, chosen))
    for i, name in enumerate(cands["candidate"]):
        st.session_state[f"w_ours_{election}_{i}"] = name in members


def _candidate_label(name: str, nuance: object, share: float) -> str:
    nuance_txt = f" · {nuance}" if isinstance(nuance, str) and nuance else ""
    return f"{name}{nuance_txt} ({fr.percent(share)})"


def _our_side(sb, src: _Source, v: ViewState, conf: Settings,
              elections: list[str], labels: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """Reference election, blocs and ticked candidates."""
    sb.subheader("Notre camp")
    seed("w_election", v.election if v.election in elections else elections[0])
    if st.session_state["w_election"] not in elections:
        st.session_state["w_election"] = elections[0]
    election = sb.selectbox("Élection de référence", elections, key="w_election",
                            format_func=lambda e: labels.get(e, e),
                            help="Les « résultats passés » et l'abstention se lisent dans cette élection.")
    seed("w_blocs", [b for b in v.blocs if b in conf.blocs])
    blocs = sb.multiselect("Blocs de notre camp", list(conf.blocs), key="w_blocs",
                           format_func=lambda b: conf.blocs[b].label, on_change=_on_blocs,
                           args=(election, src.data.id), placeholder="Choisir un ou plusieurs blocs",
                           help="Coche d'un coup les candidats ou listes de ces familles politiques "
                                "(regroupement des nuances du Ministère défini dans config.toml).")
    cands = candidates(src.data.id, src.data_dir, election, src.key, src.extra)
    chosen_by_bloc = set(crit.bloc_members(cands, [conf.blocs[b] for b in blocs])) if blocs else set()
    ours: list[str] = []
    with sb.expander(f"Candidats et listes ({len(cands)})", expanded=False):
        for i, (name, nuance, share) in enumerate(zip(cands["candidate"], cands["nuance"], cands["share"],
                                                      strict=True)):
            box_key = f"w_ours_{election}_{i}"
            seed(box_key, name in v.ours or name in chosen_by_bloc)
            if st.checkbox(_candidate_label(str(name), nuance, share), key=box_key):
                ours.append(str(name))
    if not ours:
        needing = ", ".join(conf.criteria[c].label.lower() for c in crit.needs_our_side() if c in conf.criteria)
        sb.info(f"Cochez un bloc ou des candidats de votre camp pour activer : {needing}.")
    else:
        sb.caption(f"Notre camp : {len(ours)} candidat(s) ou liste(s).")
    return election, list(blocs), ours


def _reserve_pair(sb, src: _Source, v: ViewState, elections: list[str], labels: dict[str, str]) -> tuple[str, str]:
    """High- and low-turnout elections compared by the vote reserve."""
    high_default, low_default = reserve_pair(src.data.id, src.data_dir, src.key, src.extra)
    with sb.expander("Réserve de voix : élections comparées"):
        seed("w_high", v.high if v.high in elections else (high_default or elections[0]))
        seed("w_low", v.low if v.low in elections else (low_default or elections[-1]))
        high = st.selectbox("Élection à forte participation", elections, key="w_high",
                            format_func=lambda e: labels.get(e, e))
        low = st.selectbox("Élection à faible participation", elections, key="w_low",
                           format_func=lambda e: labels.get(e, e))
    return high, low


def _options(sb, v: ViewState, conf: Settings) -> dict[str, object]:
    """Normalisation, missing-value policy and classes."""
    with sb.expander("Options de calcul et de classes"):
        seed("w_norm", v.normalisation)
        norm = st.radio("Normalisation", list(scoring.NORMALISER_LABELS), key="w_norm",
                        format_func=scoring.NORMALISER_LABELS.get,
                        help="Chaque critère est ramené entre 0 et 1 au sein du territoire.")
        seed("w_missing", v.missing)
        missing = st.radio("Bureaux à qui il manque un critère", list(scoring.MISSING_POLICY_LABELS),
                           key="w_missing", format_func=scoring.MISSING_POLICY_LABELS.get)
        seed("w_scheme", v.scheme)
        scheme = st.selectbox("Classes", list(classify.SCHEME_LABELS), key="w_scheme",
                              format_func=classify.SCHEME_LABELS.get)
        seed("w_k", v.k)
        k = st.slider("Nombre de classes", conf.min_k, conf.max_k, key="w_k")
    return {"normalisation": norm, "missing": missing, "scheme": scheme, "k": int(k)}


def _atypical(sb, data: TerritoryData, v: ViewState) -> bool:
    """The « bureaux atypiques » toggle: anomalies of the dataset are left out unless asked."""
    on_map, said = anomalies.atypical_sidebar(data.metadata, data.bureaux["bureau_id"])
    if said and not on_map:
        sb.caption(said)
    if not on_map:
        return v.atypical
    seed("w_atypical", v.atypical)
    include = sb.toggle(f"Inclure les bureaux atypiques ({on_map})", key="w_atypical",
                        help="Bureaux que les contrôles de la construction signalent (contour minuscule, "
                             "abstention aberrante, résultats sans contour…) : la liste et les raisons sont "
                             "sur la page d'accueil. Écartés par défaut de la carte, du classement et des listes.")
    if not include:
        sb.caption(said)
    return include


def side_controls(data: TerritoryData, *, container=None) -> Controls:
    """Sidebar widgets for our side and calculation options; updates the view (not the weights).

    The weights are drawn apart (:func:`weight_controls`), beside the map, inside a fragment: a
    slider move then reruns the map and its panels only, not these ~30 sidebar widgets.
    """
    conf = settings()
    v = view()
    sb = container or st.sidebar
    elections = _elections(data)
    labels = {e["id"]: e["label"] + (" — reporté" if e.get("carried") else "") for e in data.elections}
    src = _Source(data, str(conf.data_dir), imports_key(data.id))
    election, blocs, ours = _our_side(sb, src, v, conf, elections, labels)
    high, low = _reserve_pair(sb, src, v, elections, labels)
    options = _options(sb, v, conf)
    include = _atypical(sb, data, v)
    update_view(election=election, ours=tuple(ours), blocs=tuple(blocs), high=high, low=low,
                atypical=include, **options)
    return view_controls(data, view())


def _elections(data: TerritoryData) -> list[str]:
    elections = crit.elections_with_results(data)
    if not elections:
        raise TerrainError("ce territoire n'a aucun résultat électoral : impossible de calculer une priorité.")
    return elections


def view_controls(data: TerritoryData, v: ViewState) -> Controls:
    """The criteria of a view, without any widget: what the briefing and the walk lists read, so
    they show exactly the map's scenario whichever page came before."""
    conf = settings()
    elections = _elections(data)
    src = _Source(data, str(conf.data_dir), imports_key(data.id))
    high_default, low_default = reserve_pair(data.id, src.data_dir, src.key, src.extra)
    election = v.election if v.election in elections else elections[0]
    high = v.high if v.high in elections else high_default
    low = v.low if v.low in elections else low_default
    left_out = frozenset() if v.atypical else frozenset(data.excluded_ids)
    choices = crit.Choices(election=election, ours=v.ours, high=high or None, low=low or None, blocs=v.blocs)
    values, unavailable, normalised = normalised_criteria(
        data.id, src.data_dir, choices, v.normalisation, left_out, src.key, src.extra)
    found = potential_of(data.id, src.data_dir, choices, src.key, src.extra)
    return Controls(values, unavailable, normalised, left_out, election, found)


def _apply_preset() -> None:
    conf = settings()
    preset = st.session_state["w_preset"]
    new = view().with_preset(conf, preset)
    set_view(new)
    if preset != "custom":
        for cid in conf.criteria:
            st.session_state[f"w_w_{cid}"] = int(new.weights.get(cid, 0))
            st.session_state[f"w_d_{cid}"] = DIRECTION_LABELS[new.direction(conf, cid)]


def _to_custom() -> None:
    st.session_state["w_preset"] = "custom"


def _direction_of(label: str | None, default: str) -> str:
    return next((d for d, text in DIRECTION_LABELS.items() if text == label), default)


def _criterion_controls(box, cid: str, v: ViewState, conf: Settings, *, direction: bool = True) -> tuple[int, str]:
    """One criterion's weight slider and (for a weighted one) its direction toggle."""
    criterion = conf.criteria[cid]
    seed(f"w_w_{cid}", int(v.weights.get(cid, 0)))
    seed(f"w_d_{cid}", DIRECTION_LABELS[v.direction(conf, cid)])
    weight = box.slider(criterion.label, 0, 100, key=f"w_w_{cid}", help=criterion.help, on_change=_to_custom)
    if not direction:  # shown once weighted: every widget here is re-sent at each slider move
        return weight, _direction_of(st.session_state.get(f"w_d_{cid}"), v.direction(conf, cid))
    chosen = box.segmented_control(
        f"Sens — {criterion.label}", list(DIRECTION_LABELS.values()), key=f"w_d_{cid}",
        label_visibility="collapsed", on_change=_to_custom, width="stretch")
    return weight, _direction_of(chosen, v.direction(conf, cid))


def _unavailable_note(box, unavailable: dict[str, str], conf: Settings) -> None:
    """Unavailable criteria in one folded note with their reasons (their weights stay in the view).

    One element, not a disabled slider each: every widget here is re-sent at each slider move.
    """
    groups = crit.same_reasons(conf.criteria, unavailable)
    with box.expander(f"Indisponibles ici ({sum(len(ids) for ids, _ in groups)})"):
        st.markdown("\n".join(
            f"- {', '.join(f'**{fr.markdown_text(conf.criteria[cid].label)}**' for cid in ids)} : {fr.markdown_text(reason)}"
            for ids, reason in groups))


def weight_controls(box, unavailable: dict[str, str]) -> None:
    """Preset selector, then the weighted criteria (slider and direction each); the other
    criteria one click away in an expander, so the bureau panel stays near the fold."""
    conf = settings()
    v = view()
    seed("w_preset", v.preset if v.preset in conf.presets else "custom")
    preset = box.selectbox("Préréglage", list(conf.presets), key="w_preset",
                           format_func=lambda p: conf.presets[p].label, on_change=_apply_preset,
                           help="Règle les curseurs en un clic ; bouger un curseur passe en « Personnalisé ».")
    box.caption(conf.presets[preset].help)
    available = [c for c in conf.criteria if c not in unavailable]
    weighted = [c for c in available if st.session_state.get(f"w_w_{c}", v.weights.get(c, 0))]
    others = [c for c in available if c not in weighted]
    weights: dict[str, int] = {}
    directions: dict[str, str] = {}
    for cid in weighted:
        weights[cid], directions[cid] = _criterion_controls(box, cid, v, conf)
    if others:
        with box.expander(f"Autres critères ({len(others)})", expanded=not weighted):
            for cid in others:
                weights[cid], directions[cid] = _criterion_controls(st, cid, v, conf, direction=False)
    if any(cid in unavailable for cid in conf.criteria):
        _unavailable_note(box, unavailable, conf)
        weights.update({cid: int(v.weights.get(cid, 0)) for cid in conf.criteria if cid in unavailable})
    update_view(preset=preset, weights=weights, directions={**view().directions, **directions})


def completed_view(data: TerritoryData, v: ViewState) -> ViewState:
    """The view as the map's sidebar completes it: the reference election (the most recent one
    with results when the link names none) and our side (the candidates the link names, plus
    those of the blocs it names, in that election).

    Why: a link may name our side by its blocs only (``camp=gauche``); the map's checkboxes then
    tick the blocs' candidates, but a page without them (the briefing) counted no one, and showed
    another formula and « notre camp : non défini » for the same link.
    """
    conf = settings()
    elections = _elections(data)
    election = v.election if v.election in elections else elections[0]
    src = _Source(data, str(conf.data_dir), imports_key(data.id))
    cands = candidates(src.data.id, src.data_dir, election, src.key, src.extra)
    chosen = [conf.blocs[b] for b in v.blocs if b in conf.blocs]
    members = set(crit.bloc_members(cands, chosen)) if chosen else set()
    ours = tuple(str(n) for n in cands["candidate"] if n in v.ours or n in members)
    return replace(v, election=election, ours=ours)


def current_priority(data: TerritoryData, *, widgets: bool = True
                     ) -> tuple[Controls, priority.PriorityResult | None]:
    """Controls and the priority result of the current view (pages other than the map).

    ``widgets``: draw the sidebar's our-side and options widgets (walk lists), or read the view
    alone (briefing: the view completed as the map's sidebar would). ``result`` is None (with a
    French message shown) when every weight is at zero.
    """
    if not widgets:
        set_view(completed_view(data, view()))
    controls = side_controls(data) if widgets else view_controls(data, view())
    try:
        result = priority.compute(controls.normalised, view(), settings(), controls.unavailable,
                                  atypical=controls.left_out)
    except NoWeightsError as err:
        st.warning(f"{err} (réglez les poids sur la carte des priorités)")
        return controls, None
    return controls, result


def priority_or_stop(data: TerritoryData, *, widgets: bool = True) -> tuple[Controls, priority.PriorityResult]:
    """:func:`current_priority`, or stop the page (message shown, URL kept) when there is none."""
    controls, result = None, None
    with guard("les réglages"):
        controls, result = current_priority(data, widgets=widgets)
    if result is None or controls is None:
        publish_view()
        st.stop()
    return controls, result
