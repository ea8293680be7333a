"""Paper returns (issue 22 item 11): re-visits kept, orders checked line by line, spreadsheets read
streamed and capped, and the database held only for one short write.

Store tests run on SQLite and PostgreSQL (``plan`` uses the ``store_engine`` fixture).
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest
from openpyxl import Workbook
from sqlalchemy import event

from lib import store, uploads
from lib.errors import TerrainError
from lib.store import paper

from .helpers import PROJECT, filled_csv

HEADER = "Équipe;Ordre;Adresse;Statut"


def paper_csv(*lines: tuple[str, str, str]) -> bytes:
    """A filled-in list with these (turf, order, status) lines, in this order."""
    return "\n".join([HEADER, *(f"{t};{o};adresse;{s}" for t, o, s in lines)]).encode("utf-8-sig")


def paper_xlsx(rows: list[tuple], *, far_cell: bool = False) -> bytes:
    """A workbook with one turf sheet (Équipe, Ordre, Statut); ``far_cell``: one value at XFD1048576."""
    book = Workbook()
    sheet = book.active
    sheet.title = "T01"
    sheet.append(["Équipe", "Ordre", "Statut"])
    for row in rows:
        sheet.append(list(row))
    if far_cell:
        sheet.cell(row=1_048_576, column=16_384, value="x")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def statuses(engine, pid) -> dict[tuple[str, int], str]:
    stops = store.plan_addresses(engine, pid)
    latest = store.stop_statuses(engine, pid)
    return {(t, int(n)): latest.get(int(i), "") for t, n, i in zip(stops["turf_id"], stops["stop"], stops["stop_id"],
                                                                    strict=True)}


def test_a_revisit_written_on_one_sheet_ends_on_its_last_status(plan):
    engine, _, pid, _ = plan
    done = store.record_paper_returns(engine, pid, paper_csv(("T01", "1", "Absent"), ("T01", "1", "Ouvert"),
                                                             ("T01", "1", "Absent")), "retours.csv")
    assert done.recorded == 3
    assert statuses(engine, pid)[("T01", 1)] == "absent"


def test_a_revisit_over_three_uploads_ends_on_the_last_one(plan):
    engine, _, pid, _ = plan
    for day, status in enumerate(["Absent", "Ouvert", "Absent"]):
        done = store.record_paper_returns(engine, pid, paper_csv(("T02", "2", status)), f"jour{day}.csv")
        assert done.recorded == 1
    assert statuses(engine, pid)[("T02", 2)] == "absent"


def test_the_same_file_sent_twice_records_its_lines_once(plan):
    engine, _, pid, _ = plan
    data = paper_csv(("T01", "1", "Absent"), ("T01", "1", "Ouvert"))
    assert store.record_paper_returns(engine, pid, data, "retours.csv").recorded == 2
    again = store.record_paper_returns(engine, pid, data, "retours.csv")
    assert (again.recorded, again.unchanged) == (0, 2)
    assert statuses(engine, pid)[("T01", 1)] == "ouvert"


@pytest.mark.parametrize("order", ["2,9", "3.7", "deux", "0", "1000000000000000000000000000000"])
def test_an_order_that_is_not_a_whole_stop_number_is_refused_naming_its_line(plan, order):
    engine, _, pid, _ = plan
    data = paper_csv(("T01", "1", "Ouvert"), ("T01", order, "Refus"))
    with pytest.raises(TerrainError, match=rf"ligne 3 \(« {order} »\).*rien n'a été enregistré"):
        store.record_paper_returns(engine, pid, data, "retours.csv")
    assert set(statuses(engine, pid).values()) == {""}


def test_a_decimal_order_in_a_workbook_is_refused_naming_its_sheet_and_row(plan):
    engine, _, pid, _ = plan
    data = paper_xlsx([("T01", 1, "Ouvert"), ("T01", 3.7, "Absent")])
    with pytest.raises(TerrainError, match=r"onglet « T01 », ligne 3 \(« 3.7 »\)"):
        store.record_paper_returns(engine, pid, data, "retours.xlsx")


def test_whole_orders_typed_in_a_workbook_are_read_as_stops(plan):
    engine, _, pid, _ = plan
    done = store.record_paper_returns(engine, pid, paper_xlsx([("T01", 2.0, "Ouvert"), ("T01", "3", "Refus")]),
                                      "retours.xlsx")
    assert done.recorded == 2
    assert statuses(engine, pid)[("T01", 2)] == "ouvert"


def test_a_line_without_a_status_is_not_a_return(plan):
    engine, _, pid, _ = plan
    done = store.record_paper_returns(engine, pid, paper_csv(("T01", "", ""), ("T01", "2", "Absent")), "r.csv")
    assert done.recorded == 1


HOSTILE = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a reader that allocates the sheet fails fast
from lib.store import paper
from lib.errors import TerrainError
data = open(sys.argv[1], "rb").read()
before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the imports' own footprint
started = time.perf_counter()
try:
    paper.paper_statuses(data, "loin.xlsx")
    said = "accepted"
except TerrainError as err:
    said = str(err)
except MemoryError:
    said = "MemoryError"
grown_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
print(f"{time.perf_counter() - started:.1f}|{grown_mb:.0f}|{said}")
"""


def test_a_small_workbook_with_one_far_cell_is_refused_without_allocating_the_sheet(tmp_path):
    path = tmp_path / "loin.xlsx"
    path.write_bytes(paper_xlsx([("T01", 1, "Ouvert")], far_cell=True))
    assert path.stat().st_size < 10_000
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(HOSTILE), str(path)], cwd=PROJECT,
                         capture_output=True, text=True, timeout=120)
    seconds, grown_mb, said = out.stdout.strip().split("|", 2)
    assert "cellule XFD1048576" in said and "limite de 100 colonnes" in said
    assert float(grown_mb) < 300  # reading it, beyond the imports' own memory; the sheet would be GBs
    assert float(seconds) < 30


def test_a_workbook_with_more_rows_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(paper, "MAX_PAPER_ROWS", 50)
    data = paper_xlsx([("T01", 1, "Ouvert")] * 60)
    with pytest.raises(TerrainError, match=r"trop de lignes.*limite 50"):
        paper.paper_statuses(data, "gros.xlsx")


def test_a_csv_with_more_rows_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(paper, "MAX_PAPER_ROWS", 50)
    with pytest.raises(TerrainError, match="trop de lignes"):
        paper.paper_statuses(paper_csv(*[("T01", "1", "Ouvert")] * 60), "gros.csv")


def test_a_workbook_that_unpacks_beyond_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_XLSX_CONTENT", 4_000)
    data = paper_xlsx([("T01", 1, "Ouvert")] * 200)
    with pytest.raises(TerrainError, match="trop volumineux une fois décompressé"):
        paper.paper_statuses(data, "bombe.xlsx")


def test_a_file_that_is_not_a_workbook_says_so_in_french():
    with pytest.raises(TerrainError, match="fichier Excel illisible"):
        paper.paper_statuses(b"PK\x03\x04" + b"\x00" * 200, "casse.xlsx")


def test_recording_a_long_paper_return_takes_a_fixed_number_of_statements(plan):
    """The write transaction does not grow with the file: a phone tap never waits for a long file."""
    engine, _, pid, _ = plan
    lines = [("T01", str(1 + i % 3), ["Absent", "Ouvert"][i % 2]) for i in range(600)]
    data = paper_csv(*lines)
    executed = []
    listener = lambda *args: executed.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        done = store.record_paper_returns(engine, pid, data, "long.csv")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert done.recorded == 600
    assert len(executed) < 30


def test_the_exported_list_filled_by_hand_still_reads(plan):
    engine, _, pid, _ = plan
    done = store.record_paper_returns(engine, pid, filled_csv({("T01", 1): "Ouvert", ("T02", 2): "Refus"}), "r.csv")
    assert done.recorded == 2


def test_a_workbook_with_as_many_lines_as_the_cap_is_read(monkeypatch):
    monkeypatch.setattr(paper, "MAX_PAPER_ROWS", 50)
    assert len(paper.paper_statuses(paper_xlsx([("T01", 1, "Ouvert")] * 50), "juste.xlsx")) == 50


def test_a_list_without_any_status_written_is_refused_not_accepted_empty(plan):
    engine, _, pid, _ = plan
    with pytest.raises(TerrainError, match=r"aucun statut écrit dans la colonne « Statut » \(2 ligne"):
        store.record_paper_returns(engine, pid, paper_csv(("T01", "1", ""), ("T01", "2", "")), "vide.csv")
