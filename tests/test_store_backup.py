"""A restored backup is checked whole before anything is written (issue 22 item 9): another
campaign's turf id, out-of-range or overflowing counts, huge names, text where numbers belong,
nested JSON, a negative retention, colliding ids and unknown territories are refused in French,
with the table, row and field named, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from lib import store
from lib.errors import TerrainError
from lib.store.db import write
from lib.store.models import Turf


def _backup(plan) -> dict:
    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.record_tap(engine, token, 1, "ouvert", "t1")
    store.record_report(engine, token, "r1", conversations=3, interested=1, proxies=1)
    return json.loads(store.export_campaign(engine, cid))


def _campaigns(engine) -> int:
    return len(store.list_campaigns(engine, archived=True))


def _refused(engine, doc: dict, *where: str) -> str:
    """Import ``doc``: a French error naming ``where``, and no campaign added."""
    before = _campaigns(engine)
    with pytest.raises(TerrainError) as err:
        store.import_campaign(engine, json.dumps(doc).encode(), territories=["paris"])
    assert "rien n'a été importé" in str(err.value)
    for place in where:
        assert place in str(err.value)
    assert _campaigns(engine) == before
    return str(err.value)


def test_a_turf_summary_carrying_another_campaign_s_turf_id_is_refused(plan):
    engine = plan[0]
    other = store.create_campaign(engine, "paris", "B")
    doc = _backup(plan)
    doc["plans"][0]["turfs"][0]["summary"]["id"] = other
    _refused(engine, doc, "plan n° 1, parcours n° 1, champ « summary »")


def test_a_stored_summary_never_replaces_the_turf_s_own_id(plan):
    engine, _, pid, ids = plan
    write(engine, lambda s: s.execute(update(Turf).where(Turf.id == ids["T01"])
                                      .values(summary={"id": 999_999, "adresses": 3})))
    turfs = store.plan_turfs(engine, pid).set_index("code")
    assert turfs.loc["T01", "id"] == ids["T01"] and turfs.loc["T01", "adresses"] == 3


HOSTILE = [
    (("plans", 0, "turfs", 0, "reports", 0, "proxies"), -10, "totaux n° 1, champ « proxies »"),
    (("plans", 0, "turfs", 0, "reports", 0, "conversations"), 9_223_372_036_854_775_808,
     "totaux n° 1, champ « conversations »"),
    (("plans", 0, "turfs", 0, "reports", 0, "interested"), "beaucoup", "totaux n° 1, champ « interested »"),
    (("campaign", "name"), "x" * 5_000_000, "campagne, champ « name »"),
    (("campaign", "retention_days"), -30, "campagne, champ « retention_days »"),
    (("campaign", "id"), 1, "campagne : champ inconnu « id »"),
    (("plans", 0, "settings"), {"team_size": {"a": [1, 2]}}, "plan n° 1, champ « settings »"),
    (("plans", 0, "name"), {"nested": True}, "plan n° 1, champ « name »"),
    (("plans", 0, "turfs", 0, "addresses", 0, "lat"), float("inf"), "adresse n° 1, champ « lat »"),
    (("plans", 0, "turfs", 0, "addresses", 0, "label"), "\x00", "adresse n° 1, champ « label »"),
    (("plans", 0, "turfs", 0, "taps", 0, "stop"), 10**30, "passage n° 1, champ « stop »"),
    (("plans", 0, "turfs", 0, "status"), "perdu", "parcours n° 1, champ « status »"),
    (("scenarios",), [{"name": "V"}], "scénario n° 1 : champ « query » manquant"),
    (("plans", 0, "settings", "capacity_doors"), "beaucoup", "plan n° 1, champ « settings »"),
    (("plans", 0, "holdout", 0, "groupe"), "peut-être", "plan n° 1, champ « holdout »"),
]


@pytest.mark.parametrize(("path", "value", "where"), HOSTILE, ids=[str(h[2]) for h in HOSTILE])
def test_a_hostile_field_is_refused_with_its_place_and_nothing_is_written(plan, path, value, where):
    doc = _backup(plan)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _refused(plan[0], doc, where)


def test_a_backup_of_a_territory_this_server_does_not_know_is_refused(plan):
    doc = _backup(plan)
    doc["campaign"]["territory"] = "atlantide"
    _refused(plan[0], doc, "campagne, champ « territory » : territoire inconnu")


def test_ids_repeated_within_a_turf_are_named_instead_of_a_database_failure(plan):
    doc = _backup(plan)
    turf = doc["plans"][0]["turfs"][0]
    turf["taps"].append(dict(turf["taps"][0]))
    turf["addresses"][1]["stop"] = turf["addresses"][0]["stop"]
    _refused(plan[0], doc, "passages, ligne 2, champ « tap_id » : valeur en double",
             "adresses, ligne 2, champ « stop » : valeur en double")


def test_a_turf_s_reports_cannot_add_up_beyond_what_its_doors_allow(plan):
    doc = _backup(plan)
    turf = doc["plans"][0]["turfs"][0]  # 3 addresses, 6 doors est.
    turf["reports"] = [{**turf["reports"][0], "report_id": f"r{n}", "conversations": 10_000} for n in range(3)]
    _refused(plan[0], doc, "totaux, champ « conversations »")


def test_every_problem_of_a_file_is_counted_not_only_the_first(plan):
    doc = _backup(plan)
    for address in doc["plans"][0]["turfs"][0]["addresses"]:
        address["lon"] = "est"
    doc["campaign"]["retention_days"] = -1
    _refused(plan[0], doc, "(4 problèmes)", "adresse n° 3, champ « lon »", "champ « retention_days »")


def test_a_deeply_nested_file_gets_a_french_message(store_engine):
    with pytest.raises(TerrainError, match="sauvegarde"):
        store.import_campaign(store_engine, b"[" * 100_000 + b"]" * 100_000)


def test_a_valid_backup_is_restored_under_new_ids(plan):
    engine, cid, pid, ids = plan
    new = store.import_campaign(engine, json.dumps(_backup(plan)).encode(), territories=["paris"])
    new_pid = store.list_plans(engine, new)[0].id
    assert new != cid and new_pid != pid
    assert set(store.plan_turfs(engine, new_pid)["id"]).isdisjoint(ids.values())
