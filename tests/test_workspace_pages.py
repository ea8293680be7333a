"""AppTest: the workspace in the pages — campaign, saved plan, re-targeting, scenarios, the
« Suivi du terrain » page and the volunteer's phone page (each test has its own SQLite file)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib import fr, store, walk
from lib.dataset import load_territory
from lib.errors import TerrainError
from lib.results_import import ImportedElection

from .helpers import (
    DATA_DIR,
    bureau_colours,
    map_payload,
    open_page,
    requires_dataset,
    synthetic_results,
)

pytestmark = requires_dataset("paris")
BUREAUX = ["75056_0101", "75056_0102"]


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """This test's own workspace database, the one the pages open too."""
    url = f"sqlite:///{tmp_path / 'terrain.sqlite3'}"
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    eng = store.open_store(url)
    yield eng
    eng.dispose()


@pytest.fixture
def saved(engine):
    """A campaign on Paris with a plan of real addresses; returns (campaign, plan, {code: turf id})."""
    data = load_territory(DATA_DIR, "paris")
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), BUREAUX,
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    cid = store.create_campaign(engine, "paris", "Municipales")
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=BUREAUX)
    ids = store.plan_turfs(engine, pid).set_index("code")["id"].to_dict()
    return cid, pid, ids


def phone(token: str) -> AppTest:
    """The app opened by a volunteer's turf link of before the volunteers' page (``/?jeton=…``)."""
    return open_page(query={"jeton": token})


def test_an_old_phone_link_points_to_the_volunteers_page_with_its_token_and_nothing_else(engine, saved):
    _, _, ids = saved
    token = store.issue_link(engine, ids["T01"])
    at = phone(token)
    assert [b.proto.url for b in at.get("link_button")] == [f"terrain/#{token}"]
    assert "changé d'adresse" in at.warning[0].value
    assert not at.error and not at.title and not at.get("dataframe")
    assert not at.sidebar.children or not any(at.sidebar.get("selectbox"))


def test_the_suivi_page_shows_turfs_teams_and_the_coverage_map(engine, saved):
    cid, pid, ids = saved
    store.update_turfs(engine, pid, [{"id": ids["T01"], "team": "Rouge", "status": "attribuee"}])
    for n, turf in enumerate(("T01", "T02")):
        token = store.issue_link(engine, ids[turf])
        store.record_tap(engine, token, 1, "ouvert", f"t{n}")
        store.record_report(engine, token, "r", conversations=3, interested=1, proxies=0)
    at = open_page("pages/suivi.py", campaign=cid)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Conversations"] == "6"
    assert metrics["Adresses frappées"].startswith("2 /")
    assert map_payload(at, "couverture")
    teams = next(d.value for d in at.dataframe if "Équipe" in d.value.columns).set_index("Équipe")
    assert teams.loc["Rouge", "Portes ouvertes"] == 1


def test_the_team_table_counts_addresses_and_doors_under_their_own_names(engine, saved):
    cid, pid, ids = saved
    store.update_turfs(engine, pid, [{"id": ids["T01"], "team": "Rouge"}])
    token = store.issue_link(engine, ids["T01"])
    for stop in (1, 2):
        store.record_tap(engine, token, stop, "absent", f"t{stop}")
    doors = store.plan_addresses(engine, pid).query("turf_id == 'T01' and stop <= 2")["est_doors"].sum()
    at = open_page("pages/suivi.py", campaign=cid)
    teams = next(d.value for d in at.dataframe if "Équipe" in d.value.columns).set_index("Équipe")
    assert "Portes frappées" not in teams.columns  # the old name counted addresses
    assert teams.loc["Rouge", ["Adresses frappées", "Portes frappées (est.)"]].tolist() == [2, round(doors)]
    headline = {m.label: m.value for m in at.metric}
    assert headline["Portes frappées (est.)"] == fr.number(doors)
    assert headline["Adresses frappées"].startswith("2 /")


def test_the_suivi_page_without_a_campaign_says_what_to_do(engine):
    at = open_page("pages/suivi.py")
    assert any("Choisissez ou créez une campagne" in i.value for i in at.info)


def test_a_link_made_on_the_suivi_page_opens_the_phone_page(engine, saved):
    cid, _, _ = saved
    at = open_page("pages/suivi.py", campaign=cid)
    at.selectbox(key="w_link_turf").select("T02").run()
    next(b for b in at.button if b.label.startswith("Créer un lien")).click().run()
    link = at.code[-1].value
    assert "/terrain/#" in link and "?" not in link  # the token in the fragment: never sent, never logged
    assert store.turf_sheet(engine, link.split("#", 1)[1]).code == "T02"


def test_one_click_makes_a_link_per_turf_printed_with_qr_codes(engine, saved):
    cid, pid, ids = saved
    at = open_page("pages/suivi.py", campaign=cid)
    at.button(key="w_link_all").click().run()
    assert not at.exception and not at.error
    links = store.list_links(engine, pid)
    assert sorted(links["code"]) == sorted(ids) and set(links["state"]) == {"actif"}
    assert [b.proto.label for b in at.get("download_button")][-2:] == [
        "Feuille des QR codes (PDF)", "Dossier terrain avec QR codes (PDF)"]


def test_a_link_note_written_as_markdown_is_shown_as_text_on_the_suivi_page(engine, saved):
    cid, _, _ = saved
    at = open_page("pages/suivi.py", campaign=cid)
    at.text_input(key="w_link_note").input("![](https://track.example/p.png)")
    next(b for b in at.button if b.label.startswith("Créer un lien")).click().run()
    said = [m.value for m in at.markdown if m.value.startswith("Lien **")]
    assert said and "![](" not in said[0] and fr.markdown_text("(![](https://track.example/p.png))") in said[0]


def test_one_lost_phone_link_is_revoked_on_the_suivi_page_and_the_team_goes_on(engine, saved):
    cid, _, ids = saved
    lost, kept = store.issue_link(engine, ids["T01"]), store.issue_link(engine, ids["T01"])
    at = open_page("pages/suivi.py", campaign=cid)
    shown = next(d.value for d in at.dataframe if "Lien" in d.value.columns)
    assert shown["Lien"].tolist() == ["T01 · lien 2", "T01 · lien 1"]
    links = store.list_links(engine, saved[1])
    at.selectbox(key="w_link_one").select(int(links.loc[links["number"] == 1, "id"].iloc[0])).run()
    at.button(key="w_link_revoke_one").click().run()
    assert any("lien 1 retiré" in s.value for s in at.success)
    with pytest.raises(TerrainError):
        store.turf_sheet(engine, lost)
    assert store.turf_sheet(engine, kept).code == "T01"


def test_the_purge_button_deletes_the_opposition_list(engine, saved):
    cid, _, _ = saved
    from lib import opposition

    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n1 rue de Rivoli\n", "o.csv"))
    at = open_page("pages/suivi.py", campaign=cid)
    at.checkbox(key="w_purge_sure").check().run()
    at.button(key="w_purge_opposition").click().run()
    assert store.load_opposition(engine, cid).empty


def test_a_walk_plan_saved_from_the_list_page_lands_in_the_campaign(engine):
    cid = store.create_campaign(engine, "paris", "Législatives")
    at = open_page("pages/listes.py", campaign=cid)
    at.text_input(key="w_plan_name").input("Samedi matin")
    at.button(key="w_plan_save").click().run()
    assert not at.exception
    plans = store.list_plans(engine, cid)
    assert [p.name for p in plans] == ["Samedi matin"]
    assert len(store.plan_turfs(engine, plans[0].id)) > 0


def test_doors_already_done_are_skipped_in_new_lists_unless_asked(engine, saved):
    cid, pid, ids = saved
    store.update_turfs(engine, pid, [{"id": ids["T01"], "status": "faite"}])
    at = open_page("pages/listes.py", {"t": "paris"}, campaign=cid)
    assert any("déjà faites" in c.value for c in at.caption)
    at.toggle(key="w_skip_done").set_value(False).run()
    assert not any("déjà faites" in c.value for c in at.caption)


def test_a_scenario_saved_on_the_map_reopens_the_view(engine):
    cid = store.create_campaign(engine, "paris", "C")
    at = open_page("pages/carte.py", campaign=cid)
    at.slider(key="w_w_abstention").set_value(17).run()
    at.text_input(key="w_scenario_name").input("Abstention 17").run()
    at.button(key="w_scenario_save").click().run()
    assert [s.name for s in store.list_scenarios(engine, cid)] == ["Abstention 17"]
    at.slider(key="w_w_abstention").set_value(80).run()
    at.button(key="w_scenario_open").click().run()
    assert at.slider(key="w_w_abstention").value == 17


def test_imported_results_of_the_campaign_come_back_in_a_new_session(engine):
    cid = store.create_campaign(engine, "paris", "C")
    results = synthetic_results(BUREAUX, election="import_partielle")
    store.save_import(engine, cid, ImportedElection("import_partielle", "Partielle", results, 2))
    at = open_page("pages/carte.py", campaign=cid)
    assert "import_partielle" in at.selectbox(key="w_election").options or \
        any("Partielle" in str(o) for o in at.selectbox(key="w_election").options)
    assert isinstance(at.session_state["imports"]["paris"][0].results, pd.DataFrame)


def _bureau_alphas(at: AppTest) -> list[int]:
    """Alpha of each bureau's colour in the priority map's last payload."""
    return [colour[3] for colour in bureau_colours(at, "priority")]


def test_the_map_fades_bureaux_already_covered_unless_asked(engine, saved):
    cid, pid, ids = saved
    store.update_turfs(engine, pid, [{"id": turf, "status": "faite"} for turf in ids.values()])
    at = open_page("pages/carte.py", campaign=cid)
    faded = sum(a == 45 for a in _bureau_alphas(at))
    assert faded >= len(BUREAUX)
    at.toggle(key="w_skip_done").set_value(False).run()
    assert sum(a == 45 for a in _bureau_alphas(at)) == 0


def test_the_suivi_address_map_colours_doors_by_status(engine, saved):
    cid, pid, ids = saved
    store.record_tap(engine, store.issue_link(engine, ids["T01"]), 1, "ouvert", "t1")
    at = open_page("pages/suivi.py", campaign=cid)
    at.segmented_control(key="w_suivi_map").set_value("Adresses").run()
    meta, arrays, _ = map_payload(at, "portes")
    points = meta["view"]["points"]
    assert len(arrays["m.points.xy"]) == len(store.plan_addresses(engine, pid))
    colours = [points["palette"][i] for i in arrays["m.points.colour"].tolist()]
    tips = [points["texts"][i] for i in arrays["m.points.tip"].tolist()]
    green = [t for c, t in zip(colours, tips, strict=True) if c == [26, 140, 60, 235]]
    assert len(green) == 1 and green[0].startswith("T01 · 1.") and green[0].endswith("Ouvert")


def test_turf_edits_on_the_suivi_page_are_saved_once(engine, saved):
    cid, pid, ids = saved
    at = open_page("pages/suivi.py", campaign=cid)
    editor_key = f"turfs-{pid}-0"
    row = sorted(ids).index("T02")
    at.session_state[editor_key] = {"edited_rows": {row: {"team": "Bleue", "status": "Attribuée",
                                                          "planned_date": "07/03/2026"}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    turf = store.plan_turfs(engine, pid).set_index("code").loc["T02"]
    assert (turf["team"], turf["status"], str(turf["planned_date"])) == ("Bleue", "attribuee", "2026-03-07")
    at.run()  # the same edit record again: nothing to save, no rerun loop (AppTest would time out)
    assert not at.exception


def test_a_turf_changed_by_another_organiser_meanwhile_is_not_overwritten_and_said(engine, saved):
    cid, pid, ids = saved
    at = open_page("pages/suivi.py", campaign=cid)
    version = int(store.plan_turfs(engine, pid).set_index("code").loc["T02", "version"])
    store.update_turfs(engine, pid, [{"id": ids["T02"], "version": version, "team": "Rouge"}], organiser="Ana")
    row = sorted(ids).index("T02")  # the table this organiser was looking at still says « sans équipe »
    at.session_state[f"turfs-{pid}-0"] = {"edited_rows": {row: {"team": "Bleue"}}, "added_rows": [],
                                          "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "modifié entre-temps par Ana" in " ".join(e.value for e in at.error)
    assert store.plan_turfs(engine, pid).set_index("code").loc["T02", "team"] == "Rouge"
    assert at.data_editor[0].value.loc[ids["T02"], "team"] == "Rouge"


def test_a_backup_of_an_unknown_territory_restored_on_the_suivi_page_is_refused_with_its_place(engine, saved):
    import json

    cid, _, _ = saved
    backup = json.loads(store.export_campaign(engine, cid))
    backup["campaign"]["territory"] = "atlantide"
    at = open_page("pages/suivi.py", campaign=cid)
    at.file_uploader(key="w_backup_file").set_value(("campagne.json", json.dumps(backup).encode(), "application/json"))
    at.run()
    next(b for b in at.button if b.label == "Importer la sauvegarde").click().run()
    assert not at.exception
    assert any("campagne, champ « territory » : territoire inconnu" in e.value for e in at.error)
    assert len(store.list_campaigns(engine, archived=True)) == 1


def test_scenarios_are_renamed_duplicated_and_archived_on_the_suivi_page(engine):
    cid = store.create_campaign(engine, "paris", "C")
    store.save_scenario(engine, cid, "Vue A", {"t": "paris"}, "Ana")
    at = open_page("pages/suivi.py", campaign=cid)
    at.text_input(key="w_scenario_copy").input("Vue B").run()
    at.button(key="w_scenario_copy_go").click().run()
    assert sorted(s.name for s in store.list_scenarios(engine, cid)) == ["Vue A", "Vue B"]
    at.button(key="w_scenario_archive").click().run()
    assert len(store.list_scenarios(engine, cid)) == 1


def test_the_campaign_opposition_list_is_applied_without_uploading_it_again(engine):
    from lib import opposition

    cid = store.create_campaign(engine, "paris", "C")
    data = load_territory(DATA_DIR, "paris")
    first = data.addresses[data.addresses["bureau_id"] == "75056_0101"].iloc[0]
    line = f"adresse\n{first['number']} {first['street']}\n".encode()
    store.save_opposition(engine, cid, opposition.read_opposition_csv(line, "o.csv"))
    at = open_page("pages/listes.py", {"t": "paris"}, campaign=cid)
    at.radio(key="w_walk_mode").set_value("manual").run()
    at.multiselect(key="w_walk_ids").set_value(["75056_0101"]).run()
    assert any("Liste d'opposition de la campagne : 1 ligne(s)" in c.value for c in at.caption)
    assert any(s.value.startswith("1 ligne(s) sur 1 reconnue(s)") for s in at.success)


# Returns are never wiped silently ----------------------------------------------------------------

def test_a_campaign_whose_retention_is_already_over_is_not_created(engine):
    at = open_page("pages/suivi.py")
    at.text_input(key="w_new_campaign").input("Municipales 2026")
    at.date_input(key="w_new_campaign_day").set_value(date(2026, 3, 15))  # + 90 days: over long ago
    at.button(key="w_new_campaign_go").click().run()
    assert store.list_campaigns(engine) == []
    assert any("déjà écoulée" in e.value for e in at.error)


def test_the_suivi_page_says_when_the_returns_will_be_erased(engine, saved):
    cid, _, _ = saved
    store.set_retention(engine, cid, date.today() + timedelta(days=30), 90)
    erased = date.today() + timedelta(days=120)
    at = open_page("pages/suivi.py", campaign=cid)
    assert any(f"effacés le {erased:%d/%m/%Y}" in c.value for c in at.caption)


def test_the_suivi_page_warns_when_the_retention_is_over(engine, saved):
    cid, _, _ = saved
    store.set_retention(engine, cid, date(2020, 1, 1), 10, today=date(2019, 12, 1))
    at = open_page("pages/suivi.py", campaign=cid)
    assert any("effacés au prochain démarrage" in e.value for e in at.error)


# « Mesure d'impact » ---------------------------------------------------------------------------------

def _plan_with_temoins(engine, n_bureaux: int) -> int:
    """A campaign on Paris whose plan has témoins over the first ``n_bureaux`` (turfs in the first two)."""
    from lib import holdout

    data = load_territory(DATA_DIR, "paris")
    ids = sorted(data.bureaux["bureau_id"])[:n_bureaux]
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), ids[:2],
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    cid = store.create_campaign(engine, "paris", "Municipales")
    store.save_plan(engine, cid, "Avec témoins", turfs, summary, bureaux=ids, holdout=holdout.holdout(ids))
    return cid


def test_the_impact_page_measures_a_saved_holdout_on_two_elections(engine):
    """A plan with témoins over the 40 first Paris bureaux; municipales 2026 against présidentielle 2017."""
    at = open_page("pages/impact.py", campaign=_plan_with_temoins(engine, 40))
    at.selectbox(key="w_imp_after").select("mun2026t1").run()
    at.selectbox(key="w_imp_before").select("pres2017t1").run()
    assert not at.error
    assert [s.value for s in at.subheader][:2] == ["Participation", "Score de notre camp"]
    effect = next(m.value for m in at.metric if m.label == "Effet estimé")
    assert effect.endswith(" pt") and effect != "— pt"
    assert any("8 strates" in e.label for e in at.expander)


def test_the_impact_page_without_a_holdout_says_what_to_do(engine, saved):
    at = open_page("pages/impact.py", campaign=saved[0])
    assert any("Garder des bureaux témoins" in i.value for i in at.info)


def test_a_turf_without_a_date_shows_an_empty_cell_not_none(engine, saved):
    cid, _, _ = saved
    at = open_page("pages/suivi.py", campaign=cid)
    dates = at.data_editor[0].value["planned_date"]
    assert dates.tolist() == [""] * len(dates)


def test_the_suivi_page_says_what_the_saved_plan_may_be_worth_in_votes(engine, saved):
    from lib import door_value

    cid, pid, _ = saved
    at = open_page("pages/suivi.py", {"camp": "gauche"}, campaign=cid)
    metrics = {m.label: m.value for m in at.metric}
    data = load_territory(DATA_DIR, "paris")
    found = door_value.margin(data.results, "mun2026t1", ["GRÉGOIRE"], BUREAUX)
    doors = float(store.plan_turfs(engine, pid)["portes_estimees"].sum())
    value = door_value.door_value(doors, 0.30, round(100 * found.share) / 100)
    assert metrics["Écart à la dernière élection"] == fr.number(found.gap)
    assert metrics["Voix nettes (a priori)"] == fr.number(value.net_votes[1])
    assert metrics["Fourchette (IC 95 %)"] == f"{fr.number(value.net_votes[0])} à {fr.number(value.net_votes[2])}"
    assert any("Green, McGrath & Aronow" in c.value for c in at.caption)


def test_the_impact_page_shows_the_published_prior_beside_the_campaign_estimate(engine):
    at = open_page("pages/impact.py", {"camp": "gauche"}, campaign=_plan_with_temoins(engine, 10))
    labels = [m.label for m in at.metric]
    assert "Effet estimé" in labels and "Voix nettes (a priori)" in labels
    assert any("ce que la littérature laissait attendre" in e.label for e in at.expander)
