"""The opposition list matched once, when stored (issue 22 item 12): capped, its matched addresses
kept, the phones and the walk-list reruns independent of its length.

Store tests run on SQLite and PostgreSQL (``plan`` / ``store_engine`` fixtures).
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import event

from lib import opposition, store
from lib.errors import TerrainError

from .helpers import DATA_DIR, open_page, requires_dataset, small_turfs

OPPOSED_LABEL = "3 Rue A"


def long_list(opposed: str, lines: int) -> pd.DataFrame:
    """A list of ``lines`` addresses, one of them ``opposed``, the others nowhere in the plan."""
    text = "adresse\n" + "".join(f"{n} rue de nulle part\n" for n in range(1, lines)) + f"{opposed}\n"
    return opposition.read_opposition_csv(text.encode(), "o.csv")


class Statements:
    """Every SQL statement an engine runs inside the block."""

    def __init__(self, engine) -> None:
        self.engine, self.sql = engine, []

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        self.sql.append(statement)

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self.sql

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_a_list_longer_than_the_cap_is_refused_before_it_is_read():
    data = b"adresse\n" + b"1 rue de la paix\n" * (opposition.MAX_LINES + 1)
    with pytest.raises(TerrainError, match=r"trop longue.*limite 200\u202f000"):
        opposition.read_opposition_csv(data, "o.csv")


def test_a_line_too_long_to_be_an_address_is_refused_naming_it():
    with pytest.raises(TerrainError, match="ligne 3 : plus de 300 caractères"):
        opposition.read_opposition_csv(b"adresse\n1 rue A\n" + b"x" * 400 + b"\n", "o.csv")


def test_the_phone_never_reads_the_list_and_still_hides_the_opposed_door(plan):
    engine, cid, _, ids = plan
    store.save_opposition(engine, cid, long_list(OPPOSED_LABEL, 2_000))
    token = store.issue_link(engine, ids["T01"])
    with Statements(engine) as sql:
        sheet = store.turf_sheet(engine, token)
        with pytest.raises(TerrainError, match="liste d'opposition"):
            store.record_tap(engine, token, 2, "ouvert", "tap-1")
        assert store.record_tap(engine, token, 1, "ouvert", "tap-2")
    assert OPPOSED_LABEL not in sheet.addresses["label"].tolist()
    assert not [q for q in sql if "opposition_line" in q]


def test_the_stored_list_keeps_what_it_matched_in_the_territory(store_engine):
    cid = store.create_campaign(store_engine, "paris", "C")
    addresses = pd.DataFrame({"address_id": ["a1", "a2"], "number": ["3", "5"], "street": ["rue A", "rue A"],
                              "postcode": ["75001", "75001"]})
    listed = long_list("3 rue A", 10)
    match = opposition.match_opposition(addresses, listed)
    store.save_opposition(store_engine, cid, listed, match=match, dataset=opposition.addresses_fingerprint(addresses))
    assert store.opposed_addresses(store_engine, cid) == frozenset({"a1"})
    summary = store.opposition_summary(store_engine, cid)
    assert (summary.lines, summary.matched_lines, summary.addresses) == (10, 1, 1)
    assert summary.dataset == opposition.addresses_fingerprint(addresses)


def test_a_plan_saved_after_a_long_list_looks_up_only_its_own_stops(store_engine):
    cid = store.create_campaign(store_engine, "paris", "C")
    store.save_opposition(store_engine, cid, long_list(OPPOSED_LABEL, 5_000))
    turfs, summary = small_turfs()
    with Statements(store_engine) as sql:
        pid = store.save_plan(store_engine, cid, "P", turfs, summary, bureaux=["75056_0001"])
    assert OPPOSED_LABEL not in store.plan_addresses(store_engine, pid)["label"].tolist()
    assert not [q for q in sql if "FROM opposition_line" in q and "IN (" not in q.upper()]


def test_purging_the_list_forgets_its_matches_too(plan):
    engine, cid, pid, _ = plan
    store.save_opposition(engine, cid, long_list(OPPOSED_LABEL, 10))
    store.purge(engine, cid, "opposition")
    assert store.opposed_addresses(engine, cid) == frozenset()
    assert store.opposition_summary(engine, cid) is None
    assert OPPOSED_LABEL in store.plan_addresses(engine, pid)["label"].tolist()


@requires_dataset("paris")
def test_moving_the_walk_list_slider_neither_reads_nor_matches_the_list(tmp_path, monkeypatch):
    from lib.dataset import load_territory

    url = f"sqlite:///{tmp_path / 'terrain.sqlite3'}"
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    engine = store.open_store(url)
    cid = store.create_campaign(engine, "paris", "C")
    first = load_territory(DATA_DIR, "paris").addresses.iloc[0]
    store.save_opposition(engine, cid, long_list(f"{first['number']} {first['street']}", 3_000))
    at = open_page("pages/listes.py", {"t": "paris"}, campaign=cid)  # first run: matched on the territory, once
    assert store.opposition_summary(engine, cid).dataset != ""
    calls = []
    monkeypatch.setattr(opposition, "match_opposition", lambda *a, **k: calls.append("match"))
    monkeypatch.setattr(opposition, "read_opposition_csv", lambda *a, **k: calls.append("read"))
    monkeypatch.setattr(store.sensitive, "load_opposition", lambda *a, **k: calls.append("load"))
    at.slider(key="w_walk_n").set_value(3).run()
    at.slider(key="w_walk_n").set_value(4).run()
    assert not at.exception, at.exception
    assert calls == []
    assert any(s.value.startswith("1 ligne(s) sur 3\u202f000 reconnue(s)") for s in at.success)
    engine.dispose()
