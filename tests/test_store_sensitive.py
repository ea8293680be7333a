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

from .conftest import synthetic_results
from .test_store import plan, small_turfs  # noqa: F401  (fixture)

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
def test_purge_deletes_one_kind_of_sensitive_data(plan, what):  # noqa: F811
    engine, cid, pid, ids = plan
    store.save_opposition(engine, cid, opposition.read_opposition_csv(OPPOSITION_CSV, "o.csv"))
    store.save_import(engine, cid, ImportedElection("import_x", "X", synthetic_results(["75056_0001"], "import_x"), 1))
    _returns(engine, ids)
    assert store.purge(engine, cid, what) > 0
    left = {"opposition": len(store.load_opposition(engine, cid)), "imports": len(store.load_imports(engine, cid)),
            "returns": int(store.turf_coverage(engine, pid)["knocked"].sum())}
    assert left[what] == 0
    assert all(n > 0 for k, n in left.items() if k != what)


def test_returns_are_purged_after_election_day_plus_retention(plan):  # noqa: F811
    engine, cid, pid, ids = plan
    _returns(engine, ids)
    store.set_retention(engine, cid, date(2026, 3, 15), 30)
    assert store.purge_expired_returns(engine, today=date(2026, 4, 13)) == 0
    assert store.turf_coverage(engine, pid)["knocked"].sum() == 2
    assert store.purge_expired_returns(engine, today=date(2026, 4, 14)) > 0
    cov = store.turf_coverage(engine, pid)
    assert cov["knocked"].sum() == 0 and cov["conversations"].sum() == 0
    assert len(store.plan_addresses(engine, pid)) == 5  # the plan itself stays


def test_purge_at_start_runs_the_retention(db_url):
    engine = store.open_store(db_url)
    cid = store.create_campaign(engine, "paris", "C", election_date=date(2020, 1, 1), retention_days=10)
    turfs, summary = small_turfs()
    pid = store.save_plan(engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    _returns(engine, dict(zip(store.plan_turfs(engine, pid)["code"], store.plan_turfs(engine, pid)["id"], strict=True)))
    engine.dispose()
    again = store.open_store(db_url)
    assert store.turf_coverage(again, pid)["knocked"].sum() == 0
    again.dispose()


def test_backup_round_trip_gives_the_same_numbers_without_sensitive_data(plan):  # noqa: F811
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


def test_duplicate_campaign_copies_plans_under_a_new_name(plan):  # noqa: F811
    engine, cid, _, _ = plan
    copy = store.duplicate_campaign(engine, cid, "Copie")
    assert store.get_campaign(engine, copy).name == "Copie"
    assert [p.name for p in store.list_plans(engine, copy)] == ["Samedi"]


@pytest.mark.parametrize("data", [b"not json", b'{"format": "autre"}',
                                  b'{"format": "terrain-campagne", "version": 99}'])
def test_a_bad_backup_file_gets_a_french_message(store_engine, data):
    with pytest.raises(TerrainError, match="sauvegarde"):
        store.import_campaign(store_engine, data)


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
