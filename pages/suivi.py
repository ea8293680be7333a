"""« Suivi du terrain »: turfs of a saved plan, their status and team, coverage map, team figures,
volunteer links, paper returns, and the campaign's own settings (retention, purge, backup)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from lib import door_value, fr, store, ui
from lib.doors import status_hint
from lib.field.printouts import PrintedLink, link_detail, links_sheet_pdf, packet_of_plan
from lib.walk_exports import field_packet_pdf

data = ui.page_setup("Suivi du terrain")
if data is None:
    st.stop()
st.title("Suivi du terrain")
campaign = ui.campaign_or_stop(
    data, "Choisissez ou créez une campagne dans la barre latérale, puis enregistrez un plan depuis "
          "« Listes de porte-à-porte ».")
engine = ui.engine()
with ui.guard("la conservation des retours"):
    ui.retention_notice(campaign)
STATUS_LABELS = store.TURF_STATUSES
EDITABLE = ("status", "team", "planned_date")
# One set of names for the headline, the turf table and the team table: an address may hold
# several doors, so what is counted per address and what is estimated in doors are named apart.
TABLE = {"code": "Parcours", "status": "Statut", "team": "Équipe", "planned_date": "Date prévue",
         "adresses": "Adresses", "portes_estimees": "Portes (est.)", "coverage": "Fait", "knocked": "Adresses frappées",
         "doors_knocked": "Portes frappées (est.)", "opened": "Portes ouvertes", "conversations": "Conversations",
         "interested": "Intéressés", "proxies": "Procurations", "links": "Liens actifs"}
TEAM_COLUMNS = ["team", "turfs", "knocked", "doors_knocked", "opened", "conversations"]


def progress(cov: pd.DataFrame, settings: dict) -> None:
    """Headline figures and progress against the capacity planner saved with the plan."""
    doors_plan = float(cov["portes_estimees"].sum())
    capacity = float(settings.get("capacity_doors") or doors_plan)
    knocked = float(cov["doors_knocked"].sum())
    m = st.columns(5)
    m[0].metric("Parcours faits", f"{int((cov['status'] == 'faite').sum())} / {len(cov)}")
    m[1].metric(TABLE["knocked"], f"{fr.number(cov['knocked'].sum())} / {fr.number(cov['adresses'].sum())}")
    m[2].metric(TABLE["doors_knocked"], fr.number(knocked))
    m[3].metric("Conversations", fr.number(cov["conversations"].sum()))
    m[4].metric("Procurations demandées", fr.number(cov["proxies"].sum()))
    goal = min(doors_plan, capacity) or 1.0
    st.progress(min(1.0, knocked / goal),
                text=f"{fr.number(100 * knocked / goal)} % des portes que la capacité prévue permet "
                     f"({fr.number(goal)} portes est.).")


def turf_edits(plan_id: int, key: str, cov: pd.DataFrame) -> None:
    """Save what the user changed in the turf table (the editor's own record, never a re-read),
    with each turf's version as the user saw it: a turf another organiser changed meanwhile is
    refused and said (who, when, what it says now). The editor then starts afresh on the saved data."""
    edits = st.session_state.get(key, {}).get("edited_rows", {})
    if not edits:
        return
    seen = st.session_state.get(f"_turfs_seen_{plan_id}") or list(zip(cov["id"], cov["version"], strict=True))
    by_label = {v: k for k, v in STATUS_LABELS.items()}

    def save() -> None:
        changes = [{"id": int(seen[int(pos)][0]), "version": int(seen[int(pos)][1]),
                    **{c: by_label.get(v, v) if c == "status" else fr.parse_day(v) if c == "planned_date" else v
                       for c, v in cols.items() if c in EDITABLE}}
                   for pos, cols in edits.items()]
        store.update_turfs(engine, plan_id, changes, organiser=ui.organiser())
    ui.act(save)
    st.session_state[f"_turfs_round_{plan_id}"] = st.session_state.get(f"_turfs_round_{plan_id}", 0) + 1
    st.rerun()


def turf_table(plan_id: int, cov: pd.DataFrame) -> None:
    """Editable status / team / date; every other column comes from the field."""
    key = f"turfs-{plan_id}-{st.session_state.get(f'_turfs_round_{plan_id}', 0)}"
    turf_edits(plan_id, key, cov)
    links = store.active_links(engine, cov["id"].tolist())
    shown = cov.assign(status=cov["status"].map(STATUS_LABELS), links=cov["id"].map(links).fillna(0).astype(int),
                       planned_date=cov["planned_date"].map(fr.day_text), coverage=(100 * cov["coverage"]).round(),
                       doors_knocked=cov["doors_knocked"].round().astype(int))
    shown = shown.set_index("id")[list(TABLE)]
    st.session_state[f"_turfs_seen_{plan_id}"] = list(zip(cov["id"], cov["version"], strict=True))
    st.data_editor(
        shown, key=key, disabled=[c for c in TABLE if c not in EDITABLE],
        column_config={"status": st.column_config.SelectboxColumn("Statut", options=list(STATUS_LABELS.values()),
                                                                  required=True),
                       "planned_date": st.column_config.TextColumn("Date prévue", validate=fr.DAY_PATTERN,
                                                                   help="jj/mm/aaaa (vide : pas de date)"),
                       "coverage": st.column_config.ProgressColumn("Fait", min_value=0, max_value=100,
                                                                   format="%d %%"),
                       **{k: v for k, v in TABLE.items() if k not in ("status", "planned_date", "coverage")}})


def coverage_map(plan_id: int) -> None:
    """Campaign-wide coverage by bureau (every plan counts), or this plan's addresses by door
    status; both framed on this plan."""
    ui.seed("w_suivi_map", "Bureaux")
    if st.segmented_control("Carte", ["Bureaux", "Adresses"], key="w_suivi_map", label_visibility="collapsed") \
            == "Adresses":
        stops = store.plan_addresses(engine, plan_id)
        stops["status"] = stops["stop_id"].map(store.stop_statuses(engine, plan_id)).astype(object).fillna("")
        ui.door_status_map(data, stops, {"": "pas encore", **store.DOOR_STATUSES}, key="status-map")
        st.caption("Gris : pas encore ; vert : ouvert ; orange : absent ; rouge : refus ; bleu : à revoir "
                   "(le statut est aussi écrit au survol de chaque adresse).")
        return
    ui.coverage_map(data, store.bureau_coverage(engine, campaign), frame_on=list(store.get_plan(engine, plan_id).bureaux),
                    key="coverage-map")
    st.caption("Jaune : bureau planifié, pas encore fait ; vert foncé : entièrement fait ; gris : hors des plans.")


def links_panel(plan_id: int, cov: pd.DataFrame) -> None:
    """One link per phone: numbered, shown once (only its fingerprint is stored), revocable alone."""
    codes = dict(zip(cov["code"], cov["id"], strict=True))
    c1, c2, c3 = st.columns([1, 1, 1])
    code = c1.selectbox("Parcours", list(codes), key="w_link_turf")
    days = c2.number_input("Valable (jours)", 1, 120, 30, key="w_link_days")
    c3.text_input("Repère (facultatif)", max_chars=store.links.NOTE_MAX, key="w_link_note",
                  placeholder="ex. binôme Nord", help="Pour reconnaître ce lien dans la liste (pas de nom d'électeur).")

    def issue() -> None:
        token = store.issue_link(engine, codes[code], days=int(days), note=st.session_state["w_link_note"])
        newest = store.list_links(engine, plan_id).query("turf_id == @codes[@code]").iloc[0]
        st.session_state["_new_link"] = (store.link_label(code, newest["number"], newest["note"]),
                                         ui.link_for(token, "suivi"))
    def revoke_all() -> None:
        st.session_state.pop("_new_link", None)
        store.revoke_links(engine, codes[code])
    b1, b2 = st.columns(2)
    b1.button("Créer un lien pour ce parcours", type="primary", width="stretch", key="w_link_new",
              on_click=ui.act, kwargs={"work": issue})
    b2.button("Retirer tous les liens de ce parcours", width="stretch", key="w_link_revoke", on_click=ui.act,
              kwargs={"work": revoke_all, "done": f"Liens du parcours {fr.markdown_text(code)} retirés : ils n'ouvrent plus rien."})
    if st.session_state.get("_new_link"):
        label, link = st.session_state["_new_link"]
        st.markdown(f"Lien **{fr.markdown_text(label)}** (copiez-le maintenant : il ne sera plus affiché) :")
        st.code(link, language=None)
    printed_links(plan_id, int(days), cov)
    links_list(plan_id)


def printed_links(plan_id: int, days: int, cov: pd.DataFrame) -> None:
    """One click: a new link per turf, on a sheet of QR codes to print and in the field packet (a QR
    code on each turf's page). The links are secrets shown once: these files are made now only."""
    plan = store.get_plan(engine, plan_id)

    def issue_all() -> None:
        tokens = store.issue_plan_links(engine, plan_id, days=days, note=f"feuille du {date.today():%d/%m}")
        urls = {code: ui.link_for(token, "suivi") for code, token in tokens.items()}
        turfs = cov.set_index("code")
        sheet = [PrintedLink(code, link_detail(turfs.loc[code].to_dict()), url) for code, url in urls.items()]
        addresses, summary = packet_of_plan(store.plan_addresses(engine, plan_id), store.plan_turfs(engine, plan_id))
        provenance = fr.provenance(territory=data.name, date=date.today().isoformat(), sentence=plan.name,
                                   sources="Base Adresse Nationale")
        st.session_state["_printed_links"] = (plan_id, links_sheet_pdf(
            sheet, title=plan.name, expires=datetime.now() + timedelta(days=days)), field_packet_pdf(
            addresses, summary, title=plan.name, provenance=provenance, links=urls))
    st.button("Liens et QR codes de tous les parcours (à imprimer)", width="stretch", key="w_link_all",
              on_click=ui.act, kwargs={"work": issue_all, "done": f"{len(cov)} liens créés, un par parcours : "
                                       "imprimez-les maintenant (ils ne seront plus affichés)."})
    shown = st.session_state.get("_printed_links")
    if shown and shown[0] == plan_id:
        c1, c2 = st.columns(2)
        c1.download_button("Feuille des QR codes (PDF)", shown[1], f"liens_{fr.slug(plan.name)}.pdf",
                           "application/pdf", width="stretch", key="w_link_sheet")
        c2.download_button("Dossier terrain avec QR codes (PDF)", shown[2], f"dossier_{fr.slug(plan.name)}.pdf",
                           "application/pdf", width="stretch", key="w_link_packet")


def links_list(plan_id: int) -> None:
    """The plan's links (never a token): which one, made and expiring when, still active; revoke one."""
    links = store.list_links(engine, plan_id)
    if links.empty:
        return
    labels = {int(r.id): store.link_label(r.code, r.number, r.note) for r in links.itertuples()}
    ui.table(pd.DataFrame({"Lien": links["id"].map(labels), "Créé le": links["created_at"],
                           "Expire le": links["expires_at"], "État": links["state"]}))
    active = [i for i, state in zip(links["id"], links["state"], strict=True) if state == "actif"]
    if not active:
        return
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    chosen = c1.selectbox("Lien à retirer (téléphone perdu…)", active, format_func=labels.get, key="w_link_one")
    c2.button("Retirer ce lien seulement", width="stretch", key="w_link_revoke_one", on_click=ui.act,
              kwargs={"work": lambda: store.revoke_link(engine, int(chosen)),
                      "done": f"Lien {fr.markdown_text(labels[chosen])} retiré ; les autres liens restent valables."})


def paper_returns(plan_id: int) -> None:
    """Filled-in exported lists (CSV or Excel) with their « Statut » column; conflicts with a phone shown."""
    upload = st.file_uploader(f"Liste exportée remplie à la main (CSV ou Excel, colonne « Statut » : {status_hint()} ; "
                              f"{fr.number(store.paper.MAX_PAPER_ROWS)} lignes au plus, une ligne par passage)",
                              type=["csv", "xlsx"], key=f"w_paper_{plan_id}")
    if upload is None:
        ui.flash()
        return
    which = (plan_id, upload.file_id)

    def save(replace_phone: bool = False) -> None:
        done = store.record_paper_returns(engine, plan_id, upload.getvalue(), upload.name, replace_phone=replace_phone)
        st.session_state["_paper"] = (which, done)
    st.button("Enregistrer ces retours", key="w_paper_save", on_click=ui.act, kwargs={"work": save})
    ui.flash()
    shown, done = st.session_state.get("_paper", (None, None))
    if shown != which:
        return
    (st.warning if len(done.conflicts) else st.success)(done.summary())
    if len(done.conflicts):
        st.caption("Pour ces adresses, un téléphone a déjà noté un autre statut, à la porte et à l'heure indiquée : "
                   "il est gardé. Vérifiez avec l'équipe ; si la feuille papier est juste, remplacez-le.")
        ui.table(done.conflicts)
        st.button(f"Remplacer par les statuts papier ({len(done.conflicts)} adresse(s))", key="w_paper_replace",
                  on_click=ui.act, kwargs={"work": lambda: save(replace_phone=True)})


plans = store.list_plans(engine, campaign)
if not plans:
    st.info("Aucun plan dans cette campagne : enregistrez-en un depuis « Listes de porte-à-porte ».")
else:
    labels = {p.id: f"{p.name} — {p.organiser or 'anonyme'}, {p.created_at:%d/%m/%Y %H:%M}" for p in plans}
    plan_id = st.selectbox("Plan de porte-à-porte", list(labels), format_func=labels.get, key="w_plan")
    with ui.timed("suivi"), ui.guard("le suivi"):
        cov = store.turf_coverage(engine, plan_id)
        progress(cov, store.get_plan(engine, plan_id).settings)
        turf_table(plan_id, cov)
        map_col, team_col = st.columns([3, 2])
        with map_col:
            coverage_map(plan_id)
        with team_col:
            st.markdown("**Par équipe**")
            teams = store.team_figures(cov)[TEAM_COLUMNS].assign(
                doors_knocked=lambda t: t["doors_knocked"].round().astype(int))
            ui.table(teams.rename(columns={**TABLE, "turfs": "Parcours"}))
    with st.expander("Ce que ce plan peut valoir en voix (estimation a priori)", icon=":material/how_to_vote:"), \
            ui.guard("l'estimation en voix"):
        saved = store.get_plan(engine, plan_id)
        ui.door_value_panel(data, door_value.visited(saved.bureaux, store.holdout_design(engine, plan_id)),
                            float(cov["portes_estimees"].sum()), key="w_suivi_votes")
    with st.expander("Liens de retour pour les téléphones", icon=":material/smartphone:"), ui.guard("les liens"):
        links_panel(plan_id, cov)
        ui.flash()
    with st.expander("Retours sur papier", icon=":material/description:"), ui.guard("les retours papier"):
        paper_returns(plan_id)
    with st.expander("Gérer ce plan", icon=":material/edit:"), ui.guard("le plan"):
        ui.item_manager("plan", plan_id, labels[plan_id].split(" — ")[0])
with st.expander("Scénarios de la carte", icon=":material/bookmarks:"), ui.guard("les scénarios"):
    ui.scenario_manager(campaign)
with st.expander("Gérer la campagne : conservation, effacement, sauvegarde", icon=":material/settings:"), \
        ui.guard("la campagne"):
    ui.campaign_manager(campaign)
ui.publish_view()
