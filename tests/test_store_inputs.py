"""What a phone or an organiser hands the store (issue 22 item 13): NaN, infinity, text, negative
numbers and a stop of 10^30 get a French error and store nothing; a turf's totals stay within what
its doors allow; two organisers editing one turf are told instead of the last save winning."""

from __future__ import annotations

import math

import pytest

from lib import store
from lib.errors import TerrainError


def _totals(engine, token) -> dict:
    return store.turf_sheet(engine, token).totals


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "3", -1, 2.5, 10**30, True, None])
def test_a_turf_total_that_is_not_a_count_is_refused_and_nothing_is_stored(plan, bad):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    with pytest.raises(TerrainError, match="rien n'a été enregistré"):
        store.record_report(engine, token, "r1", conversations=bad, interested=0, proxies=0)
    assert _totals(engine, token) == {"conversations": 0, "interested": 0, "proxies": 0}


def test_a_whole_number_sent_as_a_decimal_is_a_count(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    assert store.record_report(engine, token, "r1", conversations=3.0, interested=1, proxies=0)
    assert _totals(engine, token)["conversations"] == 3


@pytest.mark.parametrize("stop", [10**30, -1, 0, math.nan, math.inf, "1", 1.5, None])
def test_a_stop_that_is_not_a_stop_number_is_refused_and_nothing_is_stored(plan, stop):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    with pytest.raises(TerrainError, match="rien n'a été enregistré"):
        store.record_tap(engine, token, stop, "ouvert", "t1")
    assert set(store.turf_sheet(engine, token).addresses["status"]) == {""}


@pytest.mark.parametrize(("status", "tap_id"), [(["ouvert"], "t1"), (None, "t1"), ("ouvert", ""),
                                                ("ouvert", 12), ("ouvert", "x" * 65)])
def test_a_tap_whose_status_or_id_is_not_one_is_refused_in_french(plan, status, tap_id):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    with pytest.raises(TerrainError, match="rien n'a été enregistré"):
        store.record_tap(engine, token, 1, status, tap_id)


def test_a_stop_number_from_a_table_is_a_stop_number(plan):
    import numpy as np

    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    assert store.record_tap(engine, token, np.int64(1), "ouvert", "t1")


def test_three_reports_at_the_cap_are_not_accepted_for_a_small_turf(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T02"])  # 2 addresses, 4 doors est.
    with pytest.raises(TerrainError, match="ne peut pas dépasser 20 au total"):
        store.record_report(engine, token, "r1", conversations=10_000, interested=0, proxies=0)
    assert _totals(engine, token)["conversations"] == 0


def test_reports_add_up_to_the_turf_s_cap_and_no_further(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T02"])
    assert store.record_report(engine, token, "r1", conversations=15, interested=2, proxies=1)
    assert store.record_report(engine, token, "r2", conversations=5, interested=0, proxies=0)
    with pytest.raises(TerrainError, match="Conversations"):
        store.record_report(engine, token, "r3", conversations=1, interested=0, proxies=0)
    assert not store.record_report(engine, token, "r2", conversations=5, interested=0, proxies=0)  # a resend
    assert _totals(engine, token)["conversations"] == 20


def _turf(engine, pid, code):
    return store.plan_turfs(engine, pid).set_index("code").loc[code]


def test_an_edit_made_on_an_outdated_turf_is_refused_with_who_changed_it(plan):
    engine, _, pid, ids = plan
    seen = int(_turf(engine, pid, "T01")["version"])
    store.update_turfs(engine, pid, [{"id": ids["T01"], "version": seen, "team": "Rouge"}], organiser="Ana")
    with pytest.raises(TerrainError, match=r"modifié entre-temps par Ana .*équipe « Rouge »"):
        store.update_turfs(engine, pid, [{"id": ids["T01"], "version": seen, "team": "Bleue"}], organiser="Léo")
    assert _turf(engine, pid, "T01")["team"] == "Rouge"


def test_an_edit_on_the_current_version_is_saved_and_counted(plan):
    engine, _, pid, ids = plan
    turf = _turf(engine, pid, "T02")
    assert store.update_turfs(engine, pid, [{"id": ids["T02"], "version": int(turf["version"]),
                                             "status": "faite"}], organiser="Léo") == 1
    after = _turf(engine, pid, "T02")
    assert (after["status"], after["version"], after["updated_by"]) == ("faite", turf["version"] + 1, "Léo")


def test_asking_for_what_the_turf_already_says_is_no_conflict(plan):
    engine, _, pid, ids = plan
    seen = int(_turf(engine, pid, "T01")["version"])
    store.update_turfs(engine, pid, [{"id": ids["T01"], "version": seen, "team": "Rouge"}], organiser="Ana")
    assert store.update_turfs(engine, pid, [{"id": ids["T01"], "version": seen, "team": "Rouge"}]) == 0


def test_a_conflict_saves_nothing_of_the_batch(plan):
    engine, _, pid, ids = plan
    seen = {c: int(_turf(engine, pid, c)["version"]) for c in ("T01", "T02")}
    store.update_turfs(engine, pid, [{"id": ids["T02"], "version": seen["T02"], "team": "Rouge"}], organiser="Ana")
    with pytest.raises(TerrainError, match="T02"):
        store.update_turfs(engine, pid, [{"id": ids["T01"], "version": seen["T01"], "team": "Verte"},
                                         {"id": ids["T02"], "version": seen["T02"], "team": "Bleue"}])
    assert _turf(engine, pid, "T01")["team"] == ""
