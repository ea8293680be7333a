"""Phone links on paper: one QR code per turf on a printable sheet, and on each turf's packet page.

Why paper: an organiser hands out a Saturday's turfs in a meeting room; a volunteer scans the
code of their turf and the page opens on their phone, kept for offline use. A link is a secret
shown once (only its digest is stored): these PDFs are made when the links are, never later.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

import pandas as pd
import segno
from fpdf import FPDF

from lib import fr, geo

QR_SCALE = 10  # pixels per module of the PNG (printed at a fixed size in mm)
PER_ROW, ROWS = 2, 3  # six turfs per A4 page
CELL_W, CELL_H = 95.0, 90.0
QR_MM = 52.0


class PrintedLink(NamedTuple):
    """What the sheet prints for one turf: its name, a line about it and its phone link."""

    code: str
    detail: str
    url: str


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes (error correction M: readable from a creased sheet)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=QR_SCALE, border=2)
    return out.getvalue()


def draw_qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` at (x, y), ``size`` mm wide (white quiet zone included)."""
    pdf.image(io.BytesIO(qr_png(url)), x=x, y=y, w=size, h=size)


def _pdf(title: str) -> FPDF:
    from lib.walk_exports import FONT_DIR  # the packet's fonts, one home

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(title)
    pdf.set_creator("Terrain")
    return pdf


def links_sheet_pdf(links: list[PrintedLink], *, title: str, expires: datetime) -> bytes:
    """A4 sheet(s) to print and cut: per turf its code, a line about it, its QR code and the link."""
    pdf = _pdf(title)
    for n, link in enumerate(links):
        if n % (PER_ROW * ROWS) == 0:
            pdf.add_page()
            pdf.set_font("DejaVu", "B", 12)
            pdf.cell(0, 6, f"{title} — liens de retour (valables jusqu'au {expires:%d/%m/%Y})",
                     new_x="LMARGIN", new_y="NEXT")
        col, row = n % PER_ROW, (n // PER_ROW) % ROWS
        x, y = 10 + col * CELL_W, 18 + row * CELL_H
        pdf.set_draw_color(150, 150, 150)
        pdf.rect(x, y, CELL_W - 5, CELL_H - 4)
        pdf.set_xy(x + 3, y + 2)
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(CELL_W - 11, 7, f"Parcours {link.code}")
        pdf.set_xy(x + 3, y + 9)
        pdf.set_font("DejaVu", size=8)
        pdf.multi_cell(CELL_W - 11, 3.6, link.detail)
        draw_qr(pdf, link.url, x=x + (CELL_W - 5 - QR_MM) / 2, y=y + 17, size=QR_MM)
        pdf.set_xy(x + 3, y + 17 + QR_MM + 1)
        pdf.set_font("DejaVu", size=6)
        pdf.multi_cell(CELL_W - 11, 2.6, link.url)
    return bytes(pdf.output())


def packet_of_plan(addresses: pd.DataFrame, turfs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A saved plan's addresses and turfs (``lib.store``) as :func:`lib.walk_exports.field_packet_pdf`
    takes them (``turf_id`` = code, Lambert-93 ``x``/``y`` for the route map)."""
    x, y = geo.lonlat_to_l93(addresses["lon"].to_numpy(float), addresses["lat"].to_numpy(float))
    return addresses.assign(x=x, y=y), turfs.rename(columns={"code": "turf_id"})


def link_detail(turf: Mapping[str, object]) -> str:
    """« 75056_0101 · 24 adresses · ≈ 118 portes »: what the sheet says about a turf (saved estimates)."""
    parts = [str(turf.get("bureaux") or ""), fr.counted(turf.get("adresses") or 0, "adresse", "adresses"),
             f"≈ {fr.counted(turf.get('portes_estimees') or 0, 'porte', 'portes')}"]
    return " · ".join(p for p in parts if p)
