"""Streamlit glue of the campaign workspace (storage itself is :mod:`lib.store`, pure of Streamlit).

The engine is a ``st.cache_resource`` keyed by the database URL; the current campaign lives in
the session (seeded once from the ``campagne`` URL parameter). Pages call one helper per job.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from lib import access, fr, opposition, store
from lib.dataset import TerritoryData
from lib.errors import TerrainError, user_message
from lib.field.page import FIELD_PAGE
from lib.results_import import ImportedElection
from lib.ui.loaders import IMPORTS_KEY, available_territories, session_imports, settings
from lib.ui.panels import table
from lib.ui.shell import client_id, configured_password, guard
from lib.ui.state import app_base_url, drop_widgets, publish_view, seed, set_view, update_view, view
from lib.viewstate import from_query, to_query

KEEP_WIDGETS = ("w_organiser", "w_territory", "w_skip_done")  # not part of a scenario


@st.cache_resource(show_spinner="Ouverture de la base des campagnes…")
def store_engine(url: str) -> Engine:
    """One engine per database URL, upgraded and purged of expired returns at start."""
    try:
        return store.open_store(url)
    except TerrainError:
        raise
    except Exception as err:  # what open_store did not recognise: said as unreachable, logged
        raise store.failure(url, err) from err


def database_url() -> str:
    """This server's workspace URL (``TERRAIN_DATABASE_URL`` or the default SQLite file)."""
    return store.default_url(settings().data_dir)


def engine() -> Engine:
    """The workspace engine of this server (SQLite file by default)."""
    return store_engine(database_url())


COVERAGE_TTL_S = 20  # the map asks at every slider move; returns arrive over minutes


@st.cache_data(ttl=COVERAGE_TTL_S, show_spinner=False, max_entries=32)
def covered_bureaux(url: str, campaign_id: int) -> frozenset[str]:
    """Bureaux already covered, cached 20 s: the map asks at every slider move, returns arrive slowly."""
    return store.covered_bureaux(store_engine(url), campaign_id)


def organiser() -> str:
    """The free-text name the user typed in the sidebar (stored with what they save)."""
    return str(st.session_state.get("_organiser", "")).strip()


def act(work: Callable[[], object], done: str = "") -> None:
    """Run a button's work in its callback and keep its message for the page to show.

    Why callbacks: they run before the page is drawn, so a click is never lost to a rerun, and
    the page shows the new state at once. Errors become French messages, never tracebacks.
    """
    try:
        work()
        if done:
            st.session_state["_flash"] = ("success", done)
    except Exception as err:
        st.session_state["_flash"] = ("error", user_message(err, "d'enregistrer cette action"))


def flash() -> None:
    """Show the message of the last action, once."""
    kind, text = st.session_state.pop("_flash", (None, None))
    if kind:
        getattr(st, kind)(text)


def _set_campaign(campaign_id: int | None) -> None:
    """Open a campaign (by id) in the view; the sidebar picker follows."""
    update_view(campaign=campaign_id)
    st.session_state.pop("w_campaign", None)


UNLOCKED = "_unlocked_campaigns"  # ids of the campaigns whose access key this session typed
KEY_TRIES = access.Throttle()  # wrong campaign keys per client address and campaign
PROTECTED_TTL_S = 5  # a key set from another server process applies within this time


@st.cache_data(ttl=PROTECTED_TTL_S, show_spinner=False, max_entries=4)
def _protected(url: str) -> frozenset[int]:
    return store.protected_campaigns(store_engine(url))


def may_open(campaign_id: int) -> bool:
    """A campaign without a key, or one whose key this session typed."""
    return campaign_id not in _protected(database_url()) or campaign_id in st.session_state.get(UNLOCKED, set())


def _unlock(campaign_id: int) -> None:
    st.session_state.setdefault(UNLOCKED, set()).add(campaign_id)


def current_campaign() -> int | None:
    """The open campaign's id (None: nothing is saved). It lives in the view, hence in the URL; a
    campaign with an access key this session has not typed is not open, whatever the URL says."""
    wanted = view().campaign
    return wanted if wanted is None or may_open(wanted) else None


def _campaign_chosen() -> None:
    update_view(campaign=st.session_state["w_campaign"])


def _create_campaign_form(territory: str) -> None:
    with st.sidebar.popover("Nouvelle campagne", icon=":material/add:", width="stretch"), \
            st.form("new-campaign", clear_on_submit=True, border=False):
        st.text_input("Nom de la campagne", placeholder="ex. Municipales 2026", key="w_new_campaign")
        st.date_input("Jour du scrutin", value=None, format="DD/MM/YYYY", key="w_new_campaign_day")
        st.form_submit_button("Créer", type="primary", key="w_new_campaign_go", on_click=act,
                              kwargs={"work": lambda: _create_campaign(territory)})


def _create_campaign(territory: str) -> None:
    """Create and open the campaign; say when its field returns will be erased (warn for a past day)."""
    cid = store.create_campaign(engine(), territory, st.session_state["w_new_campaign"], organiser(),
                                election_date=st.session_state["w_new_campaign_day"])
    _set_campaign(cid)
    row = store.get_campaign(engine(), cid)
    said = store.retention.on_creation(row.election_date, row.retention_days)
    level = "warning" if said.level != "info" else "success"
    st.session_state["_flash"] = (level, f"Campagne créée. {said.text}")


def _open_campaign(names: dict[int, str]) -> int | None:
    """The view's campaign if it is one of this territory's and this session may open it, else
    none (said in the sidebar; a campaign with a key asks for it)."""
    wanted = view().campaign
    if wanted is not None and wanted not in names:
        st.sidebar.warning(f"La campagne n° {wanted} n'est pas (ou plus) ouverte sur ce territoire : "
                           "aucune campagne n'est ouverte. Choisissez-en une ci-dessous.")
        _set_campaign(None)
    elif wanted is not None and not may_open(wanted):
        _unlock_form(wanted, names[wanted])
    return current_campaign()


def _try_key(campaign_id: int) -> None:
    """The key field's callback: one check per submission, slowed down after wrong keys."""
    typed = st.session_state.get("w_campaign_key", "")
    st.session_state["w_campaign_key"] = ""
    client = f"{client_id()}|{campaign_id}"
    if not typed or KEY_TRIES.wait(client) > 0:
        return
    if store.key_opens(engine(), campaign_id, typed):
        KEY_TRIES.succeeded(client)
        _unlock(campaign_id)
        return
    wait = KEY_TRIES.failed(client)
    st.session_state["_key_said"] = "Clé incorrecte." + (f" {access.wait_text(wait)}" if wait else "")


def _unlock_form(campaign_id: int, name: str) -> None:
    """In the sidebar: the campaign asked for is protected by its own key; type it to open it."""
    wait = KEY_TRIES.wait(f"{client_id()}|{campaign_id}")
    st.sidebar.warning(f"La campagne « {name} » est protégée par sa propre clé d'accès : saisissez-la pour "
                       "l'ouvrir dans cette session.")
    said = st.session_state.pop("_key_said", None)
    if said or wait > 0:
        st.sidebar.error(said if wait <= 0 else f"{said or ''} {access.wait_text(wait)}".strip())
    st.sidebar.text_input("Clé d'accès de la campagne", type="password", key="w_campaign_key",
                          on_change=_try_key, args=(campaign_id,), disabled=wait > 0)


def visibility_text(protected: int) -> str:
    """Who sees which campaign on this server, said under the campaign picker."""
    gate = "qui a le mot de passe du serveur" if configured_password() else "qui ouvre ce serveur"
    text = f"Campagnes sans clé : visibles par toute personne {gate}."
    if protected:
        text += (" 🔒 Campagne à clé : s'ouvre seulement dans une session qui a saisi sa clé (les liens des "
                 "téléphones n'ouvrent que leur parcours).")
    return text


def campaign_sidebar(data: TerritoryData) -> int | None:
    """Sidebar: pick or create the campaign of this territory; its imports come with it.

    Options are campaign ids, labelled by a name made unique (two campaigns may share a name:
    Streamlit maps a choice back through its label).
    """
    names = fr.distinct_labels({c.id: c.name for c in store.list_campaigns(engine(), data.id)})
    locked = _protected(database_url()) & set(names)
    campaign = _open_campaign(names)
    seed("w_campaign", view().campaign if view().campaign in names else None)
    st.sidebar.selectbox("Campagne", [None, *names], key="w_campaign", on_change=_campaign_chosen,
                         format_func=lambda i: "Aucune (rien n'est enregistré)" if i is None else
                         f"🔒 {names[i]}" if i in locked else names[i],
                         placeholder="Aucune (rien n'est enregistré)",  # None reads as "no choice" to Streamlit
                         help="Une campagne garde vos scénarios, plans, parcours et retours de terrain.")
    st.sidebar.caption(visibility_text(len(locked)))
    with st.sidebar:
        _create_campaign_form(data.id)
        if campaign is not None:
            # widget keys are dropped on page changes: the values live under plain keys
            seed("w_organiser", st.session_state.get("_organiser", ""))
            st.session_state["_organiser"] = st.text_input("Votre nom (facultatif)", key="w_organiser",
                                                           placeholder="Organisateur")
            seed("w_skip_done", st.session_state.get("_skip_done", True))
            st.session_state["_skip_done"] = st.toggle(
                "Tenir compte du terrain déjà fait", key="w_skip_done",
                help="Carte : bureaux déjà couverts atténués. Listes : portes déjà faites retirées.")
    _sync_imports(data.id, campaign)
    flash()
    return campaign


def campaign_or_stop(data: TerritoryData, hint: str) -> int:
    """The open campaign (sidebar picker), or the page stops with ``hint`` — what to do — when
    none is open (pages that only make sense inside a campaign)."""
    campaign = None
    with guard("la campagne"):
        campaign = campaign_sidebar(data)
    if campaign is None:
        st.info(hint)
        publish_view()
        st.stop()
    return campaign


def _sync_imports(territory: str, campaign_id: int | None) -> None:
    """Load the campaign's imported elections into the session when the campaign changes."""
    if campaign_id is None or st.session_state.get("_imports_of") == f"{territory}:{campaign_id}":
        return
    session_imports(territory)[:] = store.load_imports(engine(), campaign_id)
    st.session_state["_imports_of"] = f"{territory}:{campaign_id}"
    st.rerun()  # the page's dataset was loaded before: draw it again with the campaign's elections


def keep_import(election: ImportedElection) -> bool:
    """Store an imported election with the current campaign (False when no campaign is open)."""
    if current_campaign() is None:
        return False
    store.save_import(engine(), current_campaign(), election)
    return True


def forget_import(election_id: str) -> None:
    """Remove an imported election from the current campaign, if any."""
    if current_campaign() is not None:
        store.remove_import(engine(), current_campaign(), election_id)


SESSION_OPPOSITION = "_opposition"  # no campaign open: (territory, summary, matched ids) for the session
KEPT_OPPOSITION = "_opposition_kept"  # (campaign, upload id, unmatched lines) of the upload last kept


@st.cache_data(show_spinner=False, max_entries=8)
def _addresses_fingerprint(territory_id: str, data_dir: str, _data: TerritoryData) -> str:
    return opposition.addresses_fingerprint(_data.addresses)


def addresses_fingerprint(data: TerritoryData) -> str:
    """The territory's address ids, fingerprinted once per territory (a list matched on others is matched again)."""
    return _addresses_fingerprint(data.id, str(settings().data_dir), data)


@st.cache_resource(show_spinner=False, max_entries=16)
def _opposed_ids(url: str, campaign_id: int, matched_at: str) -> frozenset[str]:
    """The matched address ids of a campaign's list, read once per match (``matched_at``), shared, not copied."""
    return store.opposed_addresses(store_engine(url), campaign_id)


def keep_opposition(data: TerritoryData, content: bytes, filename: str, upload_id: str) -> None:
    """Read a newly uploaded list, match it once against the territory's addresses and keep it: with
    the current campaign (the matched ids too), or for the session without one.

    Why once: a rerun (a slider move) with the file still in the upload box must neither read nor
    match it again. Why the session without a campaign: the upload widget forgets its file when the
    page is left, and the next walk list would then hold the opposed addresses again.
    """
    cid = current_campaign()
    kept = st.session_state.get(KEPT_OPPOSITION)
    if kept is not None and kept[:2] == (cid, upload_id):
        return
    listed = opposition.read_opposition_csv(content, filename)
    match = opposition.match_opposition(data.addresses, listed)
    fingerprint = addresses_fingerprint(data)
    if cid is None:
        summary = store.OppositionSummary(len(listed), match.n_matched_lines, len(match.opposed_ids), fingerprint)
        st.session_state[SESSION_OPPOSITION] = (data.id, summary, match.opposed_ids)
    else:
        store.save_opposition(engine(), cid, listed, match=match, dataset=fingerprint)
    st.session_state[KEPT_OPPOSITION] = (cid, upload_id, match.unmatched)


def unmatched_opposition(upload_id: str | None) -> pd.DataFrame | None:
    """The lines of the upload ``upload_id`` that matched no address of the territory (None: not this upload)."""
    kept = st.session_state.get(KEPT_OPPOSITION)
    return kept[2] if kept is not None and kept[:2] == (current_campaign(), upload_id) else None


def opposition_state(data: TerritoryData) -> tuple[store.OppositionSummary | None, frozenset[str]]:
    """The current list's summary and matched address ids: what a rerun needs, never the list itself.

    A campaign's list matched against other addresses (an older list, a rebuilt territory) is
    matched again here, once."""
    cid = current_campaign()
    if cid is None:
        kept = st.session_state.get(SESSION_OPPOSITION)
        return (kept[1], kept[2]) if kept is not None and kept[0] == data.id else (None, frozenset())
    summary = store.opposition_summary(engine(), cid)
    if summary is None:
        return None, frozenset()
    fingerprint = addresses_fingerprint(data)
    if summary.dataset != fingerprint:
        summary = store.rematch_opposition(engine(), cid, lambda listed: opposition.match_opposition(
            data.addresses, listed), fingerprint)
    return summary, _opposed_ids(database_url(), cid, str(summary.matched_at))


def _skip_done() -> bool:
    return current_campaign() is not None and bool(st.session_state.get("_skip_done", True))


def done_to_skip() -> frozenset[str]:
    """Addresses already done in this campaign (empty when the user asked to include them)."""
    return store.done_addresses(engine(), current_campaign()) if _skip_done() else frozenset()


def dim_covered(bureau_ids: pd.Index, rgba: np.ndarray) -> np.ndarray:
    """Priority map colours (RGBA, in ``bureau_ids`` order) with bureaux already covered in this
    campaign faded (alpha 45): the map element sends each distinct colour once, so faded classes
    travel as a few more palette entries."""
    if not _skip_done():
        return rgba
    mask = bureau_ids.isin(list(covered_bureaux(database_url(), current_campaign())))
    if not mask.any():
        return rgba
    out = np.array(rgba, copy=True)
    out[mask, 3] = 45
    return out


def scenario_controls() -> None:
    """Sidebar: save the current priority view as a named scenario, or reopen one."""
    cid = current_campaign()
    if cid is None:
        return
    with st.sidebar.expander("Scénarios de la campagne", icon=":material/bookmarks:"):
        st.text_input("Nom du scénario", key="w_scenario_name", placeholder="ex. Mobilisation jeunes")
        st.button("Enregistrer la vue actuelle", key="w_scenario_save", width="stretch", on_click=act, kwargs={
            "work": lambda: store.save_scenario(engine(), cid, st.session_state["w_scenario_name"],
                                                to_query(view(), settings()), organiser()),
            "done": "Scénario enregistré."})
        items = store.list_scenarios(engine(), cid)
        if items:
            labels = {s.id: f"{s.name} — {s.organiser or 'anonyme'}, {s.updated_at:%d/%m %H:%M}" for s in items}
            st.selectbox("Scénarios enregistrés", list(labels), format_func=labels.get, key="w_scenario")
            st.button("Ouvrir ce scénario", key="w_scenario_open", width="stretch", on_click=act, kwargs={
                "work": lambda: open_scenario(store.scenario_query(engine(), st.session_state["w_scenario"]))})


def open_scenario(query: dict[str, str]) -> None:
    """Make a saved query the view (URL included) and redraw every widget from it; the open
    campaign stays (a scenario is saved inside it)."""
    set_view(replace(from_query(query, settings()), campaign=current_campaign()))
    drop_widgets(keep=KEEP_WIDGETS)
    st.query_params.from_dict(to_query(view(), settings()))


def save_plan_form(turfs: pd.DataFrame, summary: pd.DataFrame, *, bureaux: list[str],
                   design: pd.DataFrame | None, plan_settings: dict) -> None:
    """Save the turfs as cut, the chosen bureaux and the holdout design in the current campaign."""
    if current_campaign() is None:
        st.info("Ouvrez ou créez une campagne (barre latérale) pour enregistrer ce plan et suivre le terrain.")
        return
    def work() -> None:
        store.save_plan(engine(), current_campaign(), st.session_state["w_plan_name"], turfs, summary,
                        bureaux=bureaux, holdout=design, settings=plan_settings, organiser=organiser())

    with st.form("save-plan", clear_on_submit=True):
        st.text_input("Nom du plan", placeholder=f"ex. Sorties du {date.today():%d/%m}", key="w_plan_name")
        st.form_submit_button("Enregistrer le plan dans la campagne", type="primary", key="w_plan_save",
                              on_click=act, kwargs={"work": work, "done": f"Plan enregistré : {turfs['turf_id'].nunique()} "
                                                    "parcours. Suivez-le dans « Suivi du terrain »."})
    flash()


def link_for(token: str, page: str) -> str:
    """The phone link of a token on this server, seen from ``page`` (its base path kept): the
    volunteers' page (:mod:`lib.field`) with the token in the fragment, which no browser sends."""
    return f"{app_base_url(page) or ''}{FIELD_PAGE}#{token}"


def new_id() -> str:
    """A client-side id for an idempotent submission (a tap, a totals form)."""
    return uuid.uuid4().hex


DUPLICATES = {"plan": store.duplicate_plan, "campaign": store.duplicate_with_key,
              "scenario": store.duplicate_scenario}


def item_manager(kind: str, item_id: int, name: str) -> None:
    """Rename, duplicate or archive a plan or a campaign."""
    c1, c2, c3 = st.columns(3)
    c1.text_input("Nouveau nom", value=name, key=f"w_{kind}_rename")
    c1.button("Renommer", key=f"w_{kind}_rename_go", on_click=act, kwargs={
        "work": lambda: store.rename(engine(), kind, item_id, st.session_state[f"w_{kind}_rename"]),
        "done": "Renommé."})
    c2.text_input("Nom de la copie", value=f"{name} (copie)", key=f"w_{kind}_copy")

    def duplicate() -> None:
        new_id = DUPLICATES[kind](engine(), item_id, st.session_state[f"w_{kind}_copy"])
        if kind == "campaign":
            _unlock(new_id)  # the copy keeps the original's key, which this session typed
            _set_campaign(new_id)
    c2.button("Dupliquer", key=f"w_{kind}_copy_go", on_click=act, kwargs={"work": duplicate, "done": "Copie créée."})
    c3.caption("Archiver masque l'élément des listes sans rien effacer.")

    def archive() -> None:
        store.archive(engine(), kind, item_id)
        if kind == "campaign":
            _set_campaign(None)
    c3.button("Archiver", key=f"w_{kind}_archive", on_click=act, kwargs={"work": archive, "done": "Archivé."})


PURGE_LABELS = {"opposition": "la liste d'opposition", "imports": "les résultats importés",
                "returns": "les retours de terrain (statuts de portes, totaux, liens)"}


def retention_form(campaign_id: int) -> None:
    """Election day and retention: field returns are deleted N days after election day, at start."""
    row = store.get_campaign(engine(), campaign_id)
    with st.form("retention"):
        c1, c2 = st.columns(2)
        c1.date_input("Jour du scrutin", value=row.election_date, format="DD/MM/YYYY", key="w_ret_day")
        c2.number_input("Conserver les retours (jours après le scrutin)", 0, 3650, int(row.retention_days),
                        key="w_ret_days")
        st.form_submit_button("Enregistrer", key="w_ret_save", on_click=act, kwargs={
            "work": lambda: store.set_retention(engine(), campaign_id, st.session_state["w_ret_day"],
                                                int(st.session_state["w_ret_days"])),
            "done": "Durée de conservation enregistrée."})


def retention_notice(campaign_id: int) -> None:
    """When the campaign's field returns will be erased, said before it happens (louder when close)."""
    row = store.get_campaign(engine(), campaign_id)
    said = store.retention.notice(row.election_date, row.retention_days)
    {"info": st.caption, "warning": st.warning, "error": st.error}[said.level](said.text)


def purge_buttons(campaign_id: int) -> None:
    """One button per kind of sensitive data, behind a confirmation box."""
    sure = st.checkbox("Je confirme l'effacement définitif", key="w_purge_sure")
    for col, (what, label) in zip(st.columns(len(PURGE_LABELS)), PURGE_LABELS.items(), strict=True):
        col.button(f"Effacer {label}", key=f"w_purge_{what}", disabled=not sure, on_click=act,
                   kwargs={"work": lambda what=what: _purge(campaign_id, what), "done": f"Effacé : {label}."})


def _purge(campaign_id: int, what: str) -> None:
    store.purge(engine(), campaign_id, what)
    if what == "imports":
        st.session_state.pop("_imports_of", None)
        st.session_state.get(IMPORTS_KEY, {}).clear()


def backup_panel(campaign_id: int) -> None:
    """Download the campaign as one JSON file; restore one on this server."""
    st.button("Préparer la sauvegarde", key="w_backup_make", on_click=act, kwargs={
        "work": lambda: st.session_state.update(_backup=store.export_campaign(engine(), campaign_id))})
    if st.session_state.get("_backup"):
        st.download_button("Télécharger la sauvegarde (JSON)", st.session_state["_backup"],
                           file_name=f"terrain_campagne_{campaign_id}.json", mime="application/json")
    upload = st.file_uploader("Restaurer une sauvegarde sur ce serveur", type=["json"], key="w_backup_file")
    if upload is not None:
        st.button("Importer la sauvegarde", key="w_backup_import", on_click=act, kwargs={
            "work": lambda: _set_campaign(store.import_campaign(engine(), upload.getvalue(),
                                                                territories=available_territories())),
            "done": "Campagne importée."})


def scenario_manager(campaign_id: int) -> None:
    """The campaign's saved scenarios: who saved them and when; rename, duplicate, archive."""
    items = store.list_scenarios(engine(), campaign_id)
    if not items:
        st.caption("Aucun scénario : enregistrez la vue de la « Carte des priorités » (barre latérale).")
        return
    table(pd.DataFrame([{"Scénario": s.name, "Par": s.organiser, "Créé": s.created_at,
                                "Modifié": s.updated_at} for s in items]))
    names = {s.id: s.name for s in items}
    chosen = st.selectbox("Scénario", list(names), format_func=names.get, key="w_manage_scenario")
    item_manager("scenario", chosen, names[chosen])


def _set_key(campaign_id: int, key: str | None) -> None:
    store.set_access_key(engine(), campaign_id, key)
    _protected.clear()
    _unlock(campaign_id)
    st.session_state["w_key_new"] = ""


def access_key_form(campaign_id: int) -> None:
    """Give the campaign its own access key, change it or remove it; say who sees it."""
    protected = campaign_id in _protected(database_url())
    st.caption("Protégée par sa propre clé : seules les sessions qui l'ont saisie l'ouvrent (le mot de passe du "
               "serveur ne suffit pas). Donnez-la aux organisateurs de cette campagne seulement." if protected else
               "Sans clé : toute personne qui entre sur ce serveur peut ouvrir cette campagne. Donnez-lui une clé "
               "quand plusieurs campagnes partagent le serveur.")
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    c1.text_input("Nouvelle clé d'accès", type="password", key="w_key_new",
                  help=f"{access.MIN_KEY_CHARS} caractères au moins ; seule son empreinte est gardée.")
    c2.button("Changer la clé" if protected else "Protéger par cette clé", key="w_key_set", on_click=act, kwargs={
        "work": lambda: _set_key(campaign_id, st.session_state.get("w_key_new", "")),
        "done": "Clé d'accès enregistrée : notez-la, elle ne sera plus affichée."})
    c3.button("Retirer la clé", key="w_key_remove", disabled=not protected, on_click=act, kwargs={
        "work": lambda: _set_key(campaign_id, None), "done": "Clé retirée : la campagne est ouverte à tous."})


def campaign_manager(campaign_id: int) -> None:
    """Everything about the campaign itself, on the « Suivi du terrain » page."""
    item_manager("campaign", campaign_id, store.get_campaign(engine(), campaign_id).name)
    st.markdown("**Accès à la campagne**")
    access_key_form(campaign_id)
    st.markdown("**Conservation des retours (CNIL)**")
    retention_form(campaign_id)
    st.markdown("**Effacer des données sensibles** — jamais présentes dans les exports ni la sauvegarde.")
    purge_buttons(campaign_id)
    st.markdown("**Sauvegarde et déménagement** — un fichier JSON : plans, parcours, retours. La liste "
                "d'opposition et les résultats importés n'y sont pas ; les liens sont à recréer.")
    backup_panel(campaign_id)
