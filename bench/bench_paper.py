"""Paper returns at scale: a 100,000-line filled-in list (CSV and XLSX) read and recorded (SQLite).

Prints the time to read the file, the whole recording, and how long the write transaction (the
SQLite write lock a phone tap waits for) lasted. Asserts nothing.

    .venv/bin/python bench/bench_paper.py [--lines 100000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import store, walk
from lib.dataset import load_territory
from lib.store import db, paper

DATA = Path(__file__).resolve().parents[1] / "data"
LOCKS: list[float] = []


def _timed_write(engine, work):
    """lib.store.db.write, timed: how long a phone tap would wait."""
    started = time.perf_counter()
    try:
        return WRITE(engine, work)
    finally:
        LOCKS.append(time.perf_counter() - started)


WRITE = db.write


def filled(turfs, lines: int) -> list[tuple[str, int, str]]:
    """``lines`` (turf, stop, status) drawn at random among the plan's stops."""
    rng = np.random.default_rng(0)
    rows = turfs[["turf_id", "stop"]].to_numpy()[rng.integers(0, len(turfs), lines)]
    statuses = np.array(["Absent", "Ouvert", "Refus", "À revoir"])[rng.integers(0, 4, lines)]
    return [(str(t), int(s), str(x)) for (t, s), x in zip(rows, statuses, strict=True)]


def as_csv(rows) -> bytes:
    return ("Équipe;Ordre;Statut\n" + "".join(f"{t};{s};{x}\n" for t, s, x in rows)).encode("utf-8-sig")


def as_xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("T01")
    sheet.append(["Équipe", "Ordre", "Statut"])
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    data = load_territory(DATA, "paris")
    chosen = data.bureaux.index[:20].astype(str).tolist()
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), chosen,
                                     walk.TurfPlan(120, 1.8, 25.0, 12.0))
    rows = filled(turfs, args.lines)
    paper.write = _timed_write
    for kind, content in (("csv", as_csv(rows)), ("xlsx", as_xlsx(rows))):
        with tempfile.TemporaryDirectory() as tmp:
            engine = store.open_store(f"sqlite:///{tmp}/terrain.sqlite3")
            cid = store.create_campaign(engine, "paris", "Bench")
            pid = store.save_plan(engine, cid, "Plan", turfs, summary, bureaux=chosen)
            started = time.perf_counter()
            paper.paper_statuses(content, f"retours.{kind}")
            read_s = time.perf_counter() - started
            LOCKS.clear()
            started = time.perf_counter()
            done = store.record_paper_returns(engine, pid, content, f"retours.{kind}")
            total = time.perf_counter() - started
            print(f"{args.lines:,} lines, {kind.upper()} ({len(content) / 1e6:.1f} MB): read {read_s:.2f} s; "
                  f"recorded in {total:.2f} s, write transaction {sum(LOCKS):.2f} s — {done.summary()}")
            engine.dispose()


if __name__ == "__main__":
    main()
