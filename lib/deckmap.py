"""The pydeck map payloads (home map, département view, walk-list turfs): geometry encoded once.

The per-bureau priority map is the map element (:mod:`lib.mapwire`, :mod:`lib.ui.mapelement`).

Why apart from :mod:`lib.geo`: geo is GIS (CRS guards, slimming, distances); this module is the
wire format of the in-app map — what travels to the browser at every slider move — and owns the
tooltip fields. Every rerun resends the deck JSON, so geometry is prepared once per territory
(simplified for the screen, integer offsets, closing vertex dropped) and each rerun only adds
colours and three short tooltip strings, serialised without indentation.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lib import fr
from lib.classify import hex_to_rgb
from lib.config import Criterion
from lib.geo import LAMBERT93, WGS84, department_of, require_crs
from lib.priority import unscored_reasons

BUREAU_LAYER_ID = "bureaux"
BORDERS_MAX_BUREAUX = 300  # default: stroke bureaux only on small territories (see deck_spec)
OFFSET_UNIT = 1e-5  # degrees per unit of the integer screen coordinates (≈1 m)


@dataclass(frozen=True)
class MapGeometry:
    """Screen geometry of a territory, serialised once: one JSON record prefix per polygon part."""

    origin: tuple[float, float]  # lon, lat of the integer offsets' zero
    bureau_id: np.ndarray  # per part
    prefixes: list[str]  # per part: '{"i":id,"n":label,"p":[dx,dy,…]' (record without dynamic fields)
    outlines_json: str  # data of the outline layer
    labels_json: str  # data of the outline-name layer
    view: dict  # longitude, latitude, zoom
    n_bureaux: int
    # Large territories (a region, France): one shape per département instead of one per bureau;
    # ``groups`` (index bureau_id: group, label) and ``bureau_id`` then holds département ids.
    groups: pd.DataFrame | None = None
    key: str = ""  # fingerprint of the geometry: part of layer ids, so a new territory is a new layer

    @property
    def offsets(self) -> bool:
        """Integer offsets from ``origin``; False: plain degrees (the département view spans France)."""
        return self.groups is None

    def layer_id(self, name: str) -> str:
        """Layer id unique to this geometry (see :data:`SAME_DATA`)."""
        return f"{name}-{self.key}" if self.key else name


def _flat_rings(polygon: shapely.Polygon, encode) -> list | dict:
    """Flat ``[x0, y0, x1, y1, …]`` (deck.gl ``positionFormat: "XY"``), closing vertices dropped:
    the browser's JSON walk over the deck spec is proportional to the number of arrays. Holes use
    deck.gl's ``{positions, holeIndices}`` form (indices into the flat array)."""
    flats, starts, n = [], [], 0
    for ring in (polygon.exterior, *polygon.interiors):
        xy = encode(np.asarray(ring.coords)[:-1])
        starts.append(n)
        flats.append(xy.ravel())
        n += xy.size
    positions = np.concatenate(flats).tolist()
    if len(flats) == 1:
        return positions
    return {"positions": positions, "holeIndices": starts[1:]}


def _offset_polygon(polygon: shapely.Polygon, origin: tuple[float, float]) -> list | dict:
    """Integer offsets from ``origin`` in 1e-5 degree (≈1 m)."""
    return _flat_rings(polygon, lambda xy: np.rint((xy - np.asarray(origin)) / OFFSET_UNIT).astype(np.int64))


def _degree_polygon(polygon: shapely.Polygon, decimals: int = 4) -> list | dict:
    """Plain lon/lat degrees (≈10 m at 4 decimals): offsets from one origin, a linear approximation,
    are only exact over a city or a region, not across France and its overseas départements."""
    return _flat_rings(polygon, lambda xy: np.round(xy, decimals))


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
    return {"longitude": round((minx + maxx) / 2, 5), "latitude": round(lat, 5),
            "zoom": round(min(max(zoom, 4), 16), 2)}


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def prepare_map_geometry(bureaux: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, *,
                         tolerance_m: float = 3.0, point_threshold: int = 8000) -> MapGeometry:
    """Simplify for the screen (≈3 m) and serialise compactly; done once per territory.

    Above ``point_threshold`` bureaux (a region, France) one polygon or even one point per bureau
    costs megabytes per slider move (70,000 points: 10.8 MB, ~3 s): the map then shows
    départements, each coloured like its median bureau (:func:`group_fill`).
    """
    require_crs(bureaux, WGS84, "bureaux")
    if len(bureaux) > point_threshold:
        return _prepare_groups(bureaux)
    metric = bureaux.geometry.to_crs(LAMBERT93)
    x0, y0, x1, y1 = metric.total_bounds
    # A screen is ~1,500 px wide: detail finer than extent/3000 is invisible at the full view.
    tolerance_m = max(tolerance_m, max(x1 - x0, y1 - y0) / 3000)
    simple = metric.simplify(tolerance_m, preserve_topology=True).to_crs(WGS84)
    simple = simple.where(~simple.is_empty, bureaux.geometry)
    minx, miny, maxx, maxy = bureaux.total_bounds
    origin = (round(float(minx), 3), round(float(miny), 3))
    ids, prefixes = [], []
    labels_in = bureaux["label"] if "label" in bureaux else bureaux["bureau_id"]
    for bid, label, geom in zip(bureaux["bureau_id"].to_numpy(), labels_in.to_numpy(), simple.to_numpy(),
                                strict=True):
        for part in _parts(geom):
            ids.append(str(bid))
            prefixes.append('{"i":' + _dumps(str(bid)) + ',"n":' + _dumps(fr.escape_text(str(label)))
                            + ',"p":' + _dumps(_offset_polygon(part, origin)))
    outline_geom = outlines.geometry.to_crs(LAMBERT93).simplify(tolerance_m).to_crs(WGS84)
    outline_data = [{"p": _offset_polygon(part, origin)}
                    for geom in outline_geom.to_numpy() for part in _parts(geom)]
    labels = [{"x": [round(float(lon), 5), round(float(lat), 5)], "n": str(name)}
              for name, lon, lat in zip(outlines["name"], outlines["label_lon"], outlines["label_lat"],
                                        strict=True)]
    outlines_json, labels_json = _dumps(outline_data), _dumps(labels)
    return MapGeometry(origin=origin, bureau_id=np.asarray(ids), prefixes=prefixes,
                       outlines_json=outlines_json, labels_json=labels_json,
                       view=_view_for((minx, miny, maxx, maxy)), n_bureaux=len(bureaux),
                       key=_fingerprint(prefixes, outlines_json, labels_json))


GROUP_PREFIX = "dep:"  # ids of département shapes; never a bureau id (those hold an underscore)


def _prepare_groups(bureaux: gpd.GeoDataFrame) -> MapGeometry:
    """One shape per département: bureaux dissolved on a 100 m grid, simplified to the screen."""
    groups = department_of(bureaux["commune_code"])
    metric = gpd.GeoDataFrame({"group": groups.to_numpy()}, geometry=bureaux.geometry.to_crs(LAMBERT93).to_numpy(),
                              crs=LAMBERT93)
    x0, y0, x1, y1 = metric.total_bounds
    dissolved = metric.dissolve("group", grid_size=100.0)
    shapes = dissolved.geometry.simplify(max(x1 - x0, y1 - y0) / 3000).to_crs(WGS84)
    label_pts = dissolved.geometry.representative_point().to_crs(WGS84)
    minx, miny = bureaux.total_bounds[:2]
    origin = (round(float(minx), 3), round(float(miny), 3))
    counts = groups.value_counts()
    ids, prefixes, outline_data = [], [], []
    for code, geom in zip(dissolved.index.astype(str), shapes.to_numpy(), strict=True):
        label = f"Département {code} · {fr.number(counts[code])} bureaux"
        for part in _parts(geom):
            ring = _degree_polygon(part)
            ids.append(GROUP_PREFIX + code)
            prefixes.append('{"i":' + _dumps(GROUP_PREFIX + code) + ',"n":' + _dumps(fr.escape_text(label))
                            + ',"p":' + _dumps(ring))
            outline_data.append({"p": ring})
    labels = [{"x": [round(float(pt.x), 5), round(float(pt.y), 5)], "n": code}
              for code, pt in zip(dissolved.index.astype(str), label_pts.to_numpy(), strict=True)]
    outlines_json, labels_json = _dumps(outline_data), _dumps(labels)
    # Frame the bureaux within 1,500 km of the median one: France's overseas départements would
    # otherwise centre the view on the Atlantic. They stay on the map, a pan away.
    if "centre_lon" in bureaux:
        lon, lat = bureaux["centre_lon"].astype(float), bureaux["centre_lat"].astype(float)
    else:
        points = bureaux.geometry.to_crs(LAMBERT93).representative_point().to_crs(WGS84)
        lon, lat = points.x, points.y
    mid_lon, mid_lat = lon.median(), lat.median()
    km = np.hypot((lon - mid_lon) * 111.3 * np.cos(np.radians(mid_lat)), (lat - mid_lat) * 111.3)
    near = km <= 1500
    core = (float(lon[near].min()), float(lat[near].min()), float(lon[near].max()), float(lat[near].max()))
    return MapGeometry(origin=origin, bureau_id=np.asarray(ids), prefixes=prefixes,
                       outlines_json=outlines_json, labels_json=labels_json,
                       view=_view_for(core), n_bureaux=len(bureaux),
                       groups=pd.DataFrame({"group": GROUP_PREFIX + groups.to_numpy(),
                                            "label": bureaux["label"].astype(str).to_numpy()},
                                           index=bureaux["bureau_id"].to_numpy()),
                       key=_fingerprint(prefixes, outlines_json, labels_json, "groups"))


GROUP_TOOLTIP = {"html": "<b>{n}</b><br/>{s}<br/>{r}<br/>{t}", "style": {"fontSize": "14px", "maxWidth": "340px"}}


def group_fill(fill: pd.DataFrame, groups: pd.DataFrame, no_data: str) -> pd.DataFrame:
    """Per département: the colour of its median bureau, and what the tooltip says of it.

    With a ``score`` column (the priority map), the département takes the colour of the bureau
    holding its median score (the legend's classes stay those of bureaux), and the tooltip gives
    that median, the count of bureaux in the top class (``top``) and the best bureau.
    Without one (a plain map), it takes its first bureau's colour.
    """
    aligned = groups.reindex(fill.index)
    frame = fill.assign(group=aligned["group"].to_numpy(), label=aligned["label"].to_numpy())
    frame = frame[frame["group"].notna()]
    if "score" not in frame:
        first = frame.groupby("group", sort=False).head(1).set_index("group")
        return first.assign(s="", r="", t="")[["colour", "s", "r", "t"]]
    scored = frame[frame["score"].notna()].sort_values(["group", "score"])
    position = scored.groupby("group").cumcount()
    size = scored.groupby("group")["score"].transform("size")
    median_rows = scored[position == (size - 1) // 2].set_index("group")
    best = scored.groupby("group").tail(1).set_index("group")
    top = frame.groupby("group")["top"].sum() if "top" in frame else pd.Series(dtype=float)
    out = pd.DataFrame(index=pd.Index(frame["group"].unique(), name="group"))
    grey = [*hex_to_rgb(no_data), 200]
    out["colour"] = [median_rows.at[g, "colour"] if g in median_rows.index else grey for g in out.index]
    out["s"] = [f"Score médian {median_rows.at[g, 'score']:.0f}/100" if g in median_rows.index else "Non noté"
                for g in out.index]
    out["r"] = [f"{int(top.get(g, 0))} bureau(x) en priorité maximale" for g in out.index]
    out["t"] = [fr.escape_text(f"En tête : {best.at[g, 'label']} ({best.at[g, 'score']:.0f})") if g in best.index else ""
                for g in out.index]
    return out


def _fingerprint(*parts: str | list[str]) -> str:
    digest = hashlib.blake2b(digest_size=5)
    for part in parts:
        for text in [part] if isinstance(part, str) else part:
            digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


# A MapLibre style with only a background: no tile, no font, no request. Streamlit falls back
# to online Carto tiles when no style is given, which is blank or slow in a meeting room.
OFFLINE_MAP_STYLE = {"version": 8, "sources": {}, "layers": [
    {"id": "background", "type": "background", "paint": {"background-color": "#f3f1ec"}}]}
OFFLINE_MAP_STYLE_URL = "data:application/json;charset=utf-8," + urllib.parse.quote(
    json.dumps(OFFLINE_MAP_STYLE, separators=(",", ":")))


class DeckSpec:
    """What ``st.pydeck_chart`` needs from a ``pydeck.Deck``, built as JSON text directly.

    Why not pydeck: it indents its JSON (×3 the bytes), spends ~0.1 s per rerun walking 900
    records, and turns *every* string prop into an expression, so deck.gl 9 props that take
    plain strings (``coordinateSystem``, ``characterSet``) cannot be set. Strings here are sent
    as is; accessors are written as ``"@@=field"``.
    """

    layers: list = []  # noqa: RUF012 - read by Streamlit's pandas-3 workaround; nothing to convert

    def __init__(self, json_text: str, tooltip: dict | None) -> None:
        self._json = json_text
        self._tooltip = tooltip
        self.width = None
        self.mapbox_key = None

    def to_json(self) -> str:
        """The deck spec (compact JSON)."""
        return self._json


def _layer(layer_type: str, layer_id: str, data_json: str, **props: object) -> str:
    body = _dumps({"@@type": layer_type, "id": layer_id, **props})
    return body[:-1] + ',"data":' + data_json + "}"


# deck.gl rebuilds a layer's geometry (polygon tessellation, text layout) whenever ``data`` is a new
# array, and Streamlit re-parses the whole spec at every rerun, so every array is new. Layers whose
# geometry never changes for a given layer id say so with this comparator; what does change (fill
# colours) is refreshed through ``updateTriggers`` alone. Layer ids carry the geometry's key.
SAME_DATA = "@@=true"


def _static_geometry_props(*sublayers: str) -> dict:
    props: dict = {"dataComparator": SAME_DATA}
    if sublayers:
        props["_subLayerProps"] = {name: {"dataComparator": SAME_DATA} for name in sublayers}
    return props


def colour_trigger(colours: np.ndarray) -> str:
    """Short fingerprint of the fill colours: deck.gl recolours when (and only when) it changes."""
    return hashlib.blake2b(np.ascontiguousarray(colours, dtype=np.int64).tobytes(), digest_size=6).hexdigest()


def _offset_props(origin: tuple[float, float]) -> dict:
    """Integer coordinates x·1e-5° from ``origin``: LNGLAT_OFFSETS plus a scaling model matrix."""
    return {"coordinateSystem": "lnglat-offsets", "coordinateOrigin": [origin[0], origin[1], 0],
            "modelMatrix": [OFFSET_UNIT, 0, 0, 0, 0, OFFSET_UNIT, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]}


TOOLTIP_FIELDS = ("s", "r", "t")  # score text, rank text, "why" text (HTML-escaped here)


def priority_fill(table: pd.DataFrame, rgba: np.ndarray,
                  criteria: Mapping[str, Criterion]) -> tuple[pd.DataFrame, dict]:
    """Per bureau: colour, the tooltip fields and what the département view needs (score, top class).

    ``table`` is :attr:`lib.priority.PriorityResult.table` (score, rank, missing, class_id, top_ids);
    the tooltip names the two criteria that weigh most by their short label (the tooltip text
    travels for every bureau at every move).
    """
    short_labels = {cid: c.short or c.label for cid, c in criteria.items()}
    scored = table["score"].notna().to_numpy()
    rounded = np.rint(table["score"].to_numpy(dtype=float, na_value=np.nan))
    ranks = table["rank"].to_numpy(dtype=float, na_value=np.nan)
    score_txt, rank_txt, why = [], [], []
    reasons = unscored_reasons(table)
    for ok, sc, rk, ids, miss, reason in zip(scored, rounded, ranks, table["top_ids"].tolist(),
                                             table["missing"].to_numpy(), reasons, strict=True):
        if not ok:
            score_txt.append("—")
            rank_txt.append("—")
            why.append(fr.escape_text(reason))
            continue
        score_txt.append(str(int(sc)))
        rank_txt.append(str(int(rk)))
        text = ", ".join(short_labels.get(c, c) for c in ids)
        why.append(fr.escape_text(f"{text} (⚠️ sans {miss})" if miss else text))
    fill = pd.DataFrame({"colour": np.asarray(rgba).tolist(), "s": score_txt, "r": rank_txt, "t": why,
                         "score": table["score"].to_numpy(dtype=float, na_value=np.nan),
                         "top": (table["class_id"] == table["class_id"].max()).to_numpy()},
                        index=table.index)
    n_ranked = int(table["rank"].max()) if scored.any() else 0
    tooltip = {"html": "<b>{n}</b><br/>Score {s}/100 · rang {r} / " + str(n_ranked)
                       + "<br/>Pèsent le plus : {t}",
               "style": {"fontSize": "14px", "maxWidth": "340px"}}
    return fill, tooltip


def bureau_data_json(geom: MapGeometry, fill: pd.DataFrame) -> tuple[str, str]:
    """Data of the bureau layer and its colour trigger (see :func:`colour_trigger`).

    Static prefix + this rerun's colour and tooltip fields per part. ``fill`` is indexed by
    bureau_id with ``colour`` (4 ints) and the :data:`TOOLTIP_FIELDS` columns (strings, already
    HTML-safe). Only these change from one slider move to the next.
    """
    aligned = fill.reindex(geom.bureau_id)
    colours = np.asarray(aligned["colour"].tolist(), dtype=np.int64).reshape(-1, 4)
    texts = [[_dumps("" if v is None or v != v else str(v)) for v in aligned[f].tolist()]
             for f in TOOLTIP_FIELDS]
    rows = [f'{prefix},"c":[{c[0]},{c[1]},{c[2]},{c[3]}],"s":{s},"r":{r},"t":{t}}}'
            for prefix, c, s, r, t in zip(geom.prefixes, colours, *texts, strict=True)]
    return "[" + ",".join(rows) + "]", colour_trigger(colours)


AREA_TONES = [[199, 214, 230, 200], [222, 222, 210, 200], [206, 226, 210, 200], [232, 214, 214, 200]]


def territory_fill(bureaux: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The plain map of a territory (home page): soft tones by commune or arrondissement,
    tooltip with the registered voters and the commune."""
    areas = bureaux["area_code"].astype("category").cat.codes.to_numpy()
    registered = bureaux["registered"].map(
        lambda r: "inscrits inconnus" if pd.isna(r) else f"{fr.number(r)} inscrits")
    fill = pd.DataFrame({"colour": [AREA_TONES[a % len(AREA_TONES)] for a in areas],
                         "s": registered.to_numpy(),
                         "r": bureaux["commune_name"].map(fr.escape_text).to_numpy(), "t": ""},
                        index=bureaux["bureau_id"].to_numpy())
    return fill, {"html": "<b>{n}</b><br/>{s}<br/>{r}"}


BUREAU_TOOLTIP = {"html": "<b>{n}</b><br/>{s} · {r}<br/>{t}",
                  "style": {"fontSize": "14px", "maxWidth": "340px"}}


def deck_spec(geom: MapGeometry, fill: pd.DataFrame, *, no_data: str, stations: pd.DataFrame | None = None,
              line_colour: tuple[int, int, int] = (255, 255, 255),
              borders: bool = False, tooltip: dict | None = BUREAU_TOOLTIP) -> DeckSpec:
    """A pydeck map of bureaux with our own base layer (outlines, names, stations): the home map and
    the département view of the priority map (the per-bureau priority map is :mod:`lib.ui.mapelement`).

    ``no_data`` (hex, from Settings) colours a département without any scored bureau.
    ``borders`` strokes every bureau. Off by default on large territories: measured in headless
    Chromium (software WebGL), stroking Paris' 903 bureaux costs ~0.9 s per recolour against
    ~0.3 s for fills alone; hover highlight, selection and commune outlines carry the shapes.
    """
    offsets = _offset_props(geom.origin) if geom.offsets else {}
    if geom.groups is not None:
        fill, tooltip, borders = group_fill(fill, geom.groups, no_data), GROUP_TOOLTIP, True
    data, trigger = bureau_data_json(geom, fill)
    recolour = {"updateTriggers": {"getFillColor": trigger}}
    bureau_layer = _layer(
        "PolygonLayer", geom.layer_id(BUREAU_LAYER_ID), data, getPolygon="@@=p",
        positionFormat="XY", getFillColor="@@=c", getLineColor=list(line_colour),
        lineWidthMinPixels=0.5, stroked=borders, filled=True, pickable=True, autoHighlight=True,
        highlightColor=[0, 90, 200, 120], **offsets, **recolour,
        **_static_geometry_props("fill", "stroke"))
    layers = [
        bureau_layer,
        _layer("PolygonLayer", geom.layer_id("outlines"), geom.outlines_json, getPolygon="@@=p",
               positionFormat="XY", filled=False, stroked=True, getLineColor=[40, 40, 40],
               lineWidthMinPixels=1.6, pickable=False, **offsets, **_static_geometry_props("stroke")),
    ]
    if stations is not None and len(stations):
        pts = _dumps([[round(float(x), 5), round(float(y), 5)]
                      for x, y in zip(stations["lon"], stations["lat"], strict=True)])
        stations_id = f"{geom.layer_id('stations')}-{_fingerprint(pts)}"
        layers.append(_layer("ScatterplotLayer", stations_id, pts, getPosition="@@=-",
                             getRadius=18, radiusMinPixels=1.2, radiusMaxPixels=3.5,
                             getFillColor=[20, 60, 140, 200], pickable=False, **_static_geometry_props()))
    layers.append(_layer("TextLayer", geom.layer_id("outline-labels"), geom.labels_json, getPosition="@@=x",
                         getText="@@=n", getSize=13, getColor=[20, 20, 20], fontWeight=700,
                         outlineWidth=3, outlineColor=[255, 255, 255], fontSettings={"sdf": True},
                         characterSet="auto", pickable=False, **_static_geometry_props("characters")))
    head = _dumps({"views": [{"@@type": "MapView", "controller": True}],
                   "initialViewState": geom.view, "mapProvider": "mapbox",
                   "mapStyle": OFFLINE_MAP_STYLE_URL})
    return DeckSpec(head[:-1] + ',"layers":[' + ",".join(layers) + "]}", tooltip)


TURF_COLOURS = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [86, 180, 233],
                [213, 94, 0], [240, 228, 66], [0, 0, 0]]  # Okabe-Ito: colour-blind safe


def _address_deck(layers: list[str], outlines_json: str, origin: tuple[float, float] | None,
                  lon: pd.Series, lat: pd.Series) -> DeckSpec:
    """Address-level map (walk-list turfs, door statuses): our outlines under ``layers``, framed on the points."""
    outline = _layer("PolygonLayer", "outlines", outlines_json, getPolygon="@@=p", positionFormat="XY",
                     filled=False, stroked=True, getLineColor=[60, 60, 60], lineWidthMinPixels=1.2,
                     pickable=False, **(_offset_props(origin) if origin is not None else {}))
    head = _dumps({"views": [{"@@type": "MapView", "controller": True}],
                   "initialViewState": _view_for((lon.min(), lat.min(), lon.max(), lat.max()), 700, 450),
                   "mapProvider": "mapbox", "mapStyle": OFFLINE_MAP_STYLE_URL})
    return DeckSpec(head[:-1] + ',"layers":[' + ",".join([outline, *layers]) + "]}", {"html": "{n}"})


def _xy(lon: object, lat: object) -> list[float]:
    return [round(float(lon), 6), round(float(lat), 6)]


def turf_deck(turfs: pd.DataFrame, outlines_json: str, origin: tuple[float, float] | None) -> DeckSpec:
    """Turfs on the map: stops coloured by turf, numbered, with each turf's walking route."""
    ordered = turfs.sort_values(["turf_id", "stop"])
    codes = pd.factorize(ordered["turf_id"])[0]
    stops = [{"x": _xy(a, b), "c": TURF_COLOURS[k % len(TURF_COLOURS)], "n": fr.escape_text(f"{t} · {s}. {lab}")}
             for a, b, k, t, s, lab in zip(ordered["lon"], ordered["lat"], codes, ordered["turf_id"],
                                           ordered["stop"], ordered["label"], strict=True)]
    paths = [{"p": [_xy(a, b) for a, b in zip(g["lon"], g["lat"], strict=True)],
              "c": TURF_COLOURS[k % len(TURF_COLOURS)]}
             for k, (_, g) in enumerate(ordered.groupby("turf_id", sort=True))]
    layers = [
        _layer("PathLayer", "routes", _dumps(paths), getPath="@@=p", getColor="@@=c", widthMinPixels=2,
               pickable=False),
        _layer("ScatterplotLayer", "stops", _dumps(stops), getPosition="@@=x", getFillColor="@@=c",
               getRadius=4, radiusUnits="pixels", pickable=True, stroked=True, getLineColor=[255, 255, 255],
               lineWidthMinPixels=1),
    ]
    return _address_deck(layers, outlines_json, origin, ordered["lon"], ordered["lat"])


DOOR_STATUS_COLOURS = {"": [150, 150, 150, 190], "absent": [235, 150, 30, 235], "ouvert": [26, 140, 60, 235],
                       "refus": [200, 40, 40, 235], "a_revoir": [40, 90, 200, 235]}


def door_status_deck(stops: pd.DataFrame, outlines_json: str, origin: tuple[float, float] | None,
                     labels: Mapping[str, str]) -> DeckSpec:
    """A plan's addresses coloured by their latest door status (grey: not knocked yet)."""
    grey = DOOR_STATUS_COLOURS[""]
    points = [{"x": _xy(a, b), "c": DOOR_STATUS_COLOURS.get(s, grey),
               "n": fr.escape_text(f"{t} · {n}. {lab} — {labels.get(s, s)}")}
              for a, b, s, t, n, lab in zip(stops["lon"], stops["lat"], stops["status"], stops["turf_id"],
                                            stops["stop"], stops["label"], strict=True)]
    layer = _layer("ScatterplotLayer", "door-status", _dumps(points), getPosition="@@=x",
                   getFillColor="@@=c", getRadius=4, radiusUnits="pixels", pickable=True)
    return _address_deck([layer], outlines_json, origin, stops["lon"], stops["lat"])
