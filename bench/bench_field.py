"""A canvassing Saturday at national scale: simulated volunteers' phones against the return API.

Starts a throwaway PostgreSQL cluster, one or two app replicas (serve.py) on it and the shipped
nginx config in front (testing/nginx.py, TLS, loopback), saves a plan of synthetic turfs (two
phones per turf, one link each), then runs, over HTTP (asyncio, one keep-alive connection per
phone, like a browser):

1. « samedi »: every phone taps a door every 10–30 s; 5 % of the batches are sent twice (a phone
   that never saw the answer); now and then a phone enters a dead zone (stairwell, basement) for
   a while: its taps wait in its outbox and leave in batches when it comes back;
2. « capacité » (unless ``--steps`` is empty): the same phones at rising offered rates (taps/s,
   open loop), one step after the other, to find the rate sustained with p99 ≤ 300 ms.

At the end every outbox is emptied (bounded) and the database is audited: taps lost (made by a
phone, not in the database) and double-counted (rows beyond one per tap) must both be 0.
Prints figures, asserts nothing. Loopback only; bounded in count and time; stops by itself.

    python bench/bench_field.py --replicas 1 --duration 600
    python bench/bench_field.py --replicas 2 --duration 120 --steps 100,200,300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from lib import store  # noqa: E402
from lib.doors import DOOR_STATUSES  # noqa: E402
from lib.store.models import DoorTap  # noqa: E402
from testing import localserver, nginx, pgcluster  # noqa: E402

STATUSES = list(DOOR_STATUSES)
TAP_EVERY_S = (10.0, 30.0)  # a door every 10–30 s: knock, wait, talk, next door
RESEND_SHARE = 0.05  # batches sent a second time (the answer never reached the phone)
DEAD_ZONE_SHARE = 0.02  # chance, at each tap, that the phone loses its signal
DEAD_ZONE_S = (30.0, 180.0)  # how long it stays without signal
PHONES_PER_TURF = 2
STOPS_PER_TURF = 60
BATCH = 200  # the API's MAX_TAPS
REQUEST_TIMEOUT_S = 30.0
DRAIN_S = 120.0  # at the end, outboxes get this long to empty
P99_TARGET_S = 0.300
PORTES = "/api/terrain/portes"


# --- the campaign ------------------------------------------------------------------------------

def synthetic_plan(turfs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``turfs`` turfs of :data:`STOPS_PER_TURF` made-up addresses (bench only, never shipped)."""
    rows = [(f"T{t:04d}", s, f"a{t}-{s}", f"99001_{t % 900 + 1:04d}", f"{2 * s} Rue du Banc {t}",
             2.35, 48.85, 6.0, 2.0, "collectif") for t in range(1, turfs + 1) for s in range(1, STOPS_PER_TURF + 1)]
    frame = pd.DataFrame(rows, columns=["turf_id", "stop", "address_id", "bureau_id", "label", "lon", "lat",
                                        "est_voters", "est_doors", "housing"])
    summary = frame.groupby("turf_id", as_index=False).agg(bureaux=("bureau_id", "first"), adresses=("stop", "size"))
    return frame, summary.assign(portes_estimees=120, inscrits_estimes=360, parcours_m=900, minutes_estimees=120)


def prepare(url: str, phones: int) -> list[str]:
    """A campaign and a plan on ``url``; returns one link token per phone."""
    engine = store.open_store(url)
    cid = store.create_campaign(engine, "paris", "Samedi national (bench)")
    turfs, summary = synthetic_plan((phones + PHONES_PER_TURF - 1) // PHONES_PER_TURF)
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=sorted(turfs["bureau_id"].unique()))
    ids = store.plan_turfs(engine, pid)["id"].astype(int).tolist()
    tokens = [store.issue_link(engine, ids[k // PHONES_PER_TURF]) for k in range(phones)]
    engine.dispose()
    return tokens


def audit(url: str, made: set[str]) -> tuple[int, int, int]:
    """(rows, taps lost, taps double-counted) of the bench's taps in the database."""
    engine = store.make_engine(url)
    with Session(engine) as s:
        stored = Counter(s.scalars(select(DoorTap.tap_id)).all())
    engine.dispose()
    return sum(stored.values()), len(made - set(stored)), sum(n - 1 for n in stored.values())


# --- one phone's HTTP connection ---------------------------------------------------------------

class Connection:
    """HTTP/1.1 keep-alive over TLS to nginx, reopened when the proxy closed it."""

    def __init__(self, port: int, ctx) -> None:
        self.port, self.ctx = port, ctx
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, dict]:
        """One request; (status, JSON answer). A connection the proxy closed is reopened once."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, ssl=self.ctx, server_hostname="127.0.0.1")
            head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nX-Terrain-Jeton: {token}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
            try:
                self.writer.write(head.encode() + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, dict]:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines[1:] if ":" in h)}
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await self.reader.readline()).strip(), 16):
                body += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(lines[0].split()[1]), json.loads(body or b"{}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- the phones --------------------------------------------------------------------------------

@dataclass
class Figures:
    """What the phones saw. ``requests`` and ``touch`` (tap made online → acknowledged) per phase."""

    made: set[str] = field(default_factory=set)
    accepted: int = 0
    duplicates: int = 0
    resent: int = 0
    made_in_phase: int = 0
    acked_in_phase: int = 0
    requests: list[float] = field(default_factory=list)
    touch: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    def new_phase(self) -> None:
        self.made_in_phase, self.acked_in_phase, self.requests, self.touch = 0, 0, [], []


class Phone:
    """One volunteer's phone: taps go to an outbox, sent in batches whenever there is signal."""

    def __init__(self, token: str, conn: Connection, figures: Figures, rng: random.Random) -> None:
        self.token, self.conn, self.figures, self.rng = token, conn, figures, rng
        self.outbox: list[tuple[dict, float, bool]] = []  # tap, made at (monotonic), made online
        self.dead_until = 0.0
        self.stop = rng.randrange(STOPS_PER_TURF)
        self.sender: asyncio.Task | None = None

    def online(self) -> bool:
        return time.monotonic() >= self.dead_until

    def tap(self, dead_zones: bool) -> None:
        """Knock at the next door (sometimes the signal went on the way); send when there is signal."""
        if dead_zones and self.online() and self.rng.random() < DEAD_ZONE_SHARE:
            self.dead_until = time.monotonic() + self.rng.uniform(*DEAD_ZONE_S)
        self.stop = self.stop % STOPS_PER_TURF + 1
        tap = {"id": uuid.uuid4().hex, "stop": self.stop, "status": self.rng.choice(STATUSES),
               "at": datetime.now(UTC).isoformat(timespec="milliseconds")}
        self.figures.made.add(tap["id"])
        self.figures.made_in_phase += 1
        self.outbox.append((tap, time.monotonic(), self.online()))
        self.send(deadline=time.monotonic() + REQUEST_TIMEOUT_S)

    def send(self, deadline: float) -> None:
        """Start emptying the outbox unless a send is under way or there is no signal."""
        if self.online() and self.outbox and (self.sender is None or self.sender.done()):
            self.sender = asyncio.create_task(self.empty_outbox(deadline))

    async def empty_outbox(self, deadline: float) -> None:
        """Batches of ≤ 200 until the outbox is empty; on failure, back off and retry until ``deadline``."""
        backoff = 0.5
        while self.outbox and self.online():
            batch = self.outbox[:BATCH]
            if await self.post(batch):
                del self.outbox[:len(batch)]
                backoff = 0.5
            elif time.monotonic() + backoff > deadline:
                return
            else:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 8.0)

    async def post(self, batch: list[tuple[dict, float, bool]]) -> bool:
        """Send one batch (and, 5 % of the time, send it again); True once acknowledged."""
        body = json.dumps({"taps": [tap for tap, _, _ in batch]}).encode()
        for again in (False, True):
            t0 = time.monotonic()
            try:
                status, answer = await asyncio.wait_for(self.conn.call("POST", PORTES, self.token, body),
                                                        REQUEST_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as err:
                self.conn.close()
                self.figures.errors[type(err).__name__] += 1
                return again
            if status != 200:
                self.figures.errors[f"HTTP {status}: {answer.get('error', '')[:60]}"] += 1
                return again
            self.count(batch, answer, time.monotonic(), time.monotonic() - t0, again)
            if again or self.rng.random() >= RESEND_SHARE:
                return True
        return True

    def count(self, batch: list, answer: dict, now: float, latency: float, again: bool) -> None:
        f = self.figures
        f.requests.append(latency)
        f.accepted += answer["accepted"]
        f.duplicates += answer["duplicates"]
        if again:
            f.resent += len(batch)
            return
        f.acked_in_phase += len(batch)
        f.touch.extend(now - made for _, made, online in batch if online)

    async def run(self, until: float, pace: tuple[float, float], dead_zones: bool) -> None:
        """Tap every ``pace`` seconds (uniform) until ``until``; the first tap at a random moment."""
        await asyncio.sleep(self.rng.uniform(0, statistics.mean(pace)))
        while time.monotonic() < until:
            self.tap(dead_zones)
            await asyncio.sleep(self.rng.uniform(*pace))


# --- phases ------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """The ``q`` percentile (0–100) of seconds, in milliseconds; NaN when there is nothing."""
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


async def phase(phones: list[Phone], seconds: float, pace: tuple[float, float], dead_zones: bool) -> dict:
    """All phones tapping at ``pace`` for ``seconds``; the phase's figures once their sends are done."""
    figures = phones[0].figures
    figures.new_phase()
    t0 = time.monotonic()
    await asyncio.gather(*(p.run(t0 + seconds, pace, dead_zones) for p in phones))
    made_s = figures.made_in_phase / (time.monotonic() - t0)
    await settle(phones, t0 + seconds + REQUEST_TIMEOUT_S)
    elapsed = time.monotonic() - t0
    return {"made_s": made_s, "taps_s": figures.acked_in_phase / elapsed, "p50": percentile(figures.requests, 50),
            "p99": percentile(figures.requests, 99), "touch_p50": percentile(figures.touch, 50),
            "touch_p99": percentile(figures.touch, 99), "requests": len(figures.requests)}


async def settle(phones: list[Phone], deadline: float) -> None:
    """Wait (bounded) for the sends under way."""
    pending = [p.sender for p in phones if p.sender is not None and not p.sender.done()]
    if pending:
        await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))


async def drain(phones: list[Phone]) -> None:
    """Everyone back in the open air: every outbox emptied, within :data:`DRAIN_S`."""
    deadline = time.monotonic() + DRAIN_S
    for p in phones:
        p.dead_until = 0.0
    while time.monotonic() < deadline and any(p.outbox for p in phones):
        for p in phones:
            p.send(deadline)
        await settle(phones, min(deadline, time.monotonic() + 5))
    await settle(phones, deadline)


# --- the run -----------------------------------------------------------------------------------

async def saturday(port: int, ctx, tokens: list[str], args: argparse.Namespace) -> tuple[Figures, list]:
    """The Saturday phase, then the capacity steps, then the drain; (figures, [(name, offered, phase figures)])."""
    figures = Figures()
    rng = random.Random(args.seed)
    phones = [Phone(t, Connection(port, ctx), figures, random.Random(rng.random())) for t in tokens]
    results = [("samedi", len(phones) / statistics.mean(TAP_EVERY_S),
                await phase(phones, args.duration, TAP_EVERY_S, dead_zones=True))]
    await drain(phones)
    for rate in args.steps:
        mean = len(phones) / rate
        results.append((f"capacité {rate}/s", rate, await phase(phones, args.step_seconds,
                                                                 (0.5 * mean, 1.5 * mean), dead_zones=False)))
        if results[-1][2]["taps_s"] < 0.8 * results[-1][2]["made_s"]:
            break  # saturated: the next steps would only queue
    await drain(phones)
    for p in phones:
        p.conn.close()
    return figures, results


def report(args: argparse.Namespace, figures: Figures, results: list, audit_: tuple[int, int, int]) -> None:
    rows, lost, doubled = audit_
    print(f"\n{args.volunteers} phones, {args.replicas} replica(s) behind nginx (TLS, loopback), PostgreSQL")
    print(f"{'phase':<18}{'nominal/s':>10}{'made/s':>8}{'taps/s':>9}{'req p50':>10}{'req p99':>10}{'touch p50':>11}"
          f"{'touch p99':>11}{'requests':>10}")
    for name, offered, r in results:
        print(f"{name:<18}{offered:>10.0f}{r['made_s']:>8.1f}{r['taps_s']:>9.1f}{r['p50']:>8.0f}ms{r['p99']:>8.0f}ms"
              f"{r['touch_p50']:>9.0f}ms{r['touch_p99']:>9.0f}ms{r['requests']:>10}")
    held = [r["taps_s"] for _, _, r in results[1:] if r["taps_s"] >= 0.95 * r["made_s"]
            and r["p99"] <= P99_TARGET_S * 1000]
    print(f"sustained with p99 ≤ {P99_TARGET_S * 1000:.0f} ms: {max(held, default=0):.0f} taps/s "
          "(best capacity step where ≥ 95 % of the taps made were acknowledged in the step)")
    print(f"taps made {len(figures.made)}, in the database {rows}; lost {lost} (expected 0), "
          f"double-counted {doubled} (expected 0)")
    print(f"API said accepted {figures.accepted}, duplicates {figures.duplicates} "
          f"(taps resent on purpose: {figures.resent}); errors: {dict(figures.errors) or 'none'}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--volunteers", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=600, help="seconds of the Saturday phase")
    parser.add_argument("--steps", default="100,200,300,400,600",
                        help="capacity steps, taps/s offered, comma-separated ('' for none)")
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.steps = [int(s) for s in args.steps.split(",") if s.strip()]
    if not 1 <= args.volunteers <= 5000 or not 1 <= args.duration <= 3600 or not 1 <= args.step_seconds <= 600:
        parser.error("bounded: 1–5000 volunteers, 1–3600 s of Saturday, 1–600 s per step")
    return args


def main() -> None:
    args = arguments()
    if not nginx.available() or pgcluster.binaries() is None:
        raise SystemExit("needs Debian's nginx and postgresql (./test.sh installs them)")
    with pgcluster.cluster(max_connections=100 * args.replicas) as new_database:
        url = new_database()
        tokens = prepare(url, args.volunteers)
        with localserver.replicas(args.replicas, env={"TERRAIN_DATABASE_URL": url}) as ports, \
                nginx.proxy(ports) as proxy:
            print(f"replicas on {ports}, nginx on {proxy.port}; Saturday phase {args.duration:.0f} s, "
                  f"capacity steps {args.steps} × {args.step_seconds:.0f} s", flush=True)
            figures, results = run(saturday(proxy.port, proxy.ssl_context(), tokens, args))
            proxy_errors = [line for line in proxy.error_log.read_text(errors="replace").splitlines()
                            if "[error]" in line or "[crit]" in line]
        report(args, figures, results, audit(url, figures.made))
        print(f"nginx errors: {len(proxy_errors)}", *proxy_errors[-3:], sep="\n  ")


def run(coro):
    """On uvloop when installed (as the app's server is), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


if __name__ == "__main__":
    main()
