"""Twenty simultaneous writers through the functions the pages call, on SQLite and PostgreSQL:
no lost update, no duplicate, no « database is locked » reaching a user."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from lib import store
from lib.store.db import read
from lib.store.models import DoorTap, TurfReport

WRITERS = 20
TAPS_EACH = 15


def _volunteer(engine, tokens: dict[str, str], n: int) -> list[bool]:
    """One phone: taps every address of its turf, resends each tap, then sends its totals twice."""
    code = "T01" if n % 2 else "T02"
    stops = 3 if code == "T01" else 2
    seen = []
    for k in range(TAPS_EACH):
        tap = f"w{n}-{k}"
        status = ("absent", "ouvert", "refus", "a_revoir")[k % 4]
        seen.append(store.record_tap(engine, tokens[code], k % stops + 1, status, tap))
        seen.append(store.record_tap(engine, tokens[code], k % stops + 1, status, tap))  # flaky resend
    for _ in range(2):
        store.record_report(engine, tokens[code], f"w{n}", conversations=1, interested=n % 3, proxies=0)
    return seen


def test_twenty_writers_lose_nothing_and_count_nothing_twice(plan):
    engine, _, pid, ids = plan
    tokens = {code: store.issue_link(engine, turf_id) for code, turf_id in ids.items()}
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda n: _volunteer(engine, tokens, n), range(WRITERS)))  # errors re-raise here
    assert sum(sum(r) for r in results) == WRITERS * TAPS_EACH  # each first send new, each resend ignored
    taps = read(engine, lambda s: s.scalar(select(func.count()).select_from(DoorTap)))
    reports = read(engine, lambda s: s.scalar(select(func.count()).select_from(TurfReport)))
    assert (taps, reports) == (WRITERS * TAPS_EACH, WRITERS)
    cov = store.turf_coverage(engine, pid)
    assert cov["conversations"].sum() == WRITERS
    assert cov["interested"].sum() == sum(n % 3 for n in range(WRITERS))


def test_twenty_organisers_editing_turfs_at_once_keep_every_edit(plan):
    engine, _, pid, ids = plan

    def edit(n: int) -> None:
        code = "T01" if n % 2 else "T02"
        store.update_turfs(engine, pid, [{"id": ids[code], "team": f"Équipe {n}"}])
        store.save_scenario(engine, 1, f"Vue {n}", {"k": str(n)})

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(edit, range(WRITERS)))
    assert len(store.list_scenarios(engine, 1)) == WRITERS
    assert set(store.plan_turfs(engine, pid)["team"]) <= {f"Équipe {n}" for n in range(WRITERS)}
