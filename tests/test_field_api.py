"""The volunteers' JSON API (lib/field/api.py) on SQLite and PostgreSQL, requests sent in process.

Batches of taps are idempotent, the latest tap *by time* wins, a link opens its own turf only,
and whatever is malformed is refused as a whole in French with nothing stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from lib import store
from lib.field.api import TOKEN_HEADER, field_routes
from lib.field.payloads import MAX_TAPS
from lib.field.ratelimit import RateLimit
from lib.field.turfmap import CREDIT, NO_STREETS, street_of, street_sources
from lib.store.models import DoorTap, TurfReport, utcnow

from .helpers import DATA_DIR, asgi_request


def api(engine, **kwargs) -> Starlette:
    return Starlette(routes=field_routes(lambda: engine, **kwargs))


def call(app, method: str, path: str, token: str | None, body: object = None) -> tuple[int, dict, dict]:
    headers = {TOKEN_HEADER: token} if token is not None else {}
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    status, head, data = asgi_request(app, method, path, headers={**headers, "content-type": "application/json"},
                                      body=raw)
    return status, head, json.loads(data) if data else {}


def when(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def tap(tap_id: str, stop: int, status: str = "ouvert", minutes_ago: float = 1) -> dict:
    return {"id": tap_id, "stop": stop, "status": status, "at": when(minutes_ago)}


def stored(engine) -> tuple[int, int]:
    """(door taps, turf reports) in the database."""
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(DoorTap)), s.scalar(select(func.count()).select_from(TurfReport))


def test_the_sheet_is_the_turfs_addresses_in_order_with_no_name(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"], note="binôme Nord")
    status, head, sheet = call(api(engine), "GET", "/api/terrain/feuille", token)
    assert status == 200
    assert (sheet["turf"], sheet["link"], sheet["bureau"]) == ("T01", "T01 · lien 1 (binôme Nord)", "75056_0001")
    assert [(s["stop"], s["label"], s["status"]) for s in sheet["stops"]] == [
        (1, "1 Rue A", None), (2, "3 Rue A", None), (3, "5 Rue A", None)]
    assert sheet["totals"] == {"conversations": 0, "interested": 0, "proxies": 0}
    assert sheet["taken_by"] == "" and sheet["expires_at"] > sheet["server_time"]
    assert head["cache-control"] == "no-store" and head["referrer-policy"] == "no-referrer"


def test_a_resent_batch_is_recorded_once(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    app = api(engine)
    batch = {"taps": [tap("a", 1, "absent"), tap("b", 2, "refus"), tap("c", 3)]}
    first = call(app, "POST", "/api/terrain/portes", token, batch)[2]
    again = call(app, "POST", "/api/terrain/portes", token, batch)[2]
    assert (first["accepted"], first["duplicates"], again["accepted"], again["duplicates"]) == (3, 0, 0, 3)
    assert {k: v["status"] for k, v in again["statuses"].items()} == {"1": "absent", "2": "refus", "3": "ouvert"}
    assert stored(engine) == (3, 0)


def test_a_tap_twice_in_one_batch_is_recorded_once(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    batch = {"taps": [tap("a", 1, "absent"), tap("a", 1, "absent"), tap("b", 2, "refus")]}
    answer = call(api(engine), "POST", "/api/terrain/portes", token, batch)[2]
    assert (answer["accepted"], answer["duplicates"]) == (2, 1)
    assert stored(engine) == (2, 0)


def test_the_latest_tap_by_time_wins_not_the_last_received(plan):
    engine, _, _, ids = plan
    app = api(engine)
    phone_a, phone_b = store.issue_link(engine, ids["T01"]), store.issue_link(engine, ids["T01"])
    call(app, "POST", "/api/terrain/portes", phone_a, {"taps": [tap("a1", 1, "ouvert", minutes_ago=5)]})
    late = call(app, "POST", "/api/terrain/portes", phone_b, {"taps": [tap("b1", 1, "absent", minutes_ago=20)]})[2]
    assert late["statuses"]["1"]["status"] == "ouvert"  # phone B was in a stairwell: its older tap loses
    call(app, "POST", "/api/terrain/portes", phone_b, {"taps": [tap("b2", 1, "a_revoir", minutes_ago=1)]})
    sheet = call(app, "GET", "/api/terrain/feuille", phone_a)[2]
    assert sheet["stops"][0]["status"] == "a_revoir"  # an undo is a newer status, seen by every phone


def test_a_tap_dated_in_the_future_counts_as_now(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    app = api(engine)
    call(app, "POST", "/api/terrain/portes", token, {"taps": [tap("fast-clock", 1, "refus", minutes_ago=-600)]})
    call(app, "POST", "/api/terrain/portes", token, {"taps": [tap("undo", 1, "a_revoir", minutes_ago=0)]})
    assert call(app, "GET", "/api/terrain/feuille", token)[2]["stops"][0]["status"] == "a_revoir"


HOSTILE_TAPS = {
    "not JSON": b"taps=1",
    "an array": [tap("a", 1)],
    "no taps": {"portes": []},
    "taps not a list": {"taps": {"id": "a"}},
    "stop as text": {"taps": [{**tap("a", 1), "stop": "1"}]},
    "stop 1e308": {"taps": [{**tap("a", 1), "stop": 1e308}]},
    "negative stop": {"taps": [tap("a", -1)]},
    "stop true": {"taps": [{**tap("a", 1), "stop": True}]},
    "unknown status": {"taps": [tap("a", 1, "sympathisant")]},
    "id not text": {"taps": [{**tap("a", 1), "id": 12}]},
    "id too long": {"taps": [tap("x" * 65, 1)]},
    "no time zone": {"taps": [{**tap("a", 1), "at": "2026-03-14T10:00:00"}]},
    "time in 1970": {"taps": [{**tap("a", 1), "at": "1970-01-01T00:00:00Z"}]},
    "one bad tap among good ones": {"taps": [tap("a", 1), tap("b", 2), {"id": "c", "stop": 3}]},
    "a huge batch": {"taps": [tap(f"t{i}", 1) for i in range(MAX_TAPS + 1)]},
    "NaN": b'{"taps": [{"id": "a", "stop": NaN, "status": "ouvert", "at": "2026-03-14T10:00:00Z"}]}',
    "a body of 1 MB": {"taps": [tap("a", 1)], "pad": "x" * 1_000_000},
}


@pytest.mark.parametrize("body", HOSTILE_TAPS.values(), ids=HOSTILE_TAPS.keys())
def test_a_malformed_batch_of_taps_is_refused_in_french_and_nothing_is_stored(plan, body):
    engine, _, _, ids = plan
    status, _, answer = call(api(engine), "POST", "/api/terrain/portes", store.issue_link(engine, ids["T01"]), body)
    assert status == 400
    assert answer["error"] and "Traceback" not in answer["error"] and "{" not in answer["error"]
    assert stored(engine) == (0, 0)


HOSTILE_TOTALS = {
    "NaN": b'{"id": "r1", "conversations": NaN, "interested": 0, "proxies": 0}',
    "negative": {"id": "r1", "conversations": -3, "interested": 0, "proxies": 0},
    "1e308": {"id": "r1", "conversations": 1e308, "interested": 0, "proxies": 0},
    "a huge integer": {"id": "r1", "conversations": 10**30, "interested": 0, "proxies": 0},
    "a fraction": {"id": "r1", "conversations": 2.5, "interested": 0, "proxies": 0},
    "text": {"id": "r1", "conversations": "4", "interested": 0, "proxies": 0},
    "missing": {"id": "r1", "conversations": 4},
    "no id": {"conversations": 4, "interested": 0, "proxies": 0},
}


@pytest.mark.parametrize("body", HOSTILE_TOTALS.values(), ids=HOSTILE_TOTALS.keys())
def test_malformed_turf_totals_are_refused_in_french_and_nothing_is_stored(plan, body):
    engine, _, _, ids = plan
    status, _, answer = call(api(engine), "POST", "/api/terrain/bilan", store.issue_link(engine, ids["T01"]), body)
    assert status == 400 and answer["error"]
    assert stored(engine) == (0, 0)


def test_turf_totals_are_added_once_per_report(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    app = api(engine)
    report = {"id": "r1", "conversations": 4, "interested": 2, "proxies": 1}
    assert call(app, "POST", "/api/terrain/bilan", token, report)[2]["recorded"] is True
    assert call(app, "POST", "/api/terrain/bilan", token, report)[2]["recorded"] is False
    assert call(app, "GET", "/api/terrain/feuille", token)[2]["totals"] == {"conversations": 4, "interested": 2,
                                                                            "proxies": 1}


def test_revoked_expired_and_unknown_links_are_refused_in_french(plan):
    engine, _, pid, ids = plan
    app = api(engine)
    revoked = store.issue_link(engine, ids["T01"])
    store.revoke_link(engine, int(store.list_links(engine, pid)["id"].iloc[0]))
    expired = store.issue_link(engine, ids["T01"], now=utcnow() - timedelta(days=31))
    for token in (revoked, expired, "not-a-token", ""):
        for method, path, body in (("GET", "/api/terrain/feuille", None),
                                   ("POST", "/api/terrain/portes", {"taps": [tap("a", 1)]})):
            status, _, answer = call(app, method, path, token, body)
            assert (status, answer["error"]) == (403, store.BAD_LINK)
    assert stored(engine) == (0, 0)


def test_a_token_in_the_query_string_opens_nothing(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    assert call(api(engine), "GET", f"/api/terrain/feuille?jeton={token}", None)[0] == 403


def test_a_closed_campaign_is_answered_in_french(plan):
    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    today = datetime.now().date()
    store.set_retention(engine, cid, today - timedelta(days=10), 5, today=today - timedelta(days=30))
    status, _, answer = call(api(engine), "POST", "/api/terrain/portes", token, {"taps": [tap("a", 1)]})
    assert (status, answer["error"]) == (410, store.retention.CLOSED)
    assert stored(engine) == (0, 0)


def test_another_turfs_address_is_refused_in_french(plan):
    engine, _, _, ids = plan
    token = store.issue_link(engine, ids["T02"])  # T02 has 2 addresses
    app = api(engine)
    status, _, alone = call(app, "POST", "/api/terrain/portes", token, {"taps": [tap("x", 3)]})
    assert status == 422 and "adresse inconnue" in alone["error"]
    status, _, mixed = call(app, "POST", "/api/terrain/portes", token, {"taps": [tap("y", 1), tap("z", 3)]})
    assert status == 200 and mixed["accepted"] == 1
    assert [(r["id"], r["stop"]) for r in mixed["rejected"]] == [("z", 3)] and "adresse inconnue" in mixed["rejected"][0]["error"]
    assert stored(engine) == (1, 0)


def test_a_turf_taken_by_a_team_is_refused_to_another_unless_confirmed(plan):
    engine, _, pid, ids = plan
    app = api(engine)
    north, south = store.issue_link(engine, ids["T01"]), store.issue_link(engine, ids["T01"])
    assert call(app, "POST", "/api/terrain/pris", north, {"team": " Équipe  Nord "})[2]["taken_by"] == "Équipe Nord"
    status, _, answer = call(app, "POST", "/api/terrain/pris", south, {"team": "Sud"})
    assert status == 409 and "déjà pris par « Équipe Nord »" in answer["error"]
    assert call(app, "GET", "/api/terrain/feuille", south)[2]["taken_by"] == "Équipe Nord"
    assert call(app, "POST", "/api/terrain/pris", south, {"team": "Sud", "force": True})[0] == 200
    turf = store.plan_turfs(engine, pid).set_index("code").loc["T01"]
    assert (turf["team"], turf["status"]) == ("Sud", "attribuee")  # what « Suivi du terrain » shows


@pytest.mark.parametrize("body", [{"team": ""}, {"team": "x" * 61}, {"team": 3}, {"team": "Nord", "force": "oui"}])
def test_a_bad_team_name_is_refused_in_french(plan, body):
    engine, _, _, ids = plan
    status, _, answer = call(api(engine), "POST", "/api/terrain/pris", store.issue_link(engine, ids["T01"]), body)
    assert status in (400, 422) and answer["error"]


def test_a_link_sending_too_fast_is_slowed_down_alone(plan):
    engine, _, _, ids = plan
    app = api(engine, limit=RateLimit(rate=0.001, burst=3))
    busy, other = store.issue_link(engine, ids["T01"]), store.issue_link(engine, ids["T01"])
    codes = [call(app, "GET", "/api/terrain/feuille", busy)[0] for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert call(app, "GET", "/api/terrain/feuille", other)[0] == 200


def test_the_page_and_its_files_are_served_with_a_strict_policy_and_validators(store_engine):
    app = api(store_engine, base_path="/equipe")
    status, head, body = asgi_request(app, "GET", "/equipe/terrain/")
    assert status == 200 and b'src="app.js"' in body and b"<script>" not in body
    assert "default-src 'none'" in head["content-security-policy"] and head["referrer-policy"] == "no-referrer"
    assert asgi_request(app, "GET", "/equipe/terrain/app.js", headers={"if-none-match": head["etag"]})[0] == 200
    js_etag = asgi_request(app, "GET", "/equipe/terrain/app.js")[1]["etag"]
    assert asgi_request(app, "GET", "/equipe/terrain/app.js", headers={"if-none-match": js_etag})[0] == 304
    assert b"__TERRAIN_VERSION__" not in asgi_request(app, "GET", "/equipe/terrain/sw.js")[2]
    assert asgi_request(app, "GET", "/equipe/terrain/../serve.py")[0] == 404
    assert asgi_request(app, "GET", "/equipe/terrain/api.py")[0] == 404
    status, head, _ = asgi_request(app, "GET", "/equipe/terrain")
    assert (status, head["location"]) == (308, "/equipe/terrain/")


def test_a_door_on_the_opposition_list_is_refused_from_an_outbox_sent_late(plan):
    from lib import opposition

    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))  # stop 2
    status, _, answer = call(api(engine), "POST", "/api/terrain/portes", token,
                             {"taps": [tap("a", 1), tap("b", 2, "refus")]})
    assert status == 200 and answer["accepted"] == 1
    assert [(r["stop"], "liste d'opposition" in r["error"]) for r in answer["rejected"]] == [(2, True)]
    assert set(answer["statuses"]) == {"1"} and stored(engine) == (1, 0)


def test_another_address_or_method_of_the_api_is_answered_in_french_json(store_engine):
    app = api(store_engine)
    status, _, answer = call(app, "GET", "/api/terrain/portes", "x")
    assert (status, answer["error"]) == (405, "« portes » s'utilise en POST seulement.")
    status, _, answer = call(app, "DELETE", "/api/terrain/feuille", "x")
    assert status == 405 and "GET" in answer["error"]
    status, _, answer = call(app, "GET", "/api/terrain/campagnes", "x")
    assert (status, answer["error"]) == (404, "adresse inconnue de l'API du terrain.")


# --- the turf's small map (GET /api/terrain/carte) ------------------------------------------------

def trocadero_turf(n: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One turf of ``n`` real addresses of bureau 75056_1602, in the Trocadéro street data."""
    rows = pd.read_parquet(DATA_DIR / "paris" / "addresses.parquet", filters=[("bureau_id", "==", "75056_1602")])
    rows = rows.sort_values(["street", "number"]).head(n)
    turfs = rows.assign(turf_id="T01", stop=range(1, len(rows) + 1), est_voters=3.0, est_doors=2.0,
                        housing="collectif")[["turf_id", "stop", "address_id", "bureau_id", "label", "lon", "lat",
                                              "est_voters", "est_doors", "housing"]]
    summary = pd.DataFrame({"turf_id": ["T01"], "bureaux": ["75056_1602"], "adresses": [len(rows)],
                            "portes_estimees": [2 * len(rows)], "inscrits_estimes": [3 * len(rows)],
                            "parcours_m": [300], "minutes_estimees": [40]})
    return turfs, summary


def map_of(engine, token: str) -> dict:
    status, _, answer = call(api(engine, streets=street_sources(DATA_DIR)), "GET", "/api/terrain/carte", token)
    assert status == 200, answer
    return answer


def test_the_map_of_a_turf_in_the_street_data_holds_its_streets_and_their_names(store_engine):
    cid = store.create_campaign(store_engine, "paris", "Municipales 2026")
    turfs, summary = trocadero_turf()
    pid = store.save_plan(store_engine, cid, "Samedi", turfs, summary, bureaux=["75056_1602"])
    token = store.issue_link(store_engine, int(store.plan_turfs(store_engine, pid)["id"].iloc[0]))
    answer = map_of(store_engine, token)
    assert sum(len(lines) for lines in answer["streets"].values()) >= 10
    assert set(turfs["label"].map(street_of)) & {name for name, *_ in answer["names"]}  # the turf's own street
    assert (answer["credit"], answer["note"]) == (CREDIT, "")
    assert [stop for stop, _, _ in answer["doors"]] == list(range(1, 13))
    w, h = answer["size"]
    assert all(0 <= x <= w and 0 <= y <= h for _, x, y in answer["doors"])


def test_the_map_of_a_turf_outside_the_street_data_has_its_doors_joined_straight_and_says_so(plan):
    engine, _, _, ids = plan  # small_turfs: lon 2.1-2.2, lat 48.8, south-west of Paris
    answer = map_of(engine, store.issue_link(engine, ids["T01"]))
    assert not any(answer["streets"].values()) and answer["names"] == []
    assert (answer["credit"], answer["note"]) == ("", NO_STREETS)
    route = np.cumsum(np.reshape(answer["route"], (-1, 2)), axis=0).tolist()
    doors = [[x, y] for _, x, y in answer["doors"]]
    assert route == [p for i, p in enumerate(doors) if i == 0 or p != doors[i - 1]]  # door to door, nothing between


def test_the_map_leaves_out_the_doors_on_the_opposition_list(plan):
    from lib import opposition

    engine, cid, _, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.save_opposition(engine, cid, opposition.read_opposition_csv(b"adresse\n3 rue A\n", "o.csv"))  # stop 2
    assert [stop for stop, _, _ in map_of(engine, token)["doors"]] == [1, 3]


def test_a_revoked_link_gets_no_map(plan):
    engine, _, pid, ids = plan
    token = store.issue_link(engine, ids["T01"])
    store.revoke_link(engine, int(store.list_links(engine, pid)["id"].iloc[0]))
    status, _, answer = call(api(engine, streets=street_sources(DATA_DIR)), "GET", "/api/terrain/carte", token)
    assert (status, answer) == (403, {"error": store.BAD_LINK})
