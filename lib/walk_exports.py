"""Walk-list exports, all returned as bytes for ``st.download_button`` (nothing written to disk).

Each export says how it was made (``provenance``: territory, weights, date…): in the PDF
metadata and footer, the XLSX « À propos » sheet, the GPX ``<metadata><desc>`` and the GeoJSON
top-level ``terrain`` member. The CSV stays a plain table so French Excel opens it as columns.
No names anywhere: addresses only. The lists carry the door statuses of :mod:`lib.doors` (a
« Statut » column to fill in by hand, read back by the paper import; one tick box per status in
the packet) and never an opinion per address: opinions are only turf totals, at the end of a turf.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import pandas as pd
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lib import fr
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, TURF_TOTALS, status_hint
from lib.field.printouts import draw_qr

EXPORT_COLUMNS = {"turf_id": "Équipe", "stop": "Ordre", "label": "Adresse", "bureau_label": "Bureau",
                  "bureau_id": "Code bureau", "est_voters": "Inscrits estimés", "est_doors": "Portes estimées",
                  "housing": "Habitat", "lon": "Longitude", "lat": "Latitude"}
# One row per turf, as a campaign reads it (page tables, the workbook's summary sheet).
SUMMARY_COLUMNS = {"turf_id": "Équipe", "bureaux": "Bureaux", "adresses": "Adresses", "portes_estimees": "Portes (est.)",
                   "inscrits_estimes": "Inscrits (est.)", "parcours_m": "Parcours (m)",
                   "minutes_estimees": "Durée de la sortie (min, est.)"}


def with_bureau_names(turfs: pd.DataFrame, summary: pd.DataFrame,
                      labels: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The turfs and their summary as lists and packets show them: « Paris 10e — bureau 1018 », not
    ``75056_1018`` (the code stays in the lists' « Code bureau » column)."""
    return (turfs.assign(bureau_label=turfs["bureau_id"].astype(str).map(lambda b: labels.get(b, b))),
            summary_with_names(summary, labels))


def summary_with_names(summary: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The summary's ``bureaux`` (« id, id ») as names."""
    return summary.assign(bureaux=summary["bureaux"].map(
        lambda ids: ", ".join(labels.get(b, b) for b in str(ids).split(", "))))


def summary_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary under French headers."""
    return summary[[c for c in SUMMARY_COLUMNS if c in summary]].rename(columns=SUMMARY_COLUMNS)
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
ROWS_FIRST_PAGE = 30
ROWS_NEXT_PAGE = 48


def _table(turfs: pd.DataFrame) -> pd.DataFrame:
    """The list as exported: one row per address in walking order, and an empty « Statut » to fill in."""
    cols = [c for c in EXPORT_COLUMNS if c in turfs.columns]
    out = turfs.sort_values(["turf_id", "stop"])[cols].rename(columns=EXPORT_COLUMNS)
    for col in ("Inscrits estimés", "Portes estimées"):
        if col in out:
            out[col] = out[col].round(1)
    out[STATUS_COLUMN] = ""
    return out


def turfs_csv(turfs: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, « ; » separator, decimal comma: opens as columns in French Excel."""
    return fr.csv_bytes(_table(turfs))


def turfs_xlsx(turfs: pd.DataFrame, summary: pd.DataFrame, provenance: Mapping[str, str]) -> bytes:
    """Summary sheet, one sheet per turf (frozen header), and an « À propos » sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Résumé"
    _write(ws, summary_frame(summary))
    table = _table(turfs)
    for turf_id, rows in table.groupby("Équipe", sort=True):
        sheet = wb.create_sheet(str(turf_id)[:31])
        _write(sheet, rows)
        _status_choices(sheet, list(rows.columns).index(STATUS_COLUMN) + 1, len(rows))
    about = wb.create_sheet("À propos")
    fr.xlsx_rows(about, provenance.items())
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    wb.properties.title = "Terrain — listes de porte-à-porte"
    wb.properties.description = fr.provenance_text(provenance, sep="; ")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write(ws, frame: pd.DataFrame) -> None:
    fr.xlsx_frame(ws, frame)
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)


def _status_choices(ws, column: int, n_rows: int) -> None:
    """A drop-down of the door statuses in the « Statut » column (typing stays possible)."""
    letter = get_column_letter(column)
    check = DataValidation(type="list", formula1='"' + ",".join(DOOR_STATUSES.values()) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="Statut", error=f"Écrivez {status_hint()}.")
    check.add(f"{letter}2:{letter}{n_rows + 1}")
    ws.add_data_validation(check)
    ws.column_dimensions[letter].width = 12


def turfs_gpx(turfs: pd.DataFrame, provenance: Mapping[str, str]) -> bytes:
    """GPX 1.1: one ``<rte>`` per turf with its stops in walking order."""
    desc = escape(fr.provenance_text(provenance, sep="; "))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="Terrain" xmlns="http://www.topografix.com/GPX/1/1">',
             f"<metadata><name>Terrain — listes de porte-à-porte</name><desc>{desc}</desc></metadata>"]
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        parts.append(f"<rte><name>{escape(str(turf_id))}</name>")
        for row in rows.itertuples(index=False):
            parts.append(f'<rtept lat="{row.lat:.6f}" lon="{row.lon:.6f}">'
                         f"<name>{int(row.stop)}. {escape(str(row.label))}</name></rtept>")
        parts.append("</rte>")
    parts.append("</gpx>")
    return "\n".join(parts).encode("utf-8")


def turfs_geojson(turfs: pd.DataFrame, provenance: Mapping[str, str]) -> bytes:
    """Points (turf, order, address) and one LineString route per turf."""
    features = []
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        coords = [[round(float(x), 6), round(float(y), 6)] for x, y in zip(rows["lon"], rows["lat"], strict=True)]
        if len(coords) > 1:
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": {"equipe": str(turf_id), "type": "parcours"}})
        for row, xy in zip(rows.itertuples(index=False), coords, strict=True):
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": xy},
                             "properties": {"equipe": str(turf_id), "ordre": int(row.stop),
                                            "adresse": str(row.label), "bureau": str(row.bureau_id)}})
    doc = {"type": "FeatureCollection", "terrain": dict(provenance), "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class _Packet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.2, self.footer_text + f" — page {self.page_no()}", align="C")


def field_packet_pdf(turfs: pd.DataFrame, summary: pd.DataFrame, *, title: str,
                     provenance: Mapping[str, str], links: Mapping[str, str] | None = None) -> bytes:
    """A4 field packet: per turf a page with a small route map and the address list to tick.

    ``links`` (turf → phone link, made with the packet in « Suivi du terrain »): a QR code beside
    the turf's map, so a volunteer opens the turf's return page by scanning it.

    A turf of more than ``ROWS_FIRST_PAGE`` addresses continues on the next page(s); with the
    default target size (≈120 doors ≈ 25 Paris addresses) a turf fits on one page.
    """
    pdf = _Packet(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(title)
    pdf.set_subject(fr.provenance_text(provenance, sep="; "))
    pdf.set_creator("Terrain")
    pdf.footer_text = ("Adresses : Base Adresse Nationale (Licence Ouverte 2.0). Inscrits et portes par adresse : "
                       "estimations (inscrits du bureau répartis sur ses adresses). "
                       + fr.provenance_text({k: v for k, v in provenance.items() if k in ("Territoire", "Date")}))
    by_turf = summary.set_index("turf_id")
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        info = by_turf.loc[turf_id]
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 15)
        pdf.cell(0, 8, f"{title} — équipe {turf_id}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 4.5, f"Bureau(x) : {info['bureaux']} · {int(info['adresses'])} adresses · "
                               f"≈ {int(info['portes_estimees'])} portes · ≈ {int(info['inscrits_estimes'])} inscrits "
                               f"(estimations) · parcours {int(info['parcours_m'])} m · ≈ {int(info['minutes_estimees'])} min",
                       new_x="LMARGIN", new_y="NEXT")
        top, link = pdf.get_y(), (links or {}).get(str(turf_id))
        _route_map(pdf, rows, x=10, y=top + 2, w=150 if link else 190, h=62)
        if link:
            _link_qr(pdf, link, x=164, y=top + 4)
        pdf.set_y(top + 66)
        _address_table(pdf, rows)
    buf = io.BytesIO(pdf.output())
    return buf.getvalue()


def _link_qr(pdf: FPDF, link: str, *, x: float, y: float) -> None:
    """The turf's phone link as a QR code beside its map, with a line saying what it is for."""
    draw_qr(pdf, link, x=x, y=y, size=36)
    pdf.set_xy(x, y + 38)
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(36, 3, "Scannez pour noter les portes sur votre téléphone (même sans réseau)", align="C")


def _route_map(pdf: FPDF, rows: pd.DataFrame, *, x: float, y: float, w: float, h: float) -> None:
    """Vector map of the stops in order, with scale bar and north arrow (no tiles)."""
    pdf.set_draw_color(160, 160, 160)
    pdf.rect(x, y, w, h)
    px, py = rows["x"].to_numpy(), rows["y"].to_numpy()
    span = max(px.max() - px.min(), py.max() - py.min(), 50.0)
    scale = min((w - 16) / span, (h - 12) / span) if span else 1.0
    cx, cy = (px.max() + px.min()) / 2, (py.max() + py.min()) / 2
    sx = x + w / 2 + (px - cx) * scale
    sy = y + h / 2 - (py - cy) * scale
    pdf.set_draw_color(177, 0, 38)
    pdf.set_line_width(0.5)
    for i in range(len(sx) - 1):
        pdf.line(sx[i], sy[i], sx[i + 1], sy[i + 1])
    pdf.set_font("DejaVu", size=6)
    pdf.set_fill_color(255, 255, 255)
    for i, (a, b) in enumerate(zip(sx, sy, strict=True), start=1):
        pdf.set_draw_color(30, 30, 30)
        pdf.circle(x=a, y=b, radius=1.6, style="FD")
        pdf.text(a + 1.8, b - 1.0, str(i))
    metres = _nice_length(span / 4)
    bar = metres * scale
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.6)
    pdf.line(x + 4, y + h - 4, x + 4 + bar, y + h - 4)
    pdf.set_font("DejaVu", size=7)
    pdf.text(x + 4, y + h - 5.5, f"{metres:.0f} m")
    pdf.set_font("DejaVu", "B", 9)
    pdf.text(x + w - 7, y + 6, "N")
    pdf.line(x + w - 5.8, y + 13, x + w - 5.8, y + 7.5)


def _nice_length(metres: float) -> float:
    for nice in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if nice >= metres:
            return float(nice)
    return float(round(metres, -3))


def _address_table(pdf: FPDF, rows: pd.DataFrame) -> None:
    """The addresses to tick (one box per door status), then the turf's totals and notes."""
    statuses = tuple(DOOR_STATUSES.values())
    widths = (9, 96, 14) + (17,) * len(statuses)
    header = ("N°", "Adresse", "Portes", *statuses)

    def draw_header() -> None:
        pdf.set_font("DejaVu", "B", 8)
        pdf.set_fill_color(235, 235, 235)
        for wdt, text in zip(widths, header, strict=True):
            pdf.cell(wdt, 6, text, border=1, align="C", fill=True)
        pdf.ln()
        pdf.set_font("DejaVu", size=8)

    draw_header()
    room = ROWS_FIRST_PAGE
    for i, row in enumerate(rows.itertuples(index=False)):
        if i == room:
            pdf.add_page()
            draw_header()
            room += ROWS_NEXT_PAGE
        pdf.cell(widths[0], 5.6, str(int(row.stop)), border=1, align="C")
        pdf.cell(widths[1], 5.6, str(row.label)[:70], border=1)
        pdf.cell(widths[2], 5.6, f"{row.est_doors:.0f}", border=1, align="C")
        for wdt in widths[3:]:
            pdf.cell(wdt, 5.6, "☐", border=1, align="C")
        pdf.ln()
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(widths[0] + widths[1], 6, f"Total : {len(rows)} adresses", border=1)
    pdf.cell(widths[2], 6, f"{rows['est_doors'].sum():.0f}", border=1, align="C")
    for wdt in widths[3:]:
        pdf.cell(wdt, 6, "", border=1)
    pdf.ln(7)
    _turf_totals(pdf)


def _turf_totals(pdf: FPDF) -> None:
    """Boxes for the turf's totals: what people said is counted per turf, never per address."""
    if pdf.get_y() + 17 > pdf.h - 13:  # keep clear of the footer
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(0, 4.5, "Fin de sortie : totaux du parcours (jamais par adresse ni par personne)",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    for label in TURF_TOTALS.values():
        pdf.cell(42, 6, f"{label} :", border="LTB")
        pdf.cell(20, 6, "", border="RTB")
        pdf.cell(1.3, 6, "")
    pdf.ln(7)
    pdf.cell(0, 5, "Notes (accès, digicode, gardien, ascenseur) : ______________________________________________")
