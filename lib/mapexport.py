"""Map and data exports that a campaign hands around: PNG slide, A4 PDF, GeoJSON, GeoPackage,
CSV/XLSX (the offline HTML map is :mod:`lib.offline_map`). All built without a browser, as bytes.

Every export carries its ``provenance`` (territory, date, weights in plain French, our side,
reference election, classes, sources): in the title block or caption and in the file metadata,
so a file found weeks later says how it was made.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextPath
from openpyxl import Workbook

from lib import briefing, fr
from lib.geo import LAMBERT93, WGS84
from lib.maps import styles

A4_INCHES = (11.69, 8.27)  # landscape


def scored_frame(bureaux: gpd.GeoDataFrame, table: pd.DataFrame, contributions: pd.DataFrame,
                 withheld: Collection[str] = (), notes: Mapping[str, pd.Series] | None = None) -> gpd.GeoDataFrame:
    """Bureaux with score, rank, class (1 = lowest), colour and ``contrib_<criterion>`` columns,
    and the text ``notes`` (:func:`lib.priority.bureau_notes`) under short lower-case names
    (``potentiel`` — the briefing's top 10 reads it —, ``quartier_prioritaire``).

    ``withheld`` criteria (read from an imported election, ``PriorityResult.withheld``) keep an
    empty column: one criterion's points per bureau would give its imported values back.
    """
    out = bureaux[["bureau_id", "label", "geometry"]].copy()
    t = table.reindex(out["bureau_id"])
    out["score"] = t["score"].to_numpy(dtype=float, na_value=np.nan).round(2)
    out["rank"] = t["rank"].to_numpy()
    out["classe"] = (t["class_id"] + 1).to_numpy()
    out["couleur"] = t["colour"].to_numpy()
    for header, column in (notes or {}).items():
        out[fr.slug(header)] = column.reindex(out["bureau_id"]).fillna("").to_numpy()
    for cid in contributions.columns:
        points = contributions[cid].reindex(out["bureau_id"]).to_numpy().round(2)
        out[f"contrib_{cid}"] = np.nan if cid in withheld else points
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------ static

INK = "#111111"
BADGE_EM = 1.9  # a numbered badge's diameter, in ems of its number: « 10 » fits inside
BADGE_PT, NAME_PT = 10, 9  # badge numbers and commune names on the map, in points before scaling
FOOTER_KEYS = ("Notre camp", "Élection de référence", "Classes")


def _plain(text: object) -> str:
    """User text drawn by matplotlib: an unescaped « $ » would start math mode."""
    return str(text).replace("$", r"\$")


def _text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width in points of ``text`` at ``size`` points in the figures' default font, « $ » as drawn (never math)."""
    return float(TextPath((0, 0), _plain(text), size=size, prop=FontProperties(weight=weight)).get_extents().width)


def _fit(text: str, size: float, width: float) -> str:
    """``text``, cut with « … » if needed to fit ``width`` points."""
    full = _text_width(text, size)
    if full <= width:
        return text
    cut = max(1, int(len(text) * width / full))
    while cut > 1 and _text_width(text[:cut].rstrip() + "…", size) > width:
        cut -= 1
    return text[:cut].rstrip() + "…"


def _lines(text: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` wrapped on words to ``width`` points, at most ``max_lines`` (the last cut with « … »)."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        n = len(words)
        while n > 1 and _text_width(" ".join(words[:n]), size) > width:
            n -= 1
        lines.append(" ".join(words[:n]))
        words = words[n:]
    if words:
        lines.append(_fit(" ".join(words), size, width))
    return lines


class _Column:
    """Lines stacked downwards from ``top`` (figure fraction); sizes in points, multiplied by ``scale``."""

    def __init__(self, fig: Figure, left: float, right: float, top: float, scale: float) -> None:
        self.fig, self.left, self.right, self.y, self.scale = fig, left, right, top, scale
        self.pt_h = 1 / (fig.get_figheight() * 72)  # one point, as a fraction of the figure height
        self.pt_w = 1 / (fig.get_figwidth() * 72)

    @property
    def width(self) -> float:
        """Width of the column, in unscaled points."""
        return (self.right - self.left) / self.pt_w / self.scale

    def measure(self, text: str, size: float, weight: str = "normal") -> float:
        """Width of ``text`` at ``size``, in unscaled points."""
        return _text_width(text, size * self.scale, weight) / self.scale

    def row(self, pieces: list[tuple[float, str, float, dict]], lead: float = 1.45) -> float:
        """Pieces ``(x offset, text, size, style)`` on one baseline; returns that baseline (fraction)."""
        big = max(size for _, _, size, _ in pieces) * self.scale
        base = self.y - big * 0.8 * self.pt_h
        for dx, text, size, style in pieces:
            self.fig.text(self.left + dx * self.scale * self.pt_w, base, _plain(text), fontsize=size * self.scale,
                          va="baseline", **style)
        self.y -= big * lead * self.pt_h
        return base

    def line(self, text: str, size: float, **style) -> float:
        """One line of text."""
        return self.row([(0, text, size, style)])

    def gap(self, points: float) -> None:
        """Empty space."""
        self.y -= points * self.scale * self.pt_h

    def x(self, points: float) -> float:
        """A figure x ``points`` right of the column's left edge."""
        return self.left + points * self.scale * self.pt_w


def _badge(host, x: float, y: float, number: int, size: float, transform) -> None:
    """A white disc with a bold number: the same on the map and in the top-10 list."""
    host.add_artist(Line2D([x], [y], marker="o", markersize=size * BADGE_EM, markerfacecolor="white",
                           markeredgecolor=INK, markeredgewidth=size * 0.12, transform=transform, zorder=6))
    host.text(x, y, str(number), fontsize=size, weight="bold", ha="center", va="center_baseline",
              color=INK, transform=transform, zorder=7)


def spread_apart(points: np.ndarray, min_dist: float, *, fixed: np.ndarray | None = None,
                 rounds: int = 300) -> np.ndarray:
    """Positions at least ``min_dist`` apart from each other and from the ``fixed`` points.

    Why: neighbouring top bureaux would stack their numbers into one unreadable blob, or hide a
    commune's name. Pairs too close are pushed apart symmetrically (a fixed point does not move)
    until none overlap; points already far enough apart never move. Coincident points leave in
    fixed, distinct directions, so the result is reproducible.
    """
    pos = np.asarray(points, dtype=float).copy()
    walls = np.empty((0, 2)) if fixed is None else np.asarray(fixed, dtype=float).reshape(-1, 2)
    for _ in range(rounds):
        moved = False
        for i in range(len(pos)):
            others = [(j, pos[j]) for j in range(i + 1, len(pos))] + [(-1, w) for w in walls]
            for j, other in others:
                d = other - pos[i]
                dist = float(np.hypot(*d))
                if dist >= min_dist:
                    continue
                unit = d / dist if dist > 1e-9 else np.array([np.cos(2.4 * (i + j)), np.sin(2.4 * (i + j))])
                if j < 0:
                    pos[i] -= unit * (min_dist - dist) * 1.01
                else:
                    pos[i] -= unit * (min_dist - dist) * 0.51
                    pos[j] += unit * (min_dist - dist) * 0.51
                moved = True
        if not moved:
            break
    return pos


def _label_points(ax, outlines: gpd.GeoDataFrame, size: float, step: float) -> np.ndarray:
    """Display points along each commune name drawn on the map, ``step`` apart (obstacles for badges)."""
    pts = gpd.GeoSeries(gpd.points_from_xy(outlines["label_lon"], outlines["label_lat"]), crs=WGS84).to_crs(LAMBERT93)
    centres = ax.transData.transform(np.column_stack([pts.x, pts.y]))
    out = []
    for (cx, cy), name in zip(centres, outlines["name"], strict=True):
        half = _text_width(str(name), size, "bold") * ax.figure.dpi / 72 / 2
        out += [(x, cy) for x in np.arange(cx - half, cx + half + 1e-9, step)] or [(cx, cy)]
    return np.array(out).reshape(-1, 2)


def _number_top(ax, metric: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, top: pd.DataFrame,
                size: float, name_size: float) -> None:
    """Numbered badges at the top bureaux; pushed apart, with a leader line, where they would overlap."""
    if top.empty:
        return
    anchors = metric.set_index("bureau_id").geometry.reindex(top.index).representative_point()
    ax.set_autoscale_on(False)  # badges and leaders must not move the frame they were placed in
    ax.apply_aspect()
    xy = np.column_stack([anchors.x, anchors.y])
    pix = ax.transData.transform(xy)
    diameter = size * BADGE_EM * ax.figure.dpi / 72
    names = _label_points(ax, outlines, name_size, diameter / 2)
    placed_pix = spread_apart(pix, diameter * 1.1, fixed=names)
    placed = ax.transData.inverted().transform(placed_pix)
    for (x0, y0), (x, y), moved, rank in zip(xy, placed, np.hypot(*(placed_pix - pix).T), top["rank"], strict=True):
        if moved > diameter * 0.35:
            ax.add_line(Line2D([x0, x], [y0, y], color=INK, linewidth=size * 0.11, zorder=5))
            ax.add_line(Line2D([x0], [y0], marker="o", markersize=size * 0.4, color=INK, zorder=5))
        _badge(ax, x, y, int(rank), size, ax.transData)


QPV_COLOUR = "#{:02x}{:02x}{:02x}".format(*styles.QPV_OUTLINE[:3])  # as on the app's map


def qpv_frame(outlines: Mapping | None) -> gpd.GeoDataFrame | None:
    """The QPV outlines of a dataset's metadata (``qpv_share`` → ``qpv_outlines``) as a frame, or None."""
    features = (outlines or {}).get("features") or []
    return gpd.GeoDataFrame.from_features(features, crs=WGS84) if features else None


def _draw_map(ax, metric: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, stations: pd.DataFrame | None,
              scale: float, qpv: gpd.GeoDataFrame | None = None) -> None:
    """Bureaux in their class colours, commune/arrondissement outlines and names, QPV outlines,
    stations, scale, north."""
    ax.set_axis_off()
    metric.plot(ax=ax, color=metric["couleur"].fillna("#bdbdbd").tolist(), edgecolor="white",
                linewidth=0.25 * scale)
    if qpv is not None and len(qpv):
        qpv.to_crs(LAMBERT93).boundary.plot(ax=ax, color=QPV_COLOUR, linewidth=1.4 * scale, linestyle="--")
    outlines.to_crs(LAMBERT93).boundary.plot(ax=ax, color="#222222", linewidth=1.2 * scale)
    halo = [patheffects.withStroke(linewidth=3 * scale, foreground="white")]
    pts = gpd.GeoSeries(gpd.points_from_xy(outlines["label_lon"], outlines["label_lat"]), crs=WGS84).to_crs(LAMBERT93)
    for name, p in zip(outlines["name"], pts, strict=True):
        ax.text(p.x, p.y, _plain(name), ha="center", va="center", fontsize=NAME_PT * scale, weight="bold",
                color=INK, path_effects=halo)
    if stations is not None and len(stations):
        st_pts = gpd.GeoSeries(gpd.points_from_xy(stations["lon"], stations["lat"]), crs=WGS84).to_crs(LAMBERT93)
        x0, y0, x1, y1 = metric.total_bounds
        inside = (st_pts.x.between(x0, x1)) & (st_pts.y.between(y0, y1))
        ax.scatter(st_pts.x[inside], st_pts.y[inside], s=4 * scale, color="#1f3c88", zorder=3, linewidths=0)
    ax.set_aspect("equal")
    _scale_bar(ax, metric.total_bounds, scale)
    ax.annotate("N", xy=(0.97, 0.97), xytext=(0.97, 0.88), xycoords="axes fraction", ha="center",
                fontsize=14 * scale, weight="bold", arrowprops={"arrowstyle": "-|>", "lw": 2 * scale, "color": "black"})


def _legend_block(col: _Column, legend: pd.DataFrame, stations: bool) -> None:
    """Legend title, one swatch line per class (highest first), then the station dot."""
    col.line(briefing.legend_title(legend), 14, weight="bold")
    size = 12
    for row in briefing.short_legend(legend).itertuples():
        top, h = col.y - size * 0.05 * col.scale * col.pt_h, size * 1.05 * col.scale * col.pt_h
        col.fig.add_artist(Rectangle((col.left, top - h), size * 1.6 * col.scale * col.pt_w, h, facecolor=row.couleur,
                                     edgecolor="#444444", linewidth=0.6 * col.scale, transform=col.fig.transFigure))
        col.row([(size * 2.2, row.libelle, size, {})])
    if stations:
        base = col.row([(size * 2.2, "gare ou station", size, {})])
        col.fig.add_artist(Line2D([col.x(size * 0.8)], [base + size * 0.35 * col.scale * col.pt_h], marker="o",
                                  markersize=size * 0.35 * col.scale, color="#1f3c88", transform=col.fig.transFigure))


def _figures_block(col: _Column, figures: Sequence[briefing.KeyFigure]) -> None:
    """Key figures: values right-aligned in bold, what they count beside them (on two lines if long)."""
    col.line("Chiffres clés", 14, weight="bold")
    value_w = max(col.measure(f.value, 15, "bold") for f in figures)
    label_x = value_w + 8
    for f in figures:
        first, *more = _lines(f.label, 12 * col.scale, (col.width - label_x) * col.scale, 2)
        col.row([(value_w, f.value, 15, {"weight": "bold", "ha": "right"}), (label_x, first, 12, {})])
        for line in more:
            col.row([(label_x, line, 12, {})], lead=1.3)


def _top_block(col: _Column, top: pd.DataFrame) -> None:
    """The top bureaux, numbered like their badges on the map, score at the right (long names cut with « … »)."""
    col.line(f"Les {len(top)} premiers bureaux" if len(top) > 1 else "Le premier bureau", 14, weight="bold")
    size, score_w = 12, col.measure("100", 12, "bold")
    label_x = size * BADGE_EM + 6
    width = (col.width - label_x - score_w - 8) * col.scale
    for rank, label, score in zip(top["rank"], top["label"], top["score"], strict=True):
        base = col.row([(label_x, _fit(str(label), size * col.scale, width), size, {}),
                        (col.width, fr.number(score), size, {"weight": "bold", "ha": "right"})], lead=1.9)
        _badge(col.fig, col.x(size * BADGE_EM / 2), base + size * 0.36 * col.scale * col.pt_h, int(rank),
               size * 0.85 * col.scale, col.fig.transFigure)  # a little smaller than the text: rows do not touch


def _footer(fig: Figure, provenance: Mapping[str, str], scale: float) -> float:
    """Settings, link and sources along the bottom in small type; returns the top of the footer."""
    size = 8 * scale
    settings = " · ".join(f"{k} : {v}" for k, v in provenance.items() if k in FOOTER_KEYS)
    lines = [settings, f"Lien : {provenance['Lien']}" if provenance.get("Lien") else "",
             f"Sources : {provenance.get('Sources', '')}"]
    chars = int(fig.get_figwidth() * 72 * 0.96 / (size * 0.55))
    text = _wrap("\n".join(line for line in lines if line), chars)
    fig.text(0.02, 0.015, _plain(text), fontsize=size, va="bottom", color="#444444", linespacing=1.3)
    return 0.015 + (text.count("\n") + 1) * size * 1.3 / (fig.get_figheight() * 72)


def _draw(fig: Figure, scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
          provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None, scale: float,
          figures: Sequence[briefing.KeyFigure] | None, split: float, qpv: gpd.GeoDataFrame | None = None) -> None:
    """The page: title and weights, the map with the top 10 numbered, a side column right of ``split``, a footer."""
    head = _Column(fig, 0.02, split, 0.975, scale)
    head.line(_fit(title, 24 * scale, head.width * scale), 24, weight="bold")
    head.line(f"{provenance.get('Territoire', '')} · {provenance.get('Date', '')}", 13, color="#333333")
    for part in _lines(provenance.get("Pondération", ""), 14 * scale, head.width * scale, 3):
        head.line(part, 14, weight="bold")
    bottom = _footer(fig, provenance, scale) + 0.02
    ax = fig.add_axes((0.02, bottom, split - 0.02, head.y - 0.01 - bottom))
    metric = scored.to_crs(LAMBERT93)
    _draw_map(ax, metric, outlines, stations, scale, qpv)
    top = briefing.top_ten(scored.set_index("bureau_id"))
    _number_top(ax, metric, outlines, top, BADGE_PT * scale, NAME_PT * scale)
    side = _Column(fig, split + 0.03, 0.98, 0.955, scale)
    _legend_block(side, legend, stations is not None and len(stations) > 0)
    if figures:
        side.gap(14)
        _figures_block(side, figures)
    side.gap(14)
    _top_block(side, top)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in str(text).splitlines())


def _scale_bar(ax, bounds: np.ndarray, scale: float) -> None:
    x0, y0, x1, _ = bounds
    target = (x1 - x0) / 5
    length = next((n for n in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000)
                   if n >= target * 0.6), 100_000)
    y = y0 - (x1 - x0) * 0.02
    ax.plot([x0, x0 + length], [y, y], color="black", linewidth=3 * scale, solid_capstyle="butt")
    ax.text(x0 + length / 2, y - (x1 - x0) * 0.012, f"{length / 1000:g} km" if length >= 1000 else f"{length} m",
            ha="center", va="top", fontsize=10 * scale)


def static_map_png(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                   provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None,
                   figures: Sequence[briefing.KeyFigure] | None = None, size_px: tuple[int, int] = (1920, 1080),
                   qpv: gpd.GeoDataFrame | None = None) -> bytes:
    """A slide: exactly ``size_px`` pixels, provenance in the PNG text chunks."""
    dpi = 100
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    _draw(fig, scored, outlines, legend, provenance, title=title, stations=stations,
          scale=size_px[0] / 1920 * 1.25, figures=figures, split=0.64, qpv=qpv)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Title": title, "Description": fr.provenance_text(provenance),
                                                      "Software": "Terrain"})
    fig.clear()
    return buf.getvalue()


def static_map_pdf(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                   provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None,
                   figures: Sequence[briefing.KeyFigure] | None = None, dpi: int = 300,
                   qpv: gpd.GeoDataFrame | None = None) -> bytes:
    """One A4 landscape page (vector; raster parts at ``dpi``), provenance in the PDF metadata."""
    fig = Figure(figsize=A4_INCHES, dpi=dpi)
    FigureCanvasPdf(fig)
    _draw(fig, scored, outlines, legend, provenance, title=title, stations=stations, scale=0.85, figures=figures,
          split=0.60, qpv=qpv)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", dpi=dpi, metadata={"Title": title, "Subject": fr.provenance_text(provenance),
                                                      "Creator": "Terrain", "Keywords": "bureaux de vote; priorités"})
    fig.clear()
    return buf.getvalue()


# ------------------------------------------------------------------------------------ data

def scored_geojson(scored: gpd.GeoDataFrame, provenance: Mapping[str, str]) -> bytes:
    """FeatureCollection of the scored bureaux with a top-level ``terrain`` provenance member."""
    doc = json.loads(scored.drop(columns=["couleur"]).to_json(drop_id=True))
    doc["terrain"] = dict(provenance)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def scored_gpkg(scored: gpd.GeoDataFrame, provenance: Mapping[str, str]) -> bytes:
    """GeoPackage: layer « bureaux » plus a non-spatial « provenance » table (key, value)."""
    with tempfile.TemporaryDirectory(prefix="terrain_export_") as tmp:
        path = Path(tmp) / "terrain.gpkg"
        scored.drop(columns=["couleur"]).to_file(path, layer="bureaux", driver="GPKG")
        prov = gpd.GeoDataFrame(pd.DataFrame({"cle": list(provenance), "valeur": list(provenance.values())}))
        prov.to_file(path, layer="provenance", driver="GPKG")
        return path.read_bytes()


def ranking_xlsx(ranking: pd.DataFrame, provenance: Mapping[str, str]) -> bytes:
    """« Classement » sheet plus an « À propos » sheet with the provenance."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Classement"
    fr.xlsx_frame(ws, ranking)
    ws.freeze_panes = "A2"
    fr.xlsx_rows(wb.create_sheet("À propos"), provenance.items())
    wb.properties.description = fr.provenance_text(provenance)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
