"""Map and data exports that a campaign hands around: PNG slide, A4 PDF, offline HTML, GeoJSON,
GeoPackage, CSV/XLSX. All built without a browser and returned as bytes.

Every export carries its ``provenance`` (territory, date, weights in plain French, our side,
reference election, classes, sources): in the title block or caption and in the file metadata,
so a file found weeks later says how it was made.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from openpyxl import Workbook

from lib import fr
from lib.geo import LAMBERT93, WGS84

VENDOR = Path(__file__).resolve().parent / "vendor" / "leaflet"
A4_INCHES = (11.69, 8.27)  # landscape


def scored_frame(bureaux: gpd.GeoDataFrame, table: pd.DataFrame, contributions: pd.DataFrame,
                 withheld: Collection[str] = ()) -> gpd.GeoDataFrame:
    """Bureaux with score, rank, class (1 = lowest), colour and ``contrib_<criterion>`` columns.

    ``withheld`` criteria (read from an imported election, ``PriorityResult.withheld``) keep an
    empty column: one criterion's points per bureau would give its imported values back.
    """
    out = bureaux[["bureau_id", "label", "geometry"]].copy()
    t = table.reindex(out["bureau_id"])
    out["score"] = t["score"].to_numpy(dtype=float, na_value=np.nan).round(2)
    out["rank"] = t["rank"].to_numpy()
    out["classe"] = (t["class_id"] + 1).to_numpy()
    out["couleur"] = t["colour"].to_numpy()
    for cid in contributions.columns:
        points = contributions[cid].reindex(out["bureau_id"]).to_numpy().round(2)
        out[f"contrib_{cid}"] = np.nan if cid in withheld else points
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------ static

def _draw(fig: Figure, scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
          provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None, scale: float) -> None:
    """The map page: title block, map with our base layer, legend, scale bar, north arrow, footer."""
    ax = fig.add_axes((0.02, 0.10, 0.64, 0.78))
    ax.set_axis_off()
    metric = scored.to_crs(LAMBERT93)
    metric.plot(ax=ax, color=metric["couleur"].fillna("#bdbdbd").tolist(), edgecolor="white",
                linewidth=0.25 * scale)
    lines = outlines.to_crs(LAMBERT93)
    lines.boundary.plot(ax=ax, color="#222222", linewidth=1.2 * scale)
    halo = [patheffects.withStroke(linewidth=3 * scale, foreground="white")]
    pts = gpd.GeoSeries(gpd.points_from_xy(outlines["label_lon"], outlines["label_lat"]), crs=WGS84).to_crs(LAMBERT93)
    for name, p in zip(outlines["name"], pts, strict=True):
        ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=9 * scale, weight="bold",
                color="#111111", path_effects=halo)
    if stations is not None and len(stations):
        st_pts = gpd.GeoSeries(gpd.points_from_xy(stations["lon"], stations["lat"]), crs=WGS84).to_crs(LAMBERT93)
        x0, y0, x1, y1 = metric.total_bounds
        inside = (st_pts.x.between(x0, x1)) & (st_pts.y.between(y0, y1))
        ax.scatter(st_pts.x[inside], st_pts.y[inside], s=4 * scale, color="#1f3c88", zorder=3, linewidths=0)
    ax.set_aspect("equal")
    _scale_bar(ax, metric.total_bounds, scale)
    ax.annotate("N", xy=(0.97, 0.97), xytext=(0.97, 0.88), xycoords="axes fraction", ha="center",
                fontsize=14 * scale, weight="bold", arrowprops={"arrowstyle": "-|>", "lw": 2 * scale, "color": "black"})

    fig.text(0.02, 0.955, title, fontsize=24 * scale, weight="bold", va="top")
    fig.text(0.02, 0.905, f"{provenance.get('Territoire', '')} · {provenance.get('Date', '')}",
             fontsize=13 * scale, color="#333333", va="top")
    handles = [Patch(facecolor=row.couleur, edgecolor="#444444", label=_legend_label(row))
               for row in legend.sort_values("classe", ascending=False, key=lambda c: c.replace(0, -1)).itertuples()]
    leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.68, 0.86), frameon=False,
                     fontsize=12 * scale, title=_legend_title(legend), title_fontsize=14 * scale, handlelength=1.6,
                     handleheight=1.2, labelspacing=0.7)
    leg.get_title().set_weight("bold")
    weights = provenance.get("Pondération", "")
    fig.text(0.69, 0.34, _wrap(weights, 48), fontsize=11 * scale, va="top", color="#111111")
    side = [f"{k} : {v}" for k, v in provenance.items() if k in ("Notre camp", "Élection de référence", "Classes")]
    fig.text(0.69, 0.20, _wrap("\n".join(side), 56), fontsize=9 * scale, va="top", color="#333333")
    fig.text(0.02, 0.02, _wrap(provenance.get("Sources", ""), 230), fontsize=7 * scale, color="#555555", va="bottom")


def _legend_title(legend: pd.DataFrame) -> str:
    """« Priorité (4 = la plus forte) »: the top class is the number of classes shown."""
    top = int(legend["classe"].max()) if len(legend) else 0
    return f"Priorité ({top} = la plus forte)" if top > 1 else "Priorité"


def _legend_label(row) -> str:
    """Short legend line for print: « 5 (forte) · 76 – 100 · 181 bureaux »."""
    if row.classe == 0:
        return f"sans score · {row.bureaux} bureaux"
    if row.classe < 0:
        return f"atypiques, écartés · {row.bureaux} bureaux"
    return f"{row.classe} · {row.min:.0f} – {row.max:.0f} · {row.bureaux} bureaux"


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
                   size_px: tuple[int, int] = (1920, 1080)) -> bytes:
    """A slide: exactly ``size_px`` pixels, provenance in the PNG text chunks."""
    dpi = 100
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    _draw(fig, scored, outlines, legend, provenance, title=title, stations=stations, scale=size_px[0] / 1920 * 1.25)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Title": title, "Description": fr.provenance_text(provenance),
                                                      "Software": "Terrain"})
    fig.clear()
    return buf.getvalue()


def static_map_pdf(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                   provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None,
                   dpi: int = 300) -> bytes:
    """One A4 landscape page (vector; raster parts at ``dpi``), provenance in the PDF metadata."""
    fig = Figure(figsize=A4_INCHES, dpi=dpi)
    FigureCanvasPdf(fig)
    _draw(fig, scored, outlines, legend, provenance, title=title, stations=stations, scale=0.75)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", dpi=dpi, metadata={"Title": title, "Subject": fr.provenance_text(provenance),
                                                      "Creator": "Terrain", "Keywords": "bureaux de vote; priorités"})
    fig.clear()
    return buf.getvalue()


# ------------------------------------------------------------------------------------ HTML

def interactive_html(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                     provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None) -> bytes:
    """A standalone Leaflet map that opens offline: Leaflet is inlined, no tile layer, no CDN."""
    import folium

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    m.default_js = []  # folium would load Leaflet, jQuery, Bootstrap… from CDNs
    m.default_css = []
    root = m.get_root()
    root.header.add_child(folium.Element(
        "<style>" + (VENDOR / "leaflet.css").read_text(encoding="utf-8") + "</style>"
        "<script>" + (VENDOR / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"))
    slim = scored.assign(
        geometry=scored.geometry.to_crs(LAMBERT93).simplify(2).to_crs(WGS84).set_precision(1e-5),
        libelle=scored["label"].map(lambda s: fr.escape(str(s))),
        score_txt=scored["score"].map(lambda s: "données manquantes" if pd.isna(s) else f"{s:.0f}/100"),
        rang=scored["rank"].astype("string").fillna("—"), classe_txt=scored["classe"].astype("string").fillna("—"),
        fill=scored["couleur"].fillna("#bdbdbd"))[["bureau_id", "libelle", "score_txt", "rang", "classe_txt", "fill", "geometry"]]
    bureaux = folium.FeatureGroup(name="Bureaux (priorité)", show=True)
    folium.GeoJson(
        slim.to_json(),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#ffffff", "weight": 0.5,
                                  "fillOpacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["libelle", "score_txt", "rang", "classe_txt"],
                                      aliases=["Bureau", "Score", "Rang", "Classe"]),
    ).add_to(bureaux)
    bureaux.add_to(m)
    base = folium.FeatureGroup(name="Arrondissements / communes", show=True)
    folium.GeoJson(outlines[["name", "geometry"]].assign(name=outlines["name"].map(lambda s: fr.escape(str(s)))).to_json(),
                   style_function=lambda f: {"fill": False, "color": "#222222", "weight": 2}).add_to(base)
    for name, lon, lat in zip(outlines["name"], outlines["label_lon"], outlines["label_lat"], strict=True):
        folium.Marker([lat, lon], icon=folium.DivIcon(html=f'<div style="font:bold 12px sans-serif;'
                                                          f'text-shadow:0 0 3px #fff">{fr.escape(str(name))}</div>')).add_to(base)
    base.add_to(m)
    if stations is not None and len(stations):
        gares = folium.FeatureGroup(name="Gares et stations", show=False)
        for name, lon, lat in zip(stations["name"], stations["lon"], stations["lat"], strict=True):
            folium.CircleMarker([lat, lon], radius=3, color="#1f3c88", fill=True, tooltip=fr.escape(str(name))).add_to(gares)
        gares.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    rows = "".join(f'<div><span style="display:inline-block;width:14px;height:14px;background:{fr.escape(c)};'
                   f'border:1px solid #444;margin-right:6px"></span>{fr.escape(str(lab))}</div>'
                   for c, lab in zip(legend["couleur"][::-1], legend["libelle"][::-1], strict=True))
    meta = "".join(f"<div><b>{fr.escape(k)}</b> : {fr.escape(str(v))}</div>" for k, v in provenance.items())
    panel = (f'<div style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:10px 14px;'
             f'border:1px solid #999;max-width:420px;font:13px sans-serif"><div style="font-size:18px;font-weight:bold">'
             f"{fr.escape(title)}</div>{rows}<details><summary>Comment cette carte a été faite</summary>{meta}</details></div>")
    root.html.add_child(folium.Element(panel))
    root.header.add_child(folium.Element(f'<meta name="description" content="{fr.escape(fr.provenance_text(provenance))}">'))
    minx, miny, maxx, maxy = scored.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m.get_root().render().encode("utf-8")


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
