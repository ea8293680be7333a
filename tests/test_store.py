"""Campaign workspace on SQLite and PostgreSQL: campaigns, scenarios, plans, links, returns.

Every test runs on both backends (``store_engine`` is parametrized in conftest.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from lib import store, walk_exports
from lib.errors import TerrainError
from lib.store.models import utcnow

from .helpers import filled_csv, small_turfs


def test_campaigns_are_listed_renamed_and_archived(store_engine):
    a = store.create_campaign(store_engine, "paris", "Législatives", "Ana")
    store.create_campaign(store_engine, "antony", "Municipales", "Léo")
    store.rename(store_engine, "campaign", a, "Législatives 2027")
    assert [c.name for c in store.list_campaigns(store_engine, "paris")] == ["Législatives 2027"]
    store.archive(store_engine, "campaign", a)
    assert store.list_campaigns(store_engine, "paris") == []
    assert [c.id for c in store.list_campaigns(store_engine, "paris", archived=True)] == [a]


def test_an_empty_name_is_refused_in_french(store_engine):
    with pytest.raises(TerrainError, match="nom"):
        store.create_campaign(store_engine, "paris", "   ")


def test_a_scenario_reopens_the_saved_query(store_engine):
    cid = store.create_campaign(store_engine, "paris", "C")
    query = {"t": "paris", "w": "abst:40,gap:60", "k": "5"}
    sid = store.save_scenario(store_engine, cid, "Mobilisation", query, "Ana")
    copy = store.duplicate_scenario(store_engine, sid, "Mobilisation bis")
    assert store.scenario_query(store_engine, sid) == query
    assert store.scenario_query(store_engine, copy) == query
    assert [s.name for s in store.list_scenarios(store_engine, cid)] == ["Mobilisation bis", "Mobilisation"]


def test_a_saved_plan_keeps_turfs_in_walking_order_and_its_holdout(plan):
    engine, _, pid, _ = plan
    saved = store.plan_addresses(engine, pid)
    turfs, _ = small_turfs()
    assert saved[["turf_id", "stop", "address_id"]].values.tolist() == turfs[["turf_id", "stop", "address_id"]].values.tolist()
    assert store.plan_turfs(engine, pid)["portes_estimees"].tolist() == [6, 4]
    design = store.holdout_design(engine, pid)
    assert design.to_dict("records")[1] == {"bureau_id": "75056_0002", "strate": 1, "groupe": "témoin"}


def test_a_duplicated_plan_has_the_same_turfs_and_fresh_statuses(plan):
    engine, cid, pid, ids = plan
    store.update_turfs(engine, pid, [{"id": ids["T01"], "status": "faite", "team": "Rouge"}])
    copy = store.duplicate_plan(engine, pid, "Dimanche")
    assert store.plan_addresses(engine, copy)["address_id"].tolist() == store.plan_addresses(engine, pid)["address_id"].tolist()
    assert set(store.plan_turfs(engine, copy)["status"]) == {"a_faire"}
    assert [p.name for p in store.list_plans(engine, cid)] == ["Dimanche", "Samedi"]


def test_turf_status_team_and_date_are_updated_and_checked(plan):
    engine, _, pid, ids = plan
    store.update_turfs(engine, pid, [{"id": ids["T02"], "status": "attribuee", "team": "Bleue",
                                      "planned_date": date(2026, 3, 7)}])
    row = store.plan_turfs(engine, pid).set_index("code").loc["T02"]
    assert (row["status"], row["team"], row["planned_date"]) == ("attribuee", "Bleue", date(2026, 3, 7))
    same = {"id": ids["T02"], "status": "attribuee", "team": "Bleue", "planned_date": "2026-03-07"}
    assert store.update_turfs(engine, pid, [same]) == 0  # an editor resending its record changes nothing
    with pytest.raises(TerrainError, match="statut"):
        store.update_turfs(engine, pid, [{"id": ids["T02"], "status": "perdue"}])


def test_a_link_opens_its_own_turf_only(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T02"])
    sheet = store.turf_sheet(engine, token)
    assert sheet.code == "T02"
    assert sheet.addresses["label"].tolist() == ["2 Rue B", "4 Rue B"]
    assert len(token) >= 32


@pytest.mark.parametrize("spoil", ["wrong", "revoked", "expired"])
def test_a_bad_link_gets_one_french_message(plan, spoil):
    engine, _, _, ids = plan
    start = utcnow() - timedelta(days=40) if spoil == "expired" else None
    token = store.issue_link(engine, ids["T01"], days=30, now=start)
    if spoil == "revoked":
        assert store.revoke_links(engine, ids["T01"]) == 1
    if spoil == "wrong":
        token = token[:-2] + "xx"
    with pytest.raises(TerrainError) as err:
        store.turf_sheet(engine, token)
    assert str(err.value) == store.BAD_LINK
    with pytest.raises(TerrainError):
        store.record_tap(engine, token, 1, "ouvert", "tap-1")


def test_each_link_is_numbered_listed_and_revoked_alone(plan):
    engine, _, pid, ids = plan
    lost = store.issue_link(engine, ids["T01"])
    kept = store.issue_link(engine, ids["T01"], note="binôme Nord")
    store.issue_link(engine, ids["T02"])
    links = store.list_links(engine, pid)
    t01 = links[links["code"] == "T01"]
    assert t01[["number", "note", "state"]].values.tolist() == [[2, "binôme Nord", "actif"], [1, "", "actif"]]
    assert store.revoke_link(engine, int(t01.loc[t01["number"] == 1, "id"].iloc[0]))
    with pytest.raises(TerrainError, match="pas valable"):
        store.turf_sheet(engine, lost)
    assert store.turf_sheet(engine, kept).link == "T01 · lien 2 (binôme Nord)"  # the rest of the team goes on
    assert store.active_links(engine, list(ids.values())) == {ids["T01"]: 1, ids["T02"]: 1}
    assert store.list_links(engine, pid).set_index(["code", "number"]).loc[("T01", 1), "state"] == "retiré"


def test_taps_are_idempotent_and_the_latest_status_wins(plan):
    engine, _, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    assert store.record_tap(engine, token, 1, "absent", "p1-1")
    assert not store.record_tap(engine, token, 1, "absent", "p1-1")  # resubmitted by a flaky phone
    assert store.record_tap(engine, token, 1, "ouvert", "p1-2")
    assert store.turf_sheet(engine, token).addresses["status"].tolist() == ["ouvert", "", ""]
    cov = store.turf_coverage(engine, pid).set_index("code")
    assert (cov.loc["T01", "knocked"], cov.loc["T01", "opened"]) == (1, 1)


def test_a_tap_on_a_stop_outside_the_turf_is_refused(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T02"])
    with pytest.raises(TerrainError, match="adresse inconnue"):
        store.record_tap(engine, token, 3, "ouvert", "x")  # T02 has 2 stops
    with pytest.raises(TerrainError, match="statut"):
        store.record_tap(engine, token, 1, "sympathisant", "y")


def test_turf_totals_add_up_and_resubmissions_do_not_double(plan):
    engine, _, _pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_report(engine, token, "r1", conversations=4, interested=2, proxies=1)
    store.record_report(engine, token, "r1", conversations=4, interested=2, proxies=1)
    store.record_report(engine, token, "r2", conversations=3, interested=0, proxies=0)
    assert store.turf_sheet(engine, token).totals == {"conversations": 7, "interested": 2, "proxies": 1}
    with pytest.raises(TerrainError, match="totaux"):
        store.record_report(engine, token, "r3", conversations=-1, interested=0, proxies=0)


def test_team_figures_sum_the_turfs_of_each_team(plan):
    engine, _, pid, ids = plan
    store.update_turfs(engine, pid, [{"id": ids["T01"], "team": "Rouge"}, {"id": ids["T02"], "team": "Rouge"}])
    for code, stops in (("T01", [1, 2]), ("T02", [1])):
        token = store.issue_link(engine, ids[code])
        for stop in stops:
            store.record_tap(engine, token, stop, "refus" if stop == 2 else "absent", f"{code}-{stop}")
        store.record_report(engine, token, "r", conversations=2, interested=1, proxies=0)
    teams = store.team_figures(store.turf_coverage(engine, pid)).set_index("team")
    assert teams.loc["Rouge", ["turfs", "knocked", "opened", "conversations"]].tolist() == [2, 3, 1, 4]
    assert teams.loc["Rouge", "doors_knocked"] == 4 + 1 + 2


def test_paper_returns_are_read_from_the_exported_list_once(plan):
    engine, _, pid, _ = plan
    data = filled_csv({("T01", 1): "Ouvert", ("T02", 2): "à revoir"})
    assert store.record_paper_returns(engine, pid, data, "retours.csv").recorded == 2
    again = store.record_paper_returns(engine, pid, data, "retours.csv")
    assert (again.recorded, again.unchanged) == (0, 2)
    cov = store.turf_coverage(engine, pid).set_index("code")
    assert cov["knocked"].tolist() == [1, 1]
    assert cov["done"].tolist() == [1, 0]  # « à revoir » stays to do


def test_paper_returns_from_the_exported_workbook(plan, tmp_path):
    engine, _, pid, _ = plan
    turfs, summary = small_turfs()
    book = pd.read_excel(pd.io.common.BytesIO(walk_exports.turfs_xlsx(turfs, summary, {"Territoire": "Paris"})),
                         sheet_name=None)
    path = tmp_path / "rempli.xlsx"
    with pd.ExcelWriter(path) as out:
        for name, sheet in book.items():
            if name == "T02":
                sheet["Statut"] = ["Absent", "Refus"]
            sheet.to_excel(out, sheet_name=name, index=False)
    assert store.record_paper_returns(engine, pid, path.read_bytes(), "rempli.xlsx").recorded == 2
    assert store.turf_coverage(engine, pid).set_index("code").loc["T02", "opened"] == 1


def test_a_paper_status_contradicting_a_phone_is_reported_with_the_phone_kept(plan):
    engine, _, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "absent", "phone-1")
    store.record_tap(engine, token, 2, "ouvert", "phone-2")
    data = filled_csv({("T01", 1): "Ouvert", ("T01", 2): "Ouvert", ("T01", 3): "Refus"})
    done = store.record_paper_returns(engine, pid, data, "retours.csv")
    assert (done.recorded, done.unchanged) == (1, 1)  # stop 3 new, stop 2 already « ouvert »
    assert done.conflicts[["Parcours", "N°", "Adresse", "Statut du téléphone", "Statut papier"]].values.tolist() == [
        ["T01", 1, "1 Rue A", "Absent", "Ouvert"]]
    assert "1 en conflit avec un téléphone" in done.summary()
    assert store.turf_sheet(engine, token).addresses["status"].tolist() == ["absent", "ouvert", "refus"]


def test_the_organiser_can_replace_the_phone_status_by_the_paper_one(plan):
    engine, _, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "absent", "phone-1")
    data = filled_csv({("T01", 1): "Ouvert"})
    store.record_paper_returns(engine, pid, data, "retours.csv")
    done = store.record_paper_returns(engine, pid, data, "retours.csv", replace_phone=True)
    assert (done.recorded, len(done.conflicts)) == (1, 0)
    assert store.turf_sheet(engine, token).addresses["status"].tolist()[0] == "ouvert"


def test_a_corrected_paper_sheet_replaces_the_earlier_paper_status(plan):
    engine, _, pid, _ = plan
    store.record_paper_returns(engine, pid, filled_csv({("T02", 1): "Absent"}), "samedi.csv")
    done = store.record_paper_returns(engine, pid, filled_csv({("T02", 1): "Ouvert"}), "samedi-corrige.csv")
    assert (done.recorded, len(done.conflicts)) == (1, 0)
    assert store.turf_coverage(engine, pid).set_index("code").loc["T02", "opened"] == 1


def test_paper_lines_at_an_opposed_address_are_counted_not_recorded(plan):
    from lib import opposition

    engine, cid, pid, _ = plan
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    done = store.record_paper_returns(engine, pid, filled_csv({("T01", 2): "Ouvert"}), "retours.csv")
    assert (done.recorded, done.opposed) == (0, 1)
    assert "liste d'opposition" in done.summary()


def test_paper_returns_with_an_unknown_status_are_refused_and_nothing_is_recorded(plan):
    engine, _, pid, _ = plan
    data = filled_csv({("T01", 1): "Ouvert", ("T01", 2): "pour nous"})
    with pytest.raises(TerrainError, match="statut non reconnu"):
        store.record_paper_returns(engine, pid, data, "retours.csv")
    assert store.turf_coverage(engine, pid)["knocked"].sum() == 0


def test_done_addresses_and_covered_bureaux(plan):
    engine, cid, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "ouvert", "t1")
    store.record_tap(engine, token, 2, "a_revoir", "t2")
    store.update_turfs(engine, pid, [{"id": ids["T02"], "status": "faite"}])
    assert store.done_addresses(engine, cid) == {"a1", "b1", "b2"}
    assert store.covered_bureaux(engine, cid) == {"75056_0002"}
    assert store.bureau_coverage(engine, cid).loc["75056_0001", "faites"] == 1


def test_a_campaign_survives_a_restart(db_url):
    from lib import opposition

    engine = store.open_store(db_url)
    cid = store.create_campaign(engine, "paris", "C")
    turfs, summary = small_turfs()
    pid = store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    turf_id = int(store.plan_turfs(engine, pid)["id"][0])
    store.update_turfs(engine, pid, [{"id": turf_id, "team": "Rouge", "status": "attribuee"}])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    token = store.issue_link(engine, turf_id)
    store.record_tap(engine, token, 1, "ouvert", "t1")
    engine.dispose()
    again = store.open_store(db_url)  # a server restart: new engine, migrations and purge run again
    assert store.turf_sheet(again, token).addresses["status"].tolist()[0] == "ouvert"
    assert [c.name for c in store.list_campaigns(again)] == ["C"]
    assert store.plan_turfs(again, pid)[["team", "status"]].values.tolist()[0] == ["Rouge", "attribuee"]
    assert store.load_opposition(again, cid)["texte"].tolist() == ["3 rue A"]
    again.dispose()


def test_an_address_opposed_after_the_plan_was_saved_leaves_the_phone_list(plan):
    from lib import opposition

    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    assert store.turf_sheet(engine, token).addresses["label"].tolist() == ["1 Rue A", "5 Rue A"]
    store.purge(engine, cid, "opposition")
    assert len(store.turf_sheet(engine, token).addresses) == 3
