"""Several app replicas behind nginx sharing one PostgreSQL (issue 23 item 5).

Two processes of serve.py on loopback ports, one throwaway PostgreSQL cluster, and Debian's nginx
running the shipped deploy/nginx/terrain.conf (testing/nginx.py swaps only ports, certificate and
log paths). Never mocked; loopback only; every loop bounded; every process stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from testing import localserver, nginx

from .helpers import PROJECT

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
