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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lib import fr
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, TURF_TOTALS, status_hint
from lib.field.printouts import draw_qr
from lib.geo import lonlat_to_l93
from lib.streetmap import OSM_CREDIT, OSM_LICENCE, StreetLayer
from lib.streetnet import StreetNetwork

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


def route_lines(turfs: pd.DataFrame, network: StreetNetwork | None) -> dict[str, list[list[float]]]:
    """Per turf, the walking line [lon, lat] in stop order: along the streets of ``network`` when
    given (what the packet draws and the GPX track follows), else straight from stop to stop."""
    out, ordered = {}, turfs.sort_values(["turf_id", "stop"])
    drawn = (network.lines_lonlat(ordered["turf_id"].to_numpy(), ordered.get("bureau_id", ordered["turf_id"]).to_numpy(),
                                  ordered["x"].to_numpy(float), ordered["y"].to_numpy(float), ordered.get("street"),
                                  ordered.get("number"))
             if network is not None and len(ordered) and {"x", "y"} <= set(ordered.columns) else {})
    for turf_id, rows in ordered.groupby("turf_id", sort=True):
        if len(rows) > 1 and turf_id in drawn:
            lon, lat = drawn[turf_id]
        else:
            lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
        out[str(turf_id)] = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]
    return out


def turfs_gpx(turfs: pd.DataFrame, provenance: Mapping[str, str], network: StreetNetwork | None = None) -> bytes:
    """GPX 1.1: per turf a ``<rte>`` with its stops in walking order and a ``<trk>`` of the walk
    itself, along the streets when the territory has them (© OpenStreetMap, ODbL)."""
    desc = escape(fr.provenance_text(provenance, sep="; ")
                  + (f"; rues : {OSM_CREDIT} ({OSM_LICENCE})" if network is not None else ""))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="Terrain" xmlns="http://www.topografix.com/GPX/1/1">',
             f"<metadata><name>Terrain — listes de porte-à-porte</name><desc>{desc}</desc></metadata>"]
    lines = route_lines(turfs, network)
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        parts.append(f"<rte><name>{escape(str(turf_id))}</name>")
        for row in rows.itertuples(index=False):
            parts.append(f'<rtept lat="{row.lat:.6f}" lon="{row.lon:.6f}">'
                         f"<name>{int(row.stop)}. {escape(str(row.label))}</name></rtept>")
        parts.append("</rte>")
    for turf_id, line in lines.items():
        parts.append(f"<trk><name>{escape(turf_id)} — parcours</name><trkseg>")
        parts.extend(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"/>' for lon, lat in line)
        parts.append("</trkseg></trk>")
    parts.append("</gpx>")
    return "\n".join(parts).encode("utf-8")


def turfs_geojson(turfs: pd.DataFrame, provenance: Mapping[str, str], network: StreetNetwork | None = None) -> bytes:
    """Points (turf, order, address) and one LineString route per turf (along the streets when given)."""
    features = []
    lines = route_lines(turfs, network)
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        coords = [[round(float(x), 6), round(float(y), 6)] for x, y in zip(rows["lon"], rows["lat"], strict=True)]
        if len(coords) > 1:
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": lines[str(turf_id)]},
                             "properties": {"equipe": str(turf_id), "type": "parcours"}})
        for row, xy in zip(rows.itertuples(index=False), coords, strict=True):
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": xy},
                             "properties": {"equipe": str(turf_id), "ordre": int(row.stop),
                                            "adresse": str(row.label), "bureau": str(row.bureau_id)}})
    doc = {"type": "FeatureCollection", "terrain": dict(provenance), "features": features}
    if network is not None:
        doc["licence_rues"] = f"{OSM_CREDIT} ({OSM_LICENCE})"
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class _Packet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.2, self.footer_text + f" — page {self.page_no()}", align="C")


def field_packet_pdf(turfs: pd.DataFrame, summary: pd.DataFrame, *, title: str,
                     provenance: Mapping[str, str], links: Mapping[str, str] | None = None,
                     streets: gpd.GeoDataFrame | None = None, network: StreetNetwork | None = None) -> bytes:
    """A4 field packet: per turf a page with a route map and the address list to tick.

    The map draws the OpenStreetMap ``streets`` with their names behind the route, and the route
    along the streets of ``network``, when the territory has them (credited, ODbL). ``links`` (turf →
    phone link, made with the packet in « Suivi du terrain »): a QR code beside the turf's map, so a
    volunteer opens the turf's return page by scanning it. A turf of more than ``ROWS_FIRST_PAGE``
    addresses continues on the next page(s); with the default target size (≈120 doors ≈ 25 Paris
    addresses) a turf fits on one page.
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
                       + (f"Rues : {OSM_CREDIT} ({OSM_LICENCE}). " if streets is not None else "")
                       + fr.provenance_text({k: v for k, v in provenance.items() if k in ("Territoire", "Date")}))
    by_turf = summary.set_index("turf_id")
    layer = StreetLayer.of(streets)
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
        height = map_height(top, len(rows), pdf.h)
        _route_map(pdf, rows, MapBox(x=10, y=top + 2, w=150 if link else 190, h=height), layer, network)
        if link:
            _link_qr(pdf, link, x=164, y=top + 4)
        pdf.set_y(top + height + 4)
        _address_table(pdf, rows)
    buf = io.BytesIO(pdf.output())
    return buf.getvalue()


MAP_MIN_H, MAP_MAX_H = 72.0, 150.0  # mm: the packet's map, taller when the address list leaves room
ROW_H, TABLE_EXTRA_H, FOOTER_H = 5.6, 34.0, 13.0  # an address row; header, total, turf totals, notes; footer


def map_height(top: float, addresses: int, page_h: float) -> float:
    """The map's height on a turf's first page: what the address list (its first page's rows) and
    the footer leave, between MAP_MIN_H and MAP_MAX_H — a short turf gets a big, readable map."""
    table = ROW_H * min(addresses, ROWS_FIRST_PAGE) + TABLE_EXTRA_H
    return float(np.clip(page_h - FOOTER_H - top - 6 - table, MAP_MIN_H, MAP_MAX_H))


def _link_qr(pdf: FPDF, link: str, *, x: float, y: float) -> None:
    """The turf's phone link as a QR code beside its map, with a line saying what it is for."""
    draw_qr(pdf, link, x=x, y=y, size=36)
    pdf.set_xy(x, y + 38)
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(36, 3, "Scannez pour noter les portes sur votre téléphone (même sans réseau)", align="C")


FRAME_MARGIN_M, FRAME_MIN_M = 30.0, 150.0  # ground round a turf's stops on its packet map


@dataclass(frozen=True)
class MapBox:
    """Where a map sits on the page (mm) and the ground it shows (Lambert-93 metres per mm)."""

    x: float
    y: float
    w: float
    h: float
    cx: float = 0.0
    cy: float = 0.0
    scale: float = 1.0  # mm per metre

    def framed(self, px: np.ndarray, py: np.ndarray) -> MapBox:
        """The same box centred on the points, at the scale that shows them all and the streets around
        them (FRAME_MARGIN_M each side, FRAME_MIN_M across at least): a volunteer finds the turf from
        the streets they know."""
        span_x = max(float(np.ptp(px)) + 2 * FRAME_MARGIN_M, FRAME_MIN_M)
        span_y = max(float(np.ptp(py)) + 2 * FRAME_MARGIN_M, FRAME_MIN_M)
        scale = min((self.w - 16) / span_x, (self.h - 14) / span_y)
        return MapBox(self.x, self.y, self.w, self.h, (px.max() + px.min()) / 2, (py.max() + py.min()) / 2, scale)

    def page(self, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ground metres → page millimetres."""
        return self.x + self.w / 2 + (px - self.cx) * self.scale, self.y + self.h / 2 - (py - self.cy) * self.scale

    @property
    def ground(self) -> tuple[float, float, float, float]:
        """The ground rectangle the box shows (xmin, ymin, xmax, ymax)."""
        half_w, half_h = self.w / 2 / self.scale, self.h / 2 / self.scale
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h


def _route_map(pdf: FPDF, rows: pd.DataFrame, box: MapBox, layer: StreetLayer | None,
               network: StreetNetwork | None) -> None:
    """Vector map of the turf: streets and their names (OpenStreetMap) behind the route walked along
    them, the stops numbered in order, scale bar and north arrow (no tiles). Street names keep clear
    of the scale, the north arrow and the credit; stop numbers of the route, the dots and each other."""
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.2)
    pdf.rect(box.x, box.y, box.w, box.h)
    box = box.framed(rows["x"].to_numpy(), rows["y"].to_numpy())
    sx, sy = box.page(rows["x"].to_numpy(), rows["y"].to_numpy())
    names: list[shapely.Geometry] = []
    with pdf.rect_clip(box.x, box.y, box.w, box.h):  # a detour beyond the frame stays inside it
        drawn = layer.draw_lines(pdf, box) if layer is not None else None
        route = _route_line(pdf, rows, box, network)
        if drawn is not None:  # over the route, haloed, off the dots
            dots = list(shapely.buffer(shapely.points(sx, sy), 1.6))
            names = layer.draw_names(pdf, box, drawn, keep_clear=furniture(box, credit=True) + dots)
    _stop_numbers(pdf, sx, sy, route, avoid=names)
    _scale_and_north(pdf, box)
    if layer is not None:
        pdf.set_font("DejaVu", size=5.5)
        pdf.set_text_color(90, 90, 90)
        pdf.text(box.x + box.w - CREDIT_W, box.y + box.h - 1.5, f"Rues : {OSM_CREDIT} ({OSM_LICENCE})")
        pdf.set_text_color(0, 0, 0)


CREDIT_W = 62.0  # mm: the street credit at the map's bottom right


def furniture(box: MapBox, *, credit: bool) -> list[shapely.Geometry]:
    """What sits on the packet's map besides the streets (page mm): the scale bar and its label, the
    north arrow, the street credit; street names are kept off them."""
    bar = _nice_length(box.w / box.scale / 6) * box.scale
    out = [shapely.box(box.x + 2, box.y + box.h - 9, box.x + 6 + max(bar, 10), box.y + box.h - 2),
           shapely.box(box.x + box.w - 9, box.y + 1, box.x + box.w - 2, box.y + 14)]
    if credit:
        out.append(shapely.box(box.x + box.w - CREDIT_W - 1, box.y + box.h - 4.5, box.x + box.w, box.y + box.h))
    return out


def _route_line(pdf: FPDF, rows: pd.DataFrame, box: MapBox, network: StreetNetwork | None) -> np.ndarray:
    """The route, along the streets when a network is given, else straight from stop to stop; returns
    it in page mm (the stop numbers keep off it)."""
    line = np.asarray(next(iter(route_lines(rows, network).values())))
    sx, sy = box.page(*lonlat_to_l93(line[:, 0], line[:, 1]))
    pdf.set_draw_color(177, 0, 38)
    pdf.set_line_width(0.6)
    pdf.polyline(list(zip(sx.tolist(), sy.tolist(), strict=True)))
    return np.c_[sx, sy]


NUMBER_SPOTS = ((1.6, -1.0), (1.6, 3.0), (-1.6, -1.0), (-1.6, 3.0), (0.0, -2.0), (0.0, 4.2), (2.2, 1.0), (-2.2, 1.0))


def number_boxes(sx: np.ndarray, sy: np.ndarray, widths: list[float], route: np.ndarray,
                 avoid: Sequence[shapely.Geometry] = ()) -> list[tuple]:
    """Where each stop's number goes (page mm: x0, y0, x1, y1, the text's baseline at y1): the first
    spot round its dot that covers no other number, no dot, no street name (``avoid``) and not the
    route line; else the spot that covers least of them (other numbers weigh most)."""
    line = shapely.LineString(route).buffer(0.45) if len(route) > 1 else shapely.Polygon()
    dots = shapely.union_all([*shapely.buffer(shapely.points(sx, sy), 1.45), *avoid])
    taken: list[tuple] = []
    for a, b, width in zip(sx, sy, widths, strict=True):
        best, cost = None, np.inf
        for dx, dy in NUMBER_SPOTS:
            left = a + dx if dx > 0 else a + dx - width if dx < 0 else a - width / 2
            rect = (left, b + dy - 2.2, left + width, b + dy)
            shape = shapely.box(*rect)
            here = (10 * sum(_overlap(rect, other) for other in taken) + 3 * line.intersection(shape).area
                    + dots.intersection(shape).area)
            if here < cost:
                best, cost = rect, here
            if here == 0:
                break
        taken.append(best)
    return taken


def _stop_numbers(pdf: FPDF, sx: np.ndarray, sy: np.ndarray, route: np.ndarray,
                  avoid: Sequence[shapely.Geometry] = ()) -> None:
    """A dot per stop and its number beside it (:func:`number_boxes`), off the street names ``avoid``."""
    pdf.set_font("DejaVu", "B", 6)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.25)
    pdf.set_draw_color(30, 30, 30)
    for a, b in zip(sx, sy, strict=True):
        pdf.circle(x=a, y=b, radius=1.3, style="FD")
    widths = [pdf.get_string_width(str(i)) for i in range(1, len(sx) + 1)]
    for i, rect in enumerate(number_boxes(sx, sy, widths, route, avoid), start=1):
        pdf.text(rect[0], rect[3], str(i))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _scale_and_north(pdf: FPDF, box: MapBox) -> None:
    metres = _nice_length(box.w / box.scale / 6)
    bar = metres * box.scale
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.6)
    pdf.line(box.x + 4, box.y + box.h - 4, box.x + 4 + bar, box.y + box.h - 4)
    pdf.set_font("DejaVu", size=7)
    pdf.text(box.x + 4, box.y + box.h - 5.5, f"{metres:.0f} m")
    pdf.set_font("DejaVu", "B", 9)
    pdf.text(box.x + box.w - 7, box.y + 6, "N")
    pdf.line(box.x + box.w - 5.8, box.y + 13, box.x + box.w - 5.8, box.y + 7.5)
    pdf.polygon([(box.x + box.w - 5.8, box.y + 7.0), (box.x + box.w - 7.0, box.y + 9.2),
                 (box.x + box.w - 4.6, box.y + 9.2)], style="F")


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
