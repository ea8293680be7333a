"""Workspace benchmark: recording returns, saving a plan, and the « Suivi du terrain » page.

Prints (never asserts), on SQLite (temp file, WAL) and on a throwaway PostgreSQL cluster:
- taps/s sustained by 20 concurrent writers through ``store.record_tap`` [target ≥ 200];
- saving a 300-turf plan of real Paris addresses [target ≤ 2 s];
- « Suivi du terrain » server time for Paris with 300 turfs and returns (AppTest rerun, SQLite,
  median of 5) [target ≤ 1 s].

    python bench/bench_store.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import store, walk  # noqa: E402
from lib.dataset import load_territory  # noqa: E402
from testing import pgcluster  # noqa: E402

WRITERS = 20
TAPS_EACH = 250
STATUSES = list(store.DOOR_STATUSES)


def plan_of_300_turfs() -> tuple:
    """Real Paris addresses of enough bureaux for 300 turfs of the default size (100 doors, config.toml)."""
    data = load_territory(ROOT / "data", "paris")
    bureaux = data.bureaux.reset_index(drop=True)
    ids = data.bureaux["bureau_id"].astype(str).tolist()
    for n in range(100, len(ids), 20):
        turfs, summary = walk.plan_turfs(data.addresses, bureaux, ids[:n], walk.TurfPlan(100, 1.6, 25.0, 12.0))
        if len(summary) >= 300:
            keep = sorted(summary["turf_id"])[:300]
            return ids[:n], turfs[turfs["turf_id"].isin(keep)], summary[summary["turf_id"].isin(keep)]
    raise SystemExit("not enough addresses for 300 turfs")


def save_plan(url: str, plan: tuple) -> tuple:
    engine = store.open_store(url)
    cid = store.create_campaign(engine, "paris", "Bench")
    t0 = time.perf_counter()
    pid = store.save_plan(engine, cid, "300 parcours", plan[1], plan[2], bureaux=plan[0])
    return engine, cid, pid, time.perf_counter() - t0


def taps_per_second(engine, pid: int) -> float:
    """20 writers, each on its own turf, tapping every stop in turn (plus one resend in ten)."""
    turfs = store.plan_turfs(engine, pid).head(WRITERS)
    tokens = [store.issue_link(engine, int(t)) for t in turfs["id"]]
    sizes = turfs["adresses"].astype(int).tolist()

    def writer(n: int) -> int:
        for k in range(TAPS_EACH):
            store.record_tap(engine, tokens[n], k % sizes[n] + 1, STATUSES[k % 4], f"b{n}-{k}")
            if k % 10 == 0:
                store.record_tap(engine, tokens[n], k % sizes[n] + 1, STATUSES[k % 4], f"b{n}-{k}")
        return TAPS_EACH
    t0 = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as pool:
        done = sum(pool.map(writer, range(WRITERS)))
    return done / (time.perf_counter() - t0)


def suivi_server_time(url: str, cid: int) -> float:
    """Median AppTest rerun time of the « Suivi du terrain » page (after a first, warming run)."""
    from streamlit.testing.v1 import AppTest

    os.environ["TERRAIN_DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["campagne"] = str(cid)  # the campaign is opened by its id in the link
    at.run()
    at.switch_page("pages/suivi.py").run()
    assert not at.exception, at.exception
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(backend: str, url: str, plan: tuple) -> None:
    engine, cid, pid, saved_s = save_plan(url, plan)
    rate = taps_per_second(engine, pid)
    print(f"{backend:10s} save 300-turf plan ({len(plan[1]):,} addresses): {saved_s:.2f} s [≤ 2 s]; "
          f"{rate:,.0f} taps/s with {WRITERS} concurrent writers [≥ 200]")
    if backend == "SQLite":
        print(f"{backend:10s} « Suivi du terrain », 300 turfs, {WRITERS * TAPS_EACH:,} taps: "
              f"{suivi_server_time(url, cid):.2f} s server time per rerun [≤ 1 s]")
    engine.dispose()


def main() -> None:
    plan = plan_of_300_turfs()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", plan)
    if pgcluster.binaries() is None:
        print("PostgreSQL      not installed: skipped")
        return
    with pgcluster.cluster() as new_database:
        bench("PostgreSQL", new_database(), plan)


if __name__ == "__main__":
    main()
