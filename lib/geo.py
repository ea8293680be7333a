"""Geometry helpers: CRS guards, display slimming, outlines, distances.

Display geometry is stored in EPSG:4326; anything measured (metres, m²) is computed in
Lambert-93 (EPSG:2154). Functions refuse a frame in an unexpected CRS instead of reprojecting
silently (the maup ``require_same_crs`` idea): a distance in degrees is the classic silent bug.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.parse
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
DISPLAY_GRID = 1e-5  # degrees: ≈1.1 m in latitude, ≈0.75 m in longitude at 48°N


def require_crs(gdf: gpd.GeoDataFrame, crs: str, what: str = "frame") -> None:
    """Raise ``ValueError`` when ``gdf`` is not in ``crs`` (never reproject silently)."""
    if gdf.crs is None or not gdf.crs.equals(crs):
        raise ValueError(f"{what} must be in {crs}, got {gdf.crs}")


def to_lambert93(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project a WGS84 frame to Lambert-93 for metric work."""
    require_crs(gdf, WGS84, "input")
    return gdf.to_crs(LAMBERT93)


def lonlat_to_l93(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised lon/lat → Lambert-93 metres."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(LAMBERT93)
    return pts.x.to_numpy(), pts.y.to_numpy()


def make_valid(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Repair invalid polygons and keep only their polygonal part."""
    geom = shapely.make_valid(gdf.geometry.to_numpy())
    geom = np.array([_polygonal(g) for g in geom], dtype=object)
    return gdf.set_geometry(gpd.GeoSeries(geom, index=gdf.index, crs=gdf.crs))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    return shapely.Polygon()


def slim_for_display(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 1.0) -> gpd.GeoDataFrame:
    """Simplify (in metres) and snap to a ≈1 m grid in EPSG:4326.

    Why: the map's cost is transport, and most of a GeoJSON payload is coordinate digits.
    Simplifying at 1 m and rounding to 5 decimals keeps shapes identical on screen.
    """
    require_crs(gdf, WGS84, "bureaux")
    metric = gdf.geometry.to_crs(LAMBERT93).simplify(tolerance_m, preserve_topology=True)
    back = metric.to_crs(WGS84)
    snapped = shapely.set_precision(back.to_numpy(), DISPLAY_GRID)
    # A sliver bureau (Paris has a 1 m² placeholder contour) would vanish on the grid: keep it.
    lost = shapely.is_empty(snapped) | shapely.is_missing(snapped)
    snapped[lost] = gdf.geometry.to_numpy()[lost]
    return gdf.set_geometry(gpd.GeoSeries(snapped, index=gdf.index, crs=WGS84))


def dissolve_outlines(bureaux: gpd.GeoDataFrame, *, by: str, names: pd.Series,
                      kind: str, tolerance_m: float = 5.0) -> gpd.GeoDataFrame:
    """Dissolve bureaux into commune/arrondissement outlines with a label point each."""
    require_crs(bureaux, WGS84, "bureaux")
    metric = bureaux[[by, "geometry"]].to_crs(LAMBERT93)
    metric["geometry"] = metric.buffer(0.5)  # close hairline gaps between neighbouring bureaux
    dissolved = metric.dissolve(by=by).buffer(-0.5).simplify(tolerance_m)
    out = gpd.GeoDataFrame({"area_code": dissolved.index.astype(str)},
                           geometry=dissolved.to_numpy(), crs=LAMBERT93)
    label_pts = out.geometry.representative_point().to_crs(WGS84)
    out = out.to_crs(WGS84)
    out["name"] = out["area_code"].map(names).fillna(out["area_code"]).astype(str)
    out["kind"] = kind
    out["label_lon"] = label_pts.x.round(5).to_numpy()
    out["label_lat"] = label_pts.y.round(5).to_numpy()
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), DISPLAY_GRID)
    return out[["area_code", "name", "kind", "label_lon", "label_lat", "geometry"]]


def nearest_distance_m(from_lon: np.ndarray, from_lat: np.ndarray,
                       to_lon: np.ndarray, to_lat: np.ndarray) -> np.ndarray:
    """Distance in metres from each origin to the nearest target (Lambert-93, KD-tree)."""
    if len(to_lon) == 0:
        return np.full(len(from_lon), np.nan)
    fx, fy = lonlat_to_l93(np.asarray(from_lon), np.asarray(from_lat))
    tx, ty = lonlat_to_l93(np.asarray(to_lon), np.asarray(to_lat))
    dist, _ = cKDTree(np.column_stack([tx, ty])).query(np.column_stack([fx, fy]))
    return dist


def assign_points(lon: np.ndarray, lat: np.ndarray, polygons: gpd.GeoDataFrame,
                  id_col: str) -> pd.Series:
    """Id of the polygon containing each point (point-in-polygon), <NA> outside every polygon.

    A point on a shared edge goes to the first polygon found, so each point has one owner.
    """
    require_crs(polygons, WGS84, "polygons")
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    joined = gpd.sjoin(pts, polygons[[id_col, "geometry"]], how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined[id_col].reindex(pts.index).astype("string")


# ---------------------------------------------------------------------------------------------
# Map payload (pydeck). The cost of a map is transport: every rerun resends the deck JSON, so
# geometry is prepared once per territory (simplified for the screen, 5 decimals, closing vertex
# dropped) and each rerun only adds colours and tooltip strings, serialised without indentation.
# ---------------------------------------------------------------------------------------------

BUREAU_LAYER_ID = "bureaux"


@dataclass(frozen=True)
class MapGeometry:
    """Display geometry of a territory, ready to be sent: one row per polygon part."""

    bureau_id: np.ndarray  # per part
    rings: list  # per part: list of rings, each a list of [lon, lat]
    outline_rings: list  # per outline part
    outline_labels: pd.DataFrame  # name, lon, lat
    view: dict  # longitude, latitude, zoom
    n_bureaux: int


def _compact_rings(polygon: shapely.Polygon) -> list:
    """Rings as [[lon, lat], …] rounded to 5 decimals (≈1 m), closing vertex dropped."""
    return [np.round(np.asarray(ring.coords)[:-1], 5).tolist()
            for ring in (polygon.exterior, *polygon.interiors)]


def _parts(geom: shapely.Geometry) -> list[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]


def _view_for(bounds: tuple[float, float, float, float], width_px: int = 760,
              height_px: int = 560) -> dict:
    """Centre and zoom that fit ``bounds`` (lon/lat) in a map of about that size (512-px world)."""
    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    span_x = max(maxx - minx, 1e-4)
    span_y = max((maxy - miny) / np.cos(np.radians(lat)), 1e-4)
    zoom = float(np.log2(min(width_px / span_x, height_px / span_y) * 360 / 512 / 1.05))
    return {"longitude": (minx + maxx) / 2, "latitude": lat, "zoom": round(min(max(zoom, 4), 16), 2)}


def prepare_map_geometry(bureaux: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, *,
                         tolerance_m: float = 3.0) -> MapGeometry:
    """Simplify for the screen (≈3 m) and encode compactly; done once per territory."""
    require_crs(bureaux, WGS84, "bureaux")
    simple = bureaux.geometry.to_crs(LAMBERT93).simplify(tolerance_m, preserve_topology=True).to_crs(WGS84)
    simple = simple.where(~simple.is_empty, bureaux.geometry)
    minx, miny, maxx, maxy = bureaux.total_bounds
    ids, rings = [], []
    for bid, geom in zip(bureaux["bureau_id"].to_numpy(), simple.to_numpy(), strict=True):
        for part in _parts(geom):
            ids.append(bid)
            rings.append(_compact_rings(part))
    outline_rings = [
        _compact_rings(part)
        for geom in outlines.geometry.to_numpy() for part in _parts(geom)
    ]
    labels = pd.DataFrame({"name": outlines["name"].astype(str).to_numpy(),
                           "lon": outlines["label_lon"].to_numpy(), "lat": outlines["label_lat"].to_numpy()})
    return MapGeometry(bureau_id=np.asarray(ids), rings=rings,
                       outline_rings=outline_rings, outline_labels=labels,
                       view=_view_for((minx, miny, maxx, maxy)), n_bureaux=len(bureaux))


def bureau_records(geom: MapGeometry, fill: pd.DataFrame) -> list[dict]:
    """Rows of the bureau layer: geometry part + fill colour + escaped tooltip fields.

    ``fill`` is indexed by bureau_id with columns ``colour`` (list of 4 ints) and ``tip`` (HTML-safe
    text). Only these fields travel: anything else would be paid for at every slider move.
    """
    colours = fill["colour"].reindex(geom.bureau_id).to_numpy()
    tips = fill["tip"].reindex(geom.bureau_id).fillna("").to_numpy()
    return [{"i": bid, "p": rings, "c": c, "t": t}
            for bid, rings, c, t in zip(geom.bureau_id, geom.rings, colours, tips, strict=True)]


def deck_layers(geom: MapGeometry, fill: pd.DataFrame, *, stations: pd.DataFrame | None = None,
                selected: str | None = None, line_colour: tuple[int, int, int] = (255, 255, 255)) -> list:
    """The layers of the priority map: bureaux, our own base layer (outlines, names, stations)."""
    import pydeck as pdk  # imported here so ``lib.geo`` stays light for the build

    layers = [
        pdk.Layer("PolygonLayer", bureau_records(geom, fill), id=BUREAU_LAYER_ID, get_polygon="p",
                  get_fill_color="c", get_line_color=list(line_colour), line_width_min_pixels=0.5,
                  stroked=True, filled=True, pickable=True, auto_highlight=True,
                  highlight_color=[0, 90, 200, 120]),
        pdk.Layer("PolygonLayer", [{"p": r} for r in geom.outline_rings], id="outlines",
                  get_polygon="p", filled=False, stroked=True, get_line_color=[40, 40, 40],
                  line_width_min_pixels=1.6, pickable=False),
    ]
    if stations is not None and len(stations):
        layers.append(pdk.Layer(
            "ScatterplotLayer",
            [{"x": [round(x, 5), round(y, 5)]} for x, y in zip(stations["lon"], stations["lat"], strict=True)],
            id="stations", get_position="x", get_radius=18, radius_min_pixels=1.2,
            radius_max_pixels=3.5, get_fill_color=[20, 60, 140, 200], pickable=False))
    if selected is not None:
        mask = geom.bureau_id == selected
        sel = [{"p": r} for r, m in zip(geom.rings, mask, strict=True) if m]
        layers.append(pdk.Layer("PolygonLayer", sel, id="selection", get_polygon="p", filled=False,
                                stroked=True, get_line_color=[0, 90, 200], line_width_min_pixels=3.5,
                                pickable=False))
    layers.append(pdk.Layer(
        "TextLayer",
        [{"x": [round(lon, 5), round(lat, 5)], "n": ascii_label(n)}
         for n, lon, lat in zip(geom.outline_labels["name"], geom.outline_labels["lon"],
                                geom.outline_labels["lat"], strict=True)],
        id="outline-labels", get_position="x", get_text="n", get_size=13, get_color=[20, 20, 20],
        font_weight=700, outline_width=3, outline_color=[255, 255, 255],
        font_settings={"sdf": True}, pickable=False))
    return layers


# A MapLibre style with only a background: no tile, no font, no request. Streamlit falls back
# to online Carto tiles when no style is given, which is blank or slow in a meeting room.
OFFLINE_MAP_STYLE = {"version": 8, "sources": {}, "layers": [
    {"id": "background", "type": "background", "paint": {"background-color": "#f3f1ec"}}]}


OFFLINE_MAP_STYLE_URL = "data:application/json;charset=utf-8," + urllib.parse.quote(
    json.dumps(OFFLINE_MAP_STYLE, separators=(",", ":")))


def make_deck(layers: list, view: dict, *, tooltip: dict | None = None):
    """A pydeck Deck that draws our own base layer, never fetches tiles, and serialises compactly.

    pydeck's ``to_json`` indents and sorts keys: for Paris that is 1.2 MB instead of 0.3 MB on
    every slider move. Streamlit calls ``to_json()``, so the subclass below is all it takes.
    """
    import pydeck as pdk
    from pydeck.bindings.json_tools import default_serialize

    class CompactDeck(pdk.Deck):
        def to_json(self) -> str:
            return json.dumps(self, default=default_serialize, separators=(",", ":"))

    return CompactDeck(layers=layers, initial_view_state=pdk.ViewState(**view), map_provider="mapbox",
                       map_style=OFFLINE_MAP_STYLE_URL, tooltip=tooltip or False)


def ascii_label(text: str) -> str:
    """Strip accents for deck.gl's TextLayer, whose default font atlas is ASCII-only.

    (Streamlit's JSON bridge turns a custom ``characterSet`` into a function, so the atlas
    cannot be extended; « Chatenay » on the map beats a blank.)"""
    folded = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in folded if not unicodedata.combining(c) and ord(c) < 128)


def selected_bureau(event: object) -> str | None:
    """Bureau id clicked on the map, from ``st.pydeck_chart(on_select="rerun")``'s return value."""
    try:
        objects = event["selection"]["objects"]  # type: ignore[index]
    except (KeyError, TypeError):
        objects = getattr(getattr(event, "selection", None), "objects", None)
    if not objects:
        return None
    picked = objects.get(BUREAU_LAYER_ID) if isinstance(objects, dict) else None
    if not picked:
        return None
    first = picked[0]
    return str(first.get("i")) if isinstance(first, dict) and first.get("i") is not None else None
