"""Phone links on paper (lib/field/printouts.py): a sheet of QR codes per plan, a QR code on each
turf's packet page."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from pypdf import PdfReader

from lib import store, walk_exports
from lib.field.printouts import PrintedLink, link_detail, links_sheet_pdf, packet_of_plan, qr_png

URL = "https://terrain.example.org/terrain/#Zm9vYmFyYmF6"


def test_a_qr_code_holds_the_link_exactly():
    qr = segno.make(URL, error="m", micro=False)
    assert qr.designator.endswith("-M") and qr_png(URL).startswith(b"\x89PNG")
    assert qr_png(URL) == qr_png(URL) and qr_png(URL) != qr_png(URL + "x")


def test_the_sheet_prints_every_turf_with_its_link_six_per_page():
    links = [PrintedLink(f"T{n:02d}", "75056_0101 · 24 adresses", f"{URL}{n}") for n in range(1, 8)]
    reader = PdfReader(io.BytesIO(links_sheet_pdf(links, title="Samedi", expires=datetime(2026, 3, 14))))
    assert len(reader.pages) == 2
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert all(f"Parcours {link.code}" in text and link.url in text for link in links)
    assert "14/03/2026" in text
    assert [len(page.images) for page in reader.pages] == [6, 1]


def test_the_packet_of_a_saved_plan_has_a_qr_code_on_each_turfs_page(plan):
    engine, _, pid, _ = plan
    addresses, turfs = packet_of_plan(store.plan_addresses(engine, pid), store.plan_turfs(engine, pid))
    kwargs = {"title": "Samedi", "provenance": {"Territoire": "Paris", "Date": "2026-03-14"}}
    plain = PdfReader(io.BytesIO(walk_exports.field_packet_pdf(addresses, turfs, **kwargs)))
    linked = PdfReader(io.BytesIO(walk_exports.field_packet_pdf(addresses, turfs, links={"T01": URL, "T02": URL},
                                                                 **kwargs)))
    assert [len(p.images) for p in plain.pages] == [0, 0]
    assert [len(p.images) for p in linked.pages] == [1, 1]
    assert "Scannez" in linked.pages[0].extract_text()


def test_a_turf_is_described_by_its_saved_estimates(plan):
    engine, _, pid, _ = plan
    turf = store.plan_turfs(engine, pid).iloc[0].to_dict()
    assert link_detail(turf) == "75056_0001 · 3 adresses · ≈ 6 portes"
