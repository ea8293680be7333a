"""Several app replicas behind nginx sharing one PostgreSQL (issue 23 item 5).

Two processes of serve.py on loopback ports, one throwaway PostgreSQL cluster, and Debian's nginx
running the shipped deploy/nginx/terrain.conf (testing/nginx.py swaps only ports, certificate and
log paths). Never mocked; loopback only; every loop bounded; every process stopped on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib import store
from lib.store.models import DoorTap
from testing import localserver, nginx

from .helpers import PROJECT, small_turfs

pytestmark = pytest.mark.skipif(not nginx.available() and not os.environ.get("CI"),
                                reason="nginx not installed (./test.sh installs Debian's nginx)")
UPGRADE_TOGETHER = """
import sys, time
from lib import store
engine = store.make_engine(sys.argv[1])
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
store.upgrade(engine)
"""


@pytest.fixture(scope="module")
def shared_url(pg_cluster) -> str:
    """The one PostgreSQL database every replica of this module shares."""
    return pg_cluster()


@pytest.fixture(scope="module")
def replicas(shared_url):
    """Two serve.py processes on the shared database; yields their ports."""
    try:
        with localserver.replicas(2, env={"TERRAIN_DATABASE_URL": shared_url}) as ports:
            yield ports
    except localserver.ServerDidNotStart as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def proxy(replicas):
    """nginx with the shipped config in front of both replicas."""
    with nginx.proxy(replicas) as px:
        yield px


@pytest.fixture(scope="module")
def turf_links(shared_url, replicas):
    """A saved two-turf plan on the shared database; yields (engine, T01's turf id, three phone links to it)."""
    engine = store.open_store(shared_url)
    cid = store.create_campaign(engine, "paris", "Samedi national")
    turfs, summary = small_turfs()
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=["75056_0001", "75056_0002"])
    turf_id = int(store.plan_turfs(engine, pid).set_index("code").loc["T01", "id"])
    yield engine, turf_id, [store.issue_link(engine, turf_id) for _ in range(3)]
    engine.dispose()


def api(base: str, method: str, path: str, token: str, body: object = None, context=None) -> tuple[int, dict]:
    """One call of the volunteers' API at ``base`` (a replica or nginx): (HTTP status, JSON answer)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"X-Terrain-Jeton": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=context, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def taps(prefix: str, stops: dict[int, str]) -> dict:
    """A batch of taps (stop → status), ids ``prefix-stop``, made now."""
    at = datetime.now(UTC).isoformat()
    return {"taps": [{"id": f"{prefix}-{stop}", "stop": stop, "status": status, "at": at}
                     for stop, status in stops.items()]}


def stored_taps(engine, turf_id: int) -> int:
    """Door taps of a turf in the shared database."""
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(DoorTap).where(DoorTap.turf_id == turf_id))


def get(px: nginx.Proxy, path: str, headers: dict[str, str] | None = None):
    """GET through nginx (its self-signed certificate trusted); returns the response, read."""
    req = urllib.request.Request(px.url + path, headers=headers or {})
    with urllib.request.urlopen(req, context=px.ssl_context(), timeout=30) as resp:
        resp.body = resp.read()
        return resp


def upstreams(px: nginx.Proxy, path: str) -> list[str]:
    """The replica (port) nginx sent each logged request for ``path`` to, in order."""
    deadline = time.monotonic() + 5  # nginx writes a line once the response is sent
    pattern = re.compile(rf'"[A-Z]+ {re.escape(path)} [^"]*" \d+ \d+ \S+ "127\.0\.0\.1:(\d+)"')
    found: list[str] = []
    while time.monotonic() < deadline:
        found = pattern.findall(px.access_log.read_text())
        if found:
            break
        time.sleep(0.1)
    return found


def test_replicas_starting_together_on_an_empty_database_both_upgrade_it(pg_cluster):
    url = pg_cluster()
    at = time.time() + 8  # both processes imported, then upgrading at the same instant
    procs = [subprocess.Popen([sys.executable, "-c", UPGRADE_TOGETHER, url, str(at)], cwd=PROJECT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-1500:] + outputs[1][-1500:]


def test_a_browser_sticks_to_one_replica_pages_and_websocket(proxy, replicas):
    first = get(proxy, "/")
    cookie = first.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("terrain_route=")
    for _ in range(6):
        get(proxy, "/_stcore/health", {"Cookie": cookie})
    from websockets.sync.client import connect

    ws_url = proxy.url.replace("https://", "wss://") + "/_stcore/stream"
    with connect(ws_url, ssl=proxy.ssl_context(), origin=proxy.url, subprotocols=["streamlit"],
                 additional_headers={"Cookie": cookie}, proxy=None, open_timeout=30) as ws:
        assert ws.subprotocol == "streamlit"
    assert len(set(upstreams(proxy, "/_stcore/health"))) == 1
    assert upstreams(proxy, "/_stcore/stream") == upstreams(proxy, "/_stcore/health")[:1]


def test_new_browsers_are_spread_over_the_replicas(proxy, replicas):
    for _ in range(20):
        get(proxy, "/_stcore/host-config")
    assert set(upstreams(proxy, "/_stcore/host-config")) == {str(p) for p in replicas}


def test_no_token_reaches_the_proxy_access_log(proxy, replicas):
    secret = "jeton-secret-0123456789abcdef"
    get(proxy, f"/?jeton={secret}-url", {"Referer": f"{proxy.url}/?jeton={secret}-referer"})
    with contextlib.suppress(urllib.error.HTTPError):  # whatever the API answers a bad link
        get(proxy, "/api/terrain/feuille", {"X-Terrain-Jeton": f"{secret}-header"})
    assert upstreams(proxy, "/") and upstreams(proxy, "/api/terrain/feuille")
    assert "jeton" not in proxy.access_log.read_text()


def test_taps_through_nginx_and_each_replica_read_the_same_sheet_from_either(proxy, replicas, turf_links):
    engine, turf_id, (phone_a, phone_b, phone_c) = turf_links
    direct = [f"http://127.0.0.1:{port}" for port in replicas]
    ctx = proxy.ssl_context()
    assert api(proxy.url, "POST", "/api/terrain/portes", phone_a, taps("a", {1: "absent"}), ctx)[0] == 200
    assert api(direct[0], "POST", "/api/terrain/portes", phone_b, taps("b", {2: "ouvert"}))[0] == 200
    assert api(direct[1], "POST", "/api/terrain/portes", phone_c, taps("c", {3: "refus"}))[0] == 200
    report = {"id": "bilan-1", "conversations": 4, "interested": 2, "proxies": 1}
    assert api(direct[1], "POST", "/api/terrain/bilan", phone_b, report)[0] == 200
    sheets = [api(direct[0], "GET", "/api/terrain/feuille", phone_c)[1],
              api(direct[1], "GET", "/api/terrain/feuille", phone_a)[1],
              api(proxy.url, "GET", "/api/terrain/feuille", phone_b, context=ctx)[1]]
    seen = [([(s["stop"], s["status"]) for s in sheet["stops"]], sheet["totals"]) for sheet in sheets]
    assert seen == [([(1, "absent"), (2, "ouvert"), (3, "refus")],
                     {"conversations": 4, "interested": 2, "proxies": 1})] * 3
    assert stored_taps(engine, turf_id) == 3


def test_a_batch_resent_through_the_other_replica_is_not_double_counted(replicas, turf_links):
    engine, turf_id, (phone, _, _) = turf_links
    first, other = (f"http://127.0.0.1:{port}" for port in replicas)
    batch = taps("resend", {1: "a_revoir", 2: "absent", 3: "ouvert"})
    before = stored_taps(engine, turf_id)
    assert api(first, "POST", "/api/terrain/portes", phone, batch)[1]["accepted"] == 3
    again = api(other, "POST", "/api/terrain/portes", phone, batch)[1]
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    assert stored_taps(engine, turf_id) == before + 3


def test_nginx_sends_the_return_api_to_every_replica(proxy, replicas, turf_links):
    _, _, (phone, _, _) = turf_links
    for n in range(10):
        status, _ = api(proxy.url, "POST", "/api/terrain/portes", phone, taps(f"spread{n}", {1: "absent"}),
                        proxy.ssl_context())
        assert status == 200
    assert set(upstreams(proxy, "/api/terrain/portes")) == {str(p) for p in replicas}
