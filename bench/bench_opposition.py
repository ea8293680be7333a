"""A long opposition list: what storing it costs, then a walk-list rerun and a phone tap (SQLite).

Prints figures; asserts nothing. Runs on the code before issue 22 item 12 too (the list was then
re-read and re-matched at every rerun and every tap), so the two can be compared:

    .venv/bin/python bench/bench_opposition.py            # 900,000 lines (refused now), then the cap
    .venv/bin/python bench/bench_opposition.py --lines 200000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import opposition, store, walk
from lib.dataset import load_territory
from lib.errors import TerrainError

DATA = Path(__file__).resolve().parents[1] / "data"
CHOSEN = 10  # bureaux of the walk list
NEW = hasattr(opposition, "MAX_LINES")


def list_bytes(addresses, lines: int) -> bytes:
    """``lines`` addresses: the territory's own (every 50th), then addresses found nowhere."""
    real = (addresses["number"].astype(str) + " " + addresses["street"].astype(str)).iloc[::50].tolist()
    fake = [f"{n} rue de nulle part {n % 997}" for n in range(max(0, lines - len(real)))]
    return ("adresse\n" + "\n".join((real + fake)[:lines]) + "\n").encode()


def timed(work, repeat: int = 1) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def rerun(engine, cid: int, data, chosen: list[str]):
    """What the walk-list page does about the list at each slider move."""
    if NEW:  # the summary; the matched ids come from a per-match cache (read here once for the figure)
        summary = store.opposition_summary(engine, cid)
        return opposition.opposed_in_bureaux(data.addresses, chosen, store.opposed_addresses(engine, cid)), summary
    listed = store.load_opposition(engine, cid)
    return opposition.match_opposition(data.addresses[data.addresses["bureau_id"].isin(chosen)], listed)


def bench(lines: int) -> None:
    data = load_territory(DATA, "paris")
    raw = list_bytes(data.addresses, lines)
    print(f"\n{lines:,} lines ({len(raw) / 1e6:.1f} MB), code {'after' if NEW else 'before'} item 12")
    started = time.perf_counter()
    try:
        listed = opposition.read_opposition_csv(raw, "o.csv")
    except TerrainError as err:
        print(f"  refused in {time.perf_counter() - started:.3f} s: « {err} »")
        return
    seconds = time.perf_counter() - started
    print(f"  read the file: {seconds:.2f} s")
    chosen = data.bureaux.index[:CHOSEN].astype(str).tolist()
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.open_store(f"sqlite:///{tmp}/terrain.sqlite3")
        cid = store.create_campaign(engine, "paris", "Bench")
        turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), chosen,
                                         walk.TurfPlan(120, 1.8, 25.0, 12.0))
        pid = store.save_plan(engine, cid, "Plan", turfs, summary, bureaux=chosen)
        if NEW:
            match = opposition.match_opposition(data.addresses, listed)
            fingerprint = opposition.addresses_fingerprint(data.addresses)
            seconds, _ = timed(lambda: store.save_opposition(engine, cid, listed, match=match, dataset=fingerprint))
            seconds += timed(lambda: opposition.match_opposition(data.addresses, listed))[0]
        else:
            seconds, _ = timed(lambda: store.save_opposition(engine, cid, listed))
        print(f"  store it (match included): {seconds:.2f} s")
        print(f"  walk-list rerun (slider move), list part: {timed(lambda: rerun(engine, cid, data, chosen), 3)[0]:.3f} s")
        turf = int(store.plan_turfs(engine, pid)["id"].iloc[0])
        token = store.issue_link(engine, turf)
        print(f"  phone: open the turf {timed(lambda: store.turf_sheet(engine, token), 5)[0]:.3f} s")
        taps = iter(range(10_000))
        seconds, _ = timed(lambda: store.record_tap(engine, token, 1, "ouvert", f"t{next(taps)}"), 5)
        print(f"  phone: one tap {seconds:.3f} s")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, action="append", help="list lengths (default: 900,000 and the cap)")
    args = parser.parse_args()
    for lines in args.lines or [900_000, *([opposition.MAX_LINES] if NEW else [])]:
        bench(lines)


if __name__ == "__main__":
    main()
