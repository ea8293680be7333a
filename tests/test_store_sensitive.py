"""Sensitive data per campaign (opposition list, imported results, returns): kept, never exported,
purged on demand and after the retention period; backup round trip with the same numbers."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from lib import opposition, store
from lib.errors import TerrainError
from lib.results_import import ImportedElection

from .helpers import filled_csv, small_turfs, synthetic_results

OPPOSITION_CSV = b"adresse\n3 rue A 75001\n12 bd Voltaire\n"


def _returns(engine, ids) -> None:
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "ouvert", "t1")
    store.record_tap(engine, token, 2, "absent", "t2")
    store.record_report(engine, token, "r1", conversations=3, interested=1, proxies=1)


def test_the_opposition_list_is_kept_per_campaign(store_engine):
    a = store.create_campaign(store_engine, "paris", "A")
    b = store.create_campaign(store_engine, "paris", "B")
    listed = opposition.read_opposition_csv(OPPOSITION_CSV, "opposition.csv")
    assert store.save_opposition(store_engine, a, listed) == 2
    pd.testing.assert_frame_equal(store.load_opposition(store_engine, a), listed, check_dtype=False)
    assert store.load_opposition(store_engine, b).empty


def test_imported_results_are_kept_and_removed(store_engine):
    cid = store.create_campaign(store_engine, "paris", "A")
    results = synthetic_results(["75056_0001", "75056_0002"], election="import_leg_2022")
    store.save_import(store_engine, cid, ImportedElection("import_leg_2022", "Législatives 2022", results, 2))
    back = store.load_imports(store_engine, cid)
    assert [(e.id, e.label, e.matched) for e in back] == [("import_leg_2022", "Législatives 2022", 2)]
    assert back[0].results["votes"].sum() == results["votes"].sum()
    store.remove_import(store_engine, cid, "import_leg_2022")
    assert store.load_imports(store_engine, cid) == []


@pytest.mark.parametrize("what", ["opposition", "imports", "returns"])
def test_purge_deletes_one_kind_of_sensitive_data(plan, what):
    engine, cid, pid, ids = plan
    store.save_opposition(engine, cid, opposition.read_opposition_csv(OPPOSITION_CSV, "o.csv"))
    store.save_import(engine, cid, ImportedElection("import_x", "X", synthetic_results(["75056_0001"], "import_x"), 1))
    _returns(engine, ids)
    assert store.purge(engine, cid, what) > 0
    left = {"opposition": len(store.load_opposition(engine, cid)), "imports": len(store.load_imports(engine, cid)),
            "returns": int(store.turf_coverage(engine, pid)["knocked"].sum())}
    assert left[what] == 0
    assert all(n > 0 for k, n in left.items() if k != what)


def test_returns_are_purged_after_election_day_plus_retention(plan):
    engine, cid, pid, ids = plan
    _returns(engine, ids)
    store.set_retention(engine, cid, date(2026, 3, 15), 30, today=date(2026, 3, 1))
    assert store.purge_expired_returns(engine, today=date(2026, 4, 13)) == 0
    assert store.turf_coverage(engine, pid)["knocked"].sum() == 2
    assert store.purge_expired_returns(engine, today=date(2026, 4, 14)) > 0
    cov = store.turf_coverage(engine, pid)
    assert cov["knocked"].sum() == 0 and cov["conversations"].sum() == 0
    assert len(store.plan_addresses(engine, pid)) == 5  # the plan itself stays


def test_purge_at_start_runs_the_retention_and_logs_it(db_url, caplog):
    engine = store.open_store(db_url)
    cid = store.create_campaign(engine, "paris", "Municipales")
    turfs, summary = small_turfs()
    pid = store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    _returns(engine, dict(zip(store.plan_turfs(engine, pid)["code"], store.plan_turfs(engine, pid)["id"], strict=True)))
    store.set_retention(engine, cid, date(2020, 1, 1), 10, today=date(2019, 12, 1))  # long past by now
    engine.dispose()
    with caplog.at_level("WARNING", logger="terrain"):
        again = store.open_store(db_url)
    assert store.turf_coverage(again, pid)["knocked"].sum() == 0
    assert any(f"campaign {cid} « Municipales »" in r.getMessage() and "2020-01-01" in r.getMessage()
               for r in caplog.records)
    again.dispose()


# Returns are never wiped silently ------------------------------------------------------------------

def test_an_election_day_whose_retention_is_over_is_refused_at_creation(store_engine):
    with pytest.raises(TerrainError, match="durée de conservation des retours est déjà écoulée"):
        store.create_campaign(store_engine, "paris", "C", election_date=date(2026, 3, 15), retention_days=90,
                              today=date(2026, 12, 3))
    assert store.list_campaigns(store_engine) == []


def test_a_past_election_day_still_within_retention_is_accepted_with_a_warning(store_engine):
    day, today = date(2026, 11, 15), date(2026, 12, 3)
    store.create_campaign(store_engine, "paris", "C", election_date=day, retention_days=90, today=today)
    said = store.retention.on_creation(day, 90, today)
    assert said.level == "warning" and "effacés le 13/02/2027" in said.text


def test_a_retention_change_that_would_erase_the_returns_at_once_is_refused(plan):
    engine, cid, _, _ = plan
    with pytest.raises(TerrainError, match="déjà écoulée"):
        store.set_retention(engine, cid, date(2025, 3, 15), 90, today=date(2026, 12, 3))  # a typo in the year
    assert store.get_campaign(engine, cid).election_date is None


def _closed(engine, cid) -> None:
    """Make the campaign's retention over today (allowed when it was set, long ago)."""
    store.set_retention(engine, cid, date(2020, 1, 1), 10, today=date(2019, 12, 1))


def test_a_closed_campaign_records_nothing_from_the_phones_and_says_why(plan):
    engine, cid, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "ouvert", "before")
    _closed(engine, cid)
    for attempt in (lambda: store.record_tap(engine, token, 2, "absent", "after"),
                    lambda: store.record_report(engine, token, "r", conversations=2, interested=0, proxies=0),
                    lambda: store.turf_sheet(engine, token)):
        with pytest.raises(TerrainError, match="campagne est close"):
            attempt()
    cov = store.turf_coverage(engine, pid)
    assert (cov["knocked"].sum(), cov["conversations"].sum()) == (1, 0)


def test_a_closed_campaign_refuses_paper_returns_as_a_whole(plan):
    engine, cid, pid, _ = plan
    _closed(engine, cid)
    with pytest.raises(TerrainError, match="campagne close"):
        store.record_paper_returns(engine, pid, filled_csv({("T01", 1): "Ouvert"}), "retours.csv")
    assert store.turf_coverage(engine, pid)["knocked"].sum() == 0


@pytest.mark.parametrize(("day", "level", "words"), [
    (None, "info", "Aucun jour de scrutin"),
    (date(2027, 3, 15), "info", "effacés le 13/06/2027"),
    (date(2026, 9, 10), "warning", "Dans 7 jours"),
    (date(2026, 9, 1), "error", "seront effacés au prochain démarrage"),
])
def test_the_suivi_page_announces_the_erasure_date_louder_when_close(day, level, words):
    said = store.retention.notice(day, 90, today=date(2026, 12, 2))
    assert said.level == level and words in said.text


def test_backup_round_trip_gives_the_same_numbers_without_sensitive_data(plan):
    engine, cid, pid, ids = plan
    store.update_turfs(engine, pid, [{"id": ids["T01"], "team": "Rouge", "status": "attribuee",
                                      "planned_date": date(2026, 3, 7)}])
    store.save_scenario(engine, cid, "Vue", {"t": "paris", "k": "5"})
    store.save_opposition(engine, cid, opposition.read_opposition_csv(OPPOSITION_CSV, "o.csv"))
    _returns(engine, ids)
    data = store.export_campaign(engine, cid)
    assert "3 rue A" not in data.decode() and "opposition" not in json.loads(data)
    new = store.import_campaign(engine, data)
    new_pid = store.list_plans(engine, new)[0].id
    cols = ["code", "status", "team", "planned_date", "knocked", "opened", "doors_knocked", "conversations",
            "interested", "proxies", "done"]
    pd.testing.assert_frame_equal(store.turf_coverage(engine, new_pid)[cols], store.turf_coverage(engine, pid)[cols])
    assert store.holdout_design(engine, new_pid).equals(store.holdout_design(engine, pid))
    assert store.scenario_query(engine, store.list_scenarios(engine, new)[0].id) == {"t": "paris", "k": "5"}
    assert store.load_opposition(engine, new).empty


def test_duplicate_campaign_copies_plans_under_a_new_name(plan):
    engine, cid, _, _ = plan
    copy = store.duplicate_campaign(engine, cid, "Copie")
    assert store.get_campaign(engine, copy).name == "Copie"
    assert [p.name for p in store.list_plans(engine, copy)] == ["Samedi"]


@pytest.mark.parametrize("data", [b"not json", b'{"format": "autre"}',
                                  b'{"format": "terrain-campagne", "version": 99}'])
def test_a_bad_backup_file_gets_a_french_message(store_engine, data):
    with pytest.raises(TerrainError, match="sauvegarde"):
        store.import_campaign(store_engine, data)


# An opposed address keeps no door history ------------------------------------------------------

OPPOSED_LABEL = "3 Rue A"  # stop 2 of T01 in small_turfs


def _taps_at(engine, label: str) -> int:
    from sqlalchemy import func, select

    from lib.store.db import read
    from lib.store.models import DoorTap, TurfAddress

    return read(engine, lambda s: s.scalar(select(func.count()).select_from(DoorTap)
                                           .join(TurfAddress, TurfAddress.id == DoorTap.stop_id)
                                           .where(TurfAddress.label == label)))


def test_an_opposition_list_erases_the_door_history_of_its_addresses(plan):
    engine, cid, _, ids = plan
    _returns(engine, ids)  # T01: stop 1 ouvert, stop 2 (3 Rue A) absent
    assert _taps_at(engine, OPPOSED_LABEL) == 1
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    assert _taps_at(engine, OPPOSED_LABEL) == 0
    assert _taps_at(engine, "1 Rue A") == 1  # the other doors keep theirs


def test_an_opposed_address_leaves_the_backup_the_status_map_and_the_coverage(plan):
    engine, cid, pid, ids = plan
    _returns(engine, ids)
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    backup = json.loads(store.export_campaign(engine, cid))
    t01 = backup["plans"][0]["turfs"][0]
    assert OPPOSED_LABEL not in json.dumps(backup, ensure_ascii=False)
    assert [t["stop"] for t in t01["taps"]] == [1]
    assert OPPOSED_LABEL not in store.plan_addresses(engine, pid)["label"].tolist()  # the Suivi status map
    cov = store.turf_coverage(engine, pid).set_index("code")
    assert (cov.loc["T01", "adresses"], cov.loc["T01", "knocked"]) == (2, 1)
    assert store.bureau_coverage(engine, cid).loc["75056_0001", "adresses"] == 2


def test_a_restored_backup_does_not_bring_an_opposed_door_back(plan):
    engine, cid, _, _ = plan
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    copy = store.import_campaign(engine, store.export_campaign(engine, cid))
    copy_plan = store.list_plans(engine, copy)[0].id
    assert OPPOSED_LABEL not in store.plan_addresses(engine, copy_plan)["label"].tolist()


def test_an_opposed_door_cannot_be_tapped_even_by_a_phone_opened_before(plan):
    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    with pytest.raises(TerrainError, match="liste d'opposition"):
        store.record_tap(engine, token, 2, "ouvert", "late")
    assert _taps_at(engine, OPPOSED_LABEL) == 0


def test_a_plan_saved_after_the_list_never_holds_the_opposed_door(store_engine):
    cid = store.create_campaign(store_engine, "paris", "C")
    store.save_opposition(store_engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))
    turfs, summary = small_turfs()  # cut without the list (e.g. in another session): holds 3 Rue A
    pid = store.save_plan(store_engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    assert OPPOSED_LABEL not in store.plan_addresses(store_engine, pid)["label"].tolist()
    assert OPPOSED_LABEL not in store.export_campaign(store_engine, cid).decode()


def test_door_history_kept_at_an_opposed_address_by_an_older_version_is_erased_at_start(db_url):
    from sqlalchemy import insert, select

    from lib.store.db import write
    from lib.store.models import DoorTap, TurfAddress, utcnow

    engine = store.open_store(db_url)
    cid = store.create_campaign(engine, "paris", "C")
    turfs, summary = small_turfs()
    store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))

    def old_tap(s) -> None:  # what Terrain before this rule could keep: a tap at a door opposed later
        turf_id, stop_id = s.execute(select(TurfAddress.turf_id, TurfAddress.id)
                                     .where(TurfAddress.label == OPPOSED_LABEL)).one()
        s.execute(insert(DoorTap).values(turf_id=turf_id, stop_id=stop_id, tap_id="old", status="ouvert",
                                         recorded_at=utcnow()))
    write(engine, old_tap)
    assert _taps_at(engine, OPPOSED_LABEL) == 1
    engine.dispose()
    again = store.open_store(db_url)
    assert _taps_at(again, OPPOSED_LABEL) == 0
    again.dispose()


# Erased data leaves the disk --------------------------------------------------------------------

MARK = "qwxzyvkept"  # a word found nowhere else in the database


def _sensitive_with_mark(engine, what: str) -> tuple[int, object]:
    """A campaign holding ``what`` with MARK inside; returns (campaign id, how to erase it)."""
    cid = store.create_campaign(engine, "paris", "C", election_date=date(2027, 3, 15), retention_days=30)
    if what == "opposition":
        store.save_opposition(engine, cid, opposition.read_opposition_csv(f"adresse\n7 rue {MARK}\n".encode(), "o.csv"))
    elif what == "imports":
        results = synthetic_results(["75056_0001"], "import_x").assign(candidate=f"{MARK} Ana")
        store.save_import(engine, cid, ImportedElection("import_x", "X", results, 1))
    else:
        turfs, summary = small_turfs()
        pid = store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
        token = store.issue_link(engine, int(store.plan_turfs(engine, pid)["id"][0]))
        store.record_tap(engine, token, 1, "ouvert", f"tap-{MARK}")
        store.record_report(engine, token, f"rep-{MARK}", conversations=1, interested=0, proxies=0)
    if what == "expired":
        return cid, lambda: store.purge_expired_returns(engine, today=date(2027, 4, 14))
    return cid, lambda: store.purge(engine, cid, what)


def _on_disk(path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return (path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()


@pytest.mark.parametrize("what", ["opposition", "imports", "returns", "expired"])
def test_erased_data_leaves_the_sqlite_file_and_its_wal(tmp_path, what):
    path = tmp_path / "terrain.sqlite3"
    engine = store.open_store(f"sqlite:///{path}", today=date(2026, 12, 1))
    _, erase_it = _sensitive_with_mark(engine, what)
    raw = engine.raw_connection()  # part of it in the main file, part still in the WAL
    raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
    raw.close()
    store.create_campaign(engine, "paris", "D")
    assert MARK.encode() in _on_disk(path)
    assert erase_it() > 0
    assert MARK.encode() not in _on_disk(path)
    engine.dispose()


def test_an_erasure_rewrites_the_tables_on_postgresql(pg_cluster):
    engine = store.open_store(pg_cluster())
    cid, erase_it = _sensitive_with_mark(engine, "opposition")
    node = "SELECT pg_relation_filenode('opposition_line')"
    with engine.connect() as conn:
        before = conn.exec_driver_sql(node).scalar()
    erase_it()
    with engine.connect() as conn:
        after = conn.exec_driver_sql(node).scalar()
        dead = conn.exec_driver_sql("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'opposition_line'")
    assert after != before  # VACUUM FULL ran: the table was rewritten without the deleted rows
    assert (dead.scalar() or 0) == 0
    assert store.load_opposition(engine, cid).empty
    engine.dispose()
