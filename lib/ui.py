"""The only Streamlit module of ``lib``: cached loaders, shared state and shared widgets.

State model: the canonical view (:class:`lib.viewstate.ViewState`) lives in
``st.session_state["view"]``; widgets have their own keys, seeded from the view when missing
(so values survive page changes, which clean up widget keys), and the view is written back to
``st.query_params`` at the end of each run so the URL always reproduces the screen.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import logging
import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from lib import classify, geo, scoring
from lib import criteria as crit
from lib.config import Settings, load_settings
from lib.dataset import TerritoryData, list_territories, load_territory
from lib.errors import TerrainError
from lib.htmltable import html_table
from lib.viewstate import ViewState, default_view, from_query, to_query

LOG = logging.getLogger("terrain")


# ---------------------------------------------------------------------------------------------
# Cached loaders: plain arguments only; big read-only objects in cache_resource (never mutate).
# ---------------------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """Domain settings (config.toml)."""
    return load_settings()


@st.cache_resource(show_spinner="Chargement du territoire…", max_entries=8)
def territory_data(territory_id: str, data_dir: str) -> TerritoryData:
    """A validated territory dataset, shared read-only by every session."""
    return load_territory(data_dir, territory_id)  # type: ignore[arg-type]


@st.cache_resource(show_spinner=False, max_entries=8)
def map_geometry(territory_id: str, data_dir: str) -> geo.MapGeometry:
    """Screen geometry of a territory, encoded once."""
    data = territory_data(territory_id, data_dir)
    return geo.prepare_map_geometry(data.bureaux, data.outlines,
                                    point_threshold=settings().map_point_threshold)


@st.cache_data(show_spinner=False, max_entries=64)
def normalised_criteria(territory_id: str, data_dir: str, election: str, ours: tuple[str, ...],
                        blocs: tuple[str, ...], high: str, low: str, method: str, imports_key: str = "",
                        _data: TerritoryData | None = None) -> tuple[pd.DataFrame, dict[str, str], scoring.NormalisedCriteria]:
    """Criteria values, unavailable reasons and their normalisation (weight-independent).

    ``_data`` (not hashed) is the territory with this session's imported elections, identified
    by ``imports_key``.
    """
    data = _data if _data is not None else territory_data(territory_id, data_dir)
    conf = settings()
    frame = crit.build_criteria(
        data, crit.Choices(election=election, ours=ours, high=high or None, low=low or None, blocs=blocs),
        conf.criteria, conf.blocs)
    return frame.values, dict(frame.unavailable), scoring.normalise_criteria(frame.values, method=method)


@st.cache_data(show_spinner=False, max_entries=16)
def reserve_pair(territory_id: str, data_dir: str, imports_key: str = "",
                 _data: TerritoryData | None = None) -> tuple[str | None, str | None]:
    """Default high/low-turnout elections of a territory (depends on the data only)."""
    return crit.default_reserve_pair(_data if _data is not None else territory_data(territory_id, data_dir))


@st.cache_data(show_spinner=False, max_entries=64)
def candidates(territory_id: str, data_dir: str, election: str, imports_key: str = "",
               _data: TerritoryData | None = None) -> pd.DataFrame:
    """Candidates of an election with their territory-wide share (depends on the data only)."""
    data = _data if _data is not None else territory_data(territory_id, data_dir)
    return crit.candidates(data.results, election)


def session_imports(territory_id: str) -> list:
    """Elections this session imported for a territory (kept in memory only)."""
    return st.session_state.setdefault("imports", {}).get(territory_id, [])


def imports_key(territory_id: str) -> str:
    """Cache key of the session's imports for a territory."""
    return "|".join(e.id for e in session_imports(territory_id))


def with_imports(data: TerritoryData) -> TerritoryData:
    """The territory plus this session's imported elections (a new object; the shared one is untouched)."""
    extra = session_imports(data.id)
    if not extra:
        return data
    meta = {**data.metadata, "elections": [*data.metadata["elections"], *(e.descriptor() for e in extra)]}
    results = pd.concat([data.results, *(e.results for e in extra)], ignore_index=True)
    return replace(data, metadata=meta, results=results)


def available_territories() -> list[str]:
    """Configured territories that are built, then any other built dataset (e.g. new ones)."""
    conf = settings()
    built = list_territories(conf.data_dir)
    ordered = [t for t in conf.territories if t in built]
    return ordered + [t for t in built if t not in ordered]


def territory_name(territory_id: str) -> str:
    """Display name of a territory id."""
    conf = settings()
    if territory_id in conf.territories:
        return conf.territories[territory_id].name
    try:
        return territory_data(territory_id, str(conf.data_dir)).name
    except TerrainError:
        return territory_id


# ---------------------------------------------------------------------------------------------
# Errors: French message, no traceback, ever.
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def guard(what: str = "cette section") -> Iterator[None]:
    """Show a French message instead of a traceback; the rest of the page keeps running."""
    try:
        yield
    except TerrainError as err:
        st.error(str(err), icon="⚠️")
    except Exception:
        LOG.error("unexpected error in %s\n%s", what, traceback.format_exc())
        st.error(f"Une erreur inattendue a empêché d'afficher {what}. Vos réglages sont conservés ; "
                 "réessayez ou changez un paramètre. Le détail technique est dans le journal du serveur.",
                 icon="⚠️")


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    """Log the server time of a block when TERRAIN_TIMING is set (read by bench/soak.py)."""
    if not os.environ.get("TERRAIN_TIMING"):
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        print(f"TERRAIN_TIMING {what} {1000 * (time.perf_counter() - started):.1f}", flush=True)


def esc(value: object) -> str:
    """HTML-escape any value shown through ``unsafe_allow_html`` or a deck tooltip."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------------------------------------
# View state
# ---------------------------------------------------------------------------------------------

def view() -> ViewState:
    """The current view (loaded from the URL on the session's first run)."""
    if "view" not in st.session_state:
        st.session_state["view"] = from_query(dict(st.query_params), settings())
    return st.session_state["view"]


def set_view(new: ViewState) -> None:
    """Replace the view (widgets read it back through their seeded keys)."""
    st.session_state["view"] = new


def publish_view() -> None:
    """Write the view into the URL (only when it changed, to keep browser history clean)."""
    wanted = to_query(view(), settings())
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def seed(key: str, value: object) -> None:
    """Give a widget key its value from the view when the key is missing (e.g. after a page change)."""
    if key not in st.session_state:
        st.session_state[key] = value


def current_territory() -> TerritoryData | None:
    """The dataset of the view's territory, or None with a French message."""
    conf = settings()
    built = available_territories()
    if not built:
        st.error("Aucun territoire construit. Lancez « python -m lib.build paris » puis rechargez la page.")
        return None
    v = view()
    if v.territory not in built:
        if v.territory and v.territory != conf.default_territory:
            st.warning(f"Territoire « {esc(v.territory)} » inconnu : affichage de "
                       f"{esc(territory_name(built[0]))}.")
        set_view(replace(default_view(conf, built[0] if conf.default_territory not in built
                                      else conf.default_territory)))
        v = view()
    try:
        return with_imports(territory_data(v.territory, str(conf.data_dir)))
    except TerrainError as err:
        st.error(str(err))
        return None


def _on_territory_change() -> None:
    chosen = st.session_state["w_territory"]
    old = view()
    fresh = default_view(settings(), chosen)
    set_view(replace(fresh, weights=old.weights, directions=old.directions, preset=old.preset,
                     normalisation=old.normalisation, scheme=old.scheme, k=old.k, missing=old.missing))
    for key in [k for k in st.session_state if str(k).startswith(("w_ours_", "w_election", "w_blocs",
                                                                     "w_high", "w_low", "w_sel"))]:
        del st.session_state[key]


def _hand_over_to_router() -> None:
    """Leave Streamlit's legacy ``pages/`` mode for ``app.py``'s ``st.navigation`` router.

    Streamlit starts in legacy mode whenever a ``pages/`` folder exists, and stays there if the
    very first URL of the server is a page (``/carte``) rather than the root: the sidebar would
    then list raw file names. One rerun through ``app.py`` fixes it for the whole process.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def _configured_password() -> str | None:
    """The access password from Streamlit secrets (``[terrain] password = "…"``), if any."""
    try:
        return st.secrets.get("terrain", {}).get("password")
    except Exception:
        return None


def access_gate() -> None:
    """Optional password gate for a deployment on the internet (off when no password is set).

    For single sign-on, deploy behind ``st.login`` with an OIDC provider instead (README).
    """
    password = _configured_password()
    if not password or st.session_state.get("_authenticated"):
        return
    st.title("Terrain — accès réservé")
    typed = st.text_input("Mot de passe de la campagne", type="password", key="w_password")
    if typed:
        if hmac.compare_digest(typed.encode(), str(password).encode()):
            st.session_state["_authenticated"] = True
            st.rerun()
        st.error("Mot de passe incorrect.")
    st.stop()


def page_setup(title: str, *, icon: str = ":material/map:", sidebar: bool = True) -> TerritoryData | None:
    """Page config, access gate, shared sidebar (territory selector) and the territory dataset."""
    _hand_over_to_router()
    with contextlib.suppress(st.errors.StreamlitAPIException):
        st.set_page_config(page_title=f"{title} — Terrain", page_icon=icon, layout="wide",
                           initial_sidebar_state="expanded" if sidebar else "collapsed")
    access_gate()
    v = view()
    territories = available_territories()
    if sidebar and territories:
        st.session_state["w_territory"] = v.territory if v.territory in territories else territories[0]
        st.sidebar.selectbox("Territoire", territories, key="w_territory", format_func=territory_name,
                             on_change=_on_territory_change,
                             help="Jeux de données construits depuis les fichiers officiels (voir Accueil).")
    return current_territory()


def sources_caption(data: TerritoryData) -> str:
    """One-line attribution of every source of a territory (French, escaped)."""
    parts = [f"{s['publisher']} — {s['title']} ({s['licence']})" for s in data.metadata["sources"]]
    return "Sources : " + " ; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Priority controls (sidebar), shared by the map, walk-list and briefing pages.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Controls:
    """What the sidebar decided this run, plus the cached criteria for it."""

    election: str
    high: str
    low: str
    values: pd.DataFrame
    unavailable: dict[str, str]
    normalised: scoring.NormalisedCriteria


def _apply_preset() -> None:
    conf = settings()
    preset = st.session_state["w_preset"]
    new = view().with_preset(conf, preset)
    set_view(new)
    if preset != "custom":
        for cid in conf.criteria:
            st.session_state[f"w_w_{cid}"] = int(new.weights.get(cid, 0))
            st.session_state[f"w_d_{cid}"] = _dir_label(new.direction(conf, cid))


def _to_custom() -> None:
    st.session_state["w_preset"] = "custom"


def _dir_label(direction: str) -> str:
    return "favorise" if direction == "favours" else "pénalise"


def _on_blocs(election: str, territory_id: str) -> None:
    data = with_imports(territory_data(territory_id, str(settings().data_dir)))
    chosen = [settings().blocs[b] for b in st.session_state["w_blocs"]]
    cands = crit.candidates(data.results, election)
    members = set(crit.bloc_members(cands, chosen))
    for i, name in enumerate(cands["candidate"]):
        st.session_state[f"w_ours_{election}_{i}"] = name in members


def side_controls(data: TerritoryData, *, container=None) -> Controls:
    """Sidebar widgets for our side and calculation options; updates the view (not the weights).

    The weights are drawn apart (:func:`weight_controls`), beside the map, inside a fragment: a
    slider move then reruns the map and its panels only, not these ~30 sidebar widgets.
    """
    conf = settings()
    v = view()
    sb = container or st.sidebar
    elections = crit.elections_with_results(data)
    if not elections:
        raise TerrainError("ce territoire n'a aucun résultat électoral : impossible de calculer une priorité.")
    labels = {e["id"]: e["label"] + (" — reporté" if e.get("carried") else "") for e in data.elections}

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
                           args=(election, data.id), placeholder="Choisir un ou plusieurs blocs",
                           help="Coche d'un coup les candidats ou listes de ces familles politiques "
                                "(regroupement des nuances du Ministère défini dans config.toml).")
    key = imports_key(data.id)
    extra = data if key else None
    cands = candidates(data.id, str(conf.data_dir), election, key, extra)
    chosen_by_bloc = set(crit.bloc_members(cands, [conf.blocs[b] for b in blocs])) if blocs else set()
    ours: list[str] = []
    with sb.expander(f"Candidats et listes ({len(cands)})", expanded=False):
        for i, (name, nuance, share) in enumerate(zip(cands["candidate"], cands["nuance"], cands["share"],
                                                      strict=True)):
            key = f"w_ours_{election}_{i}"
            seed(key, name in v.ours or name in chosen_by_bloc)
            nuance_txt = f" · {nuance}" if isinstance(nuance, str) and nuance else ""
            if st.checkbox(f"{name}{nuance_txt} ({share:.1f} %)".replace(".", ","), key=key):
                ours.append(str(name))
    if not ours:
        sb.info("Cochez un bloc ou des candidats de votre camp pour activer les critères "
                "« score de notre camp », potentiel, réserve et scrutin serré.")
    else:
        sb.caption(f"Notre camp : {len(ours)} candidat(s) ou liste(s).")

    high_default, low_default = reserve_pair(data.id, str(conf.data_dir), key, extra)
    with sb.expander("Réserve de voix : élections comparées"):
        seed("w_high", v.high if v.high in elections else (high_default or elections[0]))
        seed("w_low", v.low if v.low in elections else (low_default or elections[-1]))
        high = st.selectbox("Élection à forte participation", elections, key="w_high",
                            format_func=lambda e: labels.get(e, e))
        low = st.selectbox("Élection à faible participation", elections, key="w_low",
                           format_func=lambda e: labels.get(e, e))

    values, unavailable, normalised = normalised_criteria(
        data.id, str(conf.data_dir), election, tuple(ours), tuple(blocs), high, low, v.normalisation, key, extra)

    with sb.expander("Options de calcul et de classes"):
        seed("w_norm", v.normalisation)
        norm = st.radio("Normalisation", list(scoring.NORMALISER_LABELS), key="w_norm",
                        format_func=scoring.NORMALISER_LABELS.get,
                        help="Chaque critère est ramené entre 0 et 1 au sein du territoire.")
        seed("w_missing", v.missing)
        missing = st.radio("Bureaux à qui il manque un critère", ["renormalise", "exclude"], key="w_missing",
                           format_func={"renormalise": "notés sur les critères disponibles (signalés)",
                                        "exclude": "exclus (gris, « données manquantes »)"}.get)
        seed("w_scheme", v.scheme)
        scheme = st.selectbox("Classes", list(classify.SCHEME_LABELS), key="w_scheme",
                              format_func=classify.SCHEME_LABELS.get)
        seed("w_k", v.k)
        k = st.slider("Nombre de classes", conf.min_k, conf.max_k, key="w_k")

    set_view(replace(v, election=election, ours=tuple(ours), blocs=tuple(blocs), normalisation=norm,
                     missing=missing, scheme=scheme, k=int(k), high=high, low=low))
    if norm != v.normalisation:  # the cached normalisation above used the previous method
        values, unavailable, normalised = normalised_criteria(
            data.id, str(conf.data_dir), election, tuple(ours), tuple(blocs), high, low, norm, key, extra)
    return Controls(election, high, low, values, unavailable, normalised)


def weight_controls(box, unavailable: dict[str, str]) -> None:
    """Preset selector, then one slider (0–100) and a direction per criterion; updates the view."""
    conf = settings()
    v = view()
    seed("w_preset", v.preset if v.preset in conf.presets else "custom")
    preset = box.selectbox("Préréglage", list(conf.presets), key="w_preset",
                           format_func=lambda p: conf.presets[p].label, on_change=_apply_preset,
                           help="Règle les curseurs en un clic ; bouger un curseur passe en « Personnalisé ».")
    box.caption(conf.presets[preset].help)
    weights: dict[str, int] = {}
    directions: dict[str, str] = {}
    available = [cid for cid in conf.criteria if cid not in unavailable]
    missing = [cid for cid in conf.criteria if cid in unavailable]
    for cid in available:
        criterion = conf.criteria[cid]
        seed(f"w_w_{cid}", int(v.weights.get(cid, 0)))
        seed(f"w_d_{cid}", _dir_label(v.direction(conf, cid)))
        weights[cid] = box.slider(criterion.label, 0, 100, key=f"w_w_{cid}", help=criterion.help,
                                  on_change=_to_custom)
        direction = box.segmented_control(
            f"Sens — {criterion.label}", ["favorise", "pénalise"], key=f"w_d_{cid}",
            label_visibility="collapsed", on_change=_to_custom, width="stretch")
        directions[cid] = (v.direction(conf, cid) if direction is None
                           else "penalises" if direction == "pénalise" else "favours")
    if missing:
        with box.expander(f"Indisponibles ici ({len(missing)})"):
            for cid in missing:
                criterion = conf.criteria[cid]
                seed(f"w_w_{cid}", int(v.weights.get(cid, 0)))
                weights[cid] = st.slider(criterion.label, 0, 100, key=f"w_w_{cid}", help=criterion.help,
                                         disabled=True)
                st.caption(f"Indisponible : {unavailable[cid]}")
    v = view()
    set_view(replace(v, preset=preset, weights=weights, directions={**v.directions, **directions}))


def select_bureau(bureau_id: str) -> None:
    """Make ``bureau_id`` the selected bureau (map click or list)."""
    set_view(replace(view(), selected=bureau_id))
    st.session_state.pop("w_sel", None)


def legend_html(legend: pd.DataFrame, note: str = "") -> str:
    """Legend block: swatch, label and bureau count per class, highest priority on top."""
    rows = []
    for _, row in legend.sort_values("classe", ascending=False).iterrows():
        rows.append(f'<div style="display:flex;align-items:center;gap:.5rem;margin:.25rem 0">'
                    f'<span style="display:inline-block;width:1.4rem;height:1.1rem;border:1px solid #555;'
                    f'background:{esc(row["couleur"])}"></span>'
                    f'<span style="font-size:.95rem">{esc(row["libelle"])}</span></div>')
    extra = f'<div style="font-size:.8rem;color:#555">{esc(note)}</div>' if note else ""
    return '<div><b>Priorité</b>' + "".join(rows) + extra + "</div>"


def _unit_map(data: TerritoryData) -> dict[str, str]:
    return {i["id"]: i.get("unit", "") for i in data.metadata["indicators"] if i["available"]}


PICKER_MAX = 2000  # bureaux offered in the panel's picker on large territories


def bureau_panel(data: TerritoryData, result, values: pd.DataFrame) -> None:
    """Selected bureau: score breakdown, raw values against the median, results history."""
    from lib import priority

    conf = settings()
    v = view()
    t = result.table
    labels = data.bureaux["label"].reindex(t.index).fillna(pd.Series(t.index, index=t.index))
    # Options in a fixed order with fixed labels: the rank is shown beside, in the metrics. Ranked
    # labels change at every slider move, and the browser kept showing the previous ones.
    current = v.selected if v.selected in t.index else t["rank"].idxmin() if t["rank"].notna().any() else t.index[0]
    seed("w_sel", current)
    if st.session_state["w_sel"] not in t.index:
        st.session_state["w_sel"] = current
    title = "Bureau (ou cliquez sur la carte)"
    if len(t) > PICKER_MAX:  # 70,000 labels would travel at every slider move (~2 MB)
        kept = set(t["rank"].nsmallest(PICKER_MAX).index) | {st.session_state["w_sel"]}
        labels = labels[labels.index.isin(kept)]
        title = f"Bureau, parmi les {PICKER_MAX:,} premiers du classement".replace(",", "\u202f")
    options = labels.sort_index().index.tolist()
    chosen = st.selectbox(title, options, key="w_sel", format_func=labels.to_dict().get)
    if chosen != v.selected:
        set_view(replace(v, selected=chosen))
    row = t.loc[chosen]
    cols = st.columns(4)
    cols[0].metric("Score", "—" if pd.isna(row["score"]) else f"{row['score']:.0f} / 100")
    cols[1].metric("Rang", "—" if pd.isna(row["rank"]) else f"{int(row['rank'])} / {int(t['rank'].max())}")
    cols[2].metric("Classe", "—" if pd.isna(row["class_id"]) else f"{int(row['class_id']) + 1} / {int(t['class_id'].max()) + 1}")
    reg = data.bureaux.at[chosen, "registered"]
    cols[3].metric("Inscrits", "—" if pd.isna(reg) else f"{reg:,.0f}".replace(",", "\u202f"))
    if row["missing"]:
        st.warning(f"Données manquantes pour ce bureau : {esc(row['missing'])}.")
    detail = priority.breakdown(result, values, chosen, conf, _unit_map(data))
    st.markdown("**D'où vient le score** — points apportés par chaque critère (sur 100), "
                "valeur du bureau et médiane du territoire")
    # HTML, not st.dataframe: this panel is redrawn at every slider move (see lib/htmltable.py).
    st.html(html_table(detail, decimals={"Points": 1, "Valeur": 1, "Médiane du territoire": 1},
                       bars={"Points": 100.0}))
    st.markdown("**Résultats dans ce bureau**")
    history = priority.results_history(data.results, chosen, v.ours, data.elections, v.election)
    st.html(html_table(history, decimals={"Abstention (%)": 1, "Notre camp (%)": 1}))
    if (history["Série"] != "officielle").any():
        st.caption("Séries « reportées » : résultats 2017 transférés des anciens bureaux vers les bureaux "
                   "actuels au prorata des adresses BAN de chaque intersection (totaux conservés).")


def ranking_table(data: TerritoryData, result, values: pd.DataFrame) -> None:
    """Sortable ranking with a top-N filter and a CSV download."""
    from lib import priority

    conf = settings()
    table = priority.ranking(result, data.bureaux["label"], values, conf)
    n_max = len(table)
    seed("w_topn", min(50, n_max))
    top_n = st.slider("Afficher les N premiers", 1, max(n_max, 2), key="w_topn") if n_max > 1 else 1
    st.dataframe(table.head(top_n), hide_index=True, width="stretch", height=420)
    st.download_button("Télécharger le classement (CSV)", lambda: priority.ranking_csv(table),
                       file_name=f"terrain_classement_{data.id}.csv", mime="text/csv", key="dl-ranking",
                       icon="⬇️")



def current_priority(data: TerritoryData):
    """Sidebar controls and the priority result of the current view (pages other than the map).

    Returns ``(controls, result)``; ``result`` is None (with a French message shown) when every
    weight is at zero.
    """
    from lib import priority
    from lib.scoring import NoWeightsError

    controls = side_controls(data)
    try:
        result = priority.compute(controls.normalised, view(), settings(), controls.unavailable)
    except NoWeightsError as err:
        st.warning(f"{err} (réglez les poids sur la carte des priorités)")
        return controls, None
    return controls, result


def priority_or_stop(data: TerritoryData):
    """:func:`current_priority`, or stop the page (message shown, URL kept) when there is none."""
    controls, result = None, None
    with guard("les réglages"):
        controls, result = current_priority(data)
    if result is None:
        publish_view()
        st.stop()
    return controls, result


def bureau_label_map(data: TerritoryData, result) -> dict[str, str]:
    """« rang. libellé » per bureau id, for selectors (computed once per run, vectorised)."""
    ranks = result.table["rank"].astype("string").fillna("—")
    labels = data.bureaux["label"].reindex(result.table.index)
    return (ranks + ". " + labels.fillna("")).to_dict()
