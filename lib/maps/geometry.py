"""A territory's screen geometry: simplified once to what a screen shows, framed, labelled, cached.

Flat float32 lon/lat coordinates with ring, polygon and feature offsets (GeoArrow layout, from
``shapely.to_ragged_array``) for the bureaux and the outlines (communes or arrondissements),
the outlines' names, the stations, each bureau's label and anchor point (where a rank number is
written), and the :data:`lib.maps.styles.STYLE` the browser draws with. Identified by a
fingerprint: the browser keeps it across reruns and pages and is sent it once.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lib import fr
from lib.dataset import FILES, TerritoryData, territory_folder
from lib.geo import LAMBERT93, WGS84, department_of, require_crs
from lib.maps.styles import STYLE
from lib.maps.wire import fingerprint, pack, unpack

FORMAT_VERSION = 3  # bump when the encoding changes: map_geometry.bin caches are then rebuilt
SCREEN_PIXELS = 3000  # detail finer than extent / 3000 is invisible at the full view (~1,500 px wide screens)
FRAME_RADIUS_KM = 1500  # farther than this from the median bureau (overseas) does not frame the view
GROUP_PREFIX = "dep:"  # ids of département shapes; never a bureau id (those hold an underscore)


@dataclass(frozen=True)
class ScreenGeometry:
    """What the browser receives once per territory (``meta`` and ``arrays``, keyed by ``key``).

    ``bureau_ids`` fixes the order of every per-bureau array a map view sends.
    """

    key: str
    bureau_ids: np.ndarray
    meta: dict
    arrays: dict[str, np.ndarray] = field(repr=False)

    @property
    def n_bureaux(self) -> int:
        return len(self.bureau_ids)

    @property
    def n_vertices(self) -> int:
        return len(self.arrays["bureaux.xy"])

    def positions(self, bureau_ids: Sequence[str]) -> np.ndarray:
        """Index of each id in this geometry (-1 when absent)."""
        return pd.Index(self.bureau_ids).get_indexer(list(bureau_ids))


def ragged(geoms: Sequence[shapely.Geometry] | np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    """Polygons as flat float32 lon/lat + ring, polygon and feature offsets (GeoArrow layout).

    Feature ``i`` owns polygons ``poly[i]:poly[i+1]``; polygon ``j`` owns rings
    ``ring[j]:ring[j+1]`` (first = exterior, then holes); ring ``r`` owns vertices
    ``xy[vertex[r]:vertex[r+1]]``. Empty or missing geometries own no polygon.
    """
    multi = [_as_multipolygon(g) for g in geoms]
    _, coords, (vertex, ring, poly) = shapely.to_ragged_array(multi)
    return {f"{prefix}.xy": coords.astype(np.float32), f"{prefix}.vertex": vertex.astype(np.uint32),
            f"{prefix}.ring": ring.astype(np.uint32), f"{prefix}.poly": poly.astype(np.uint32)}


def _as_multipolygon(geom: shapely.Geometry | None) -> shapely.MultiPolygon:
    if geom is None or geom.is_empty:
        return shapely.MultiPolygon()
    if geom.geom_type == "MultiPolygon":
        return geom
    parts = [geom] if geom.geom_type == "Polygon" else [
        g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts)


def rings_of(arrays: dict[str, np.ndarray], prefix: str, feature: int) -> list[list[np.ndarray]]:
    """Decoded polygons of one feature: a list of polygons, each a list of (n, 2) rings."""
    xy, vertex = arrays[f"{prefix}.xy"], arrays[f"{prefix}.vertex"]
    ring, poly = arrays[f"{prefix}.ring"], arrays[f"{prefix}.poly"]
    return [[xy[vertex[r]:vertex[r + 1]] for r in range(ring[p], ring[p + 1])]
            for p in range(poly[feature], poly[feature + 1])]


def screen_tolerance(metric: gpd.GeoSeries, floor_m: float = 3.0) -> float:
    """Metres of simplification invisible at the full view of ``metric`` (Lambert-93)."""
    x0, y0, x1, y1 = metric.total_bounds
    return max(floor_m, max(x1 - x0, y1 - y0) / SCREEN_PIXELS)


def near_median(lon: pd.Series, lat: pd.Series, radius_km: float = FRAME_RADIUS_KM) -> np.ndarray:
    """Mask of the points within ``radius_km`` of the median one.

    Why: France's overseas départements would otherwise frame the view on the Atlantic; they stay
    on the map, a pan away. On a city or a département every point is kept.
    """
    lon, lat = pd.Series(lon, dtype=float), pd.Series(lat, dtype=float)
    mid_lon, mid_lat = float(lon.median()), float(lat.median())
    km = np.hypot((lon - mid_lon) * 111.3 * np.cos(np.radians(mid_lat)), (lat - mid_lat) * 111.3)
    return (km <= radius_km).to_numpy()


def frame_of(metric: gpd.GeoSeries, tolerance_m: float) -> list[float]:
    """Bounds (lon/lat, rounded outwards) a map fits on first display: every visible polygon's
    full extent, so edge communes are never cut off (the browser fits them to its real size).

    A polygon narrower than ``tolerance_m`` both ways is under a pixel at that view: drawn, but
    it does not frame it. Paris's phantom ``75056_1599`` (1 m², 4 km outside the city, flagged
    in the anomalies) otherwise pushed the whole city off-centre.
    """
    parts = metric.explode(index_parts=False)
    extent = parts.bounds
    visible = ((extent["maxx"] - extent["minx"] > tolerance_m) | (extent["maxy"] - extent["miny"] > tolerance_m))
    shown = parts[visible.to_numpy()] if visible.any() else parts
    bounds = gpd.GeoSeries(shown.to_numpy(), crs=metric.crs).to_crs(WGS84).bounds.dropna()
    kept = bounds[near_median((bounds["minx"] + bounds["maxx"]) / 2, (bounds["miny"] + bounds["maxy"]) / 2)]
    return rounded_frame(kept["minx"].min(), kept["miny"].min(), kept["maxx"].max(), kept["maxy"].max())


def rounded_frame(minx: float, miny: float, maxx: float, maxy: float) -> list[float]:
    """Lon/lat bounds rounded outwards to 1e-5° (≈1 m): a stable, short JSON value."""
    lows = np.floor(np.array([minx, miny]) * 1e5) / 1e5
    highs = np.ceil(np.array([maxx, maxy]) * 1e5) / 1e5
    return [float(lows[0]), float(lows[1]), float(highs[0]), float(highs[1])]


def _points(frame: pd.DataFrame | None, lon: str = "lon", lat: str = "lat") -> np.ndarray:
    if frame is None or not len(frame):
        return np.zeros((0, 2), dtype=np.float32)
    return np.column_stack([frame[lon].to_numpy(float), frame[lat].to_numpy(float)]).astype(np.float32)


def _anchors(metric: gpd.GeoSeries) -> np.ndarray:
    """A point inside each bureau (where its rank number is written), lon/lat float32."""
    inside = metric.representative_point().to_crs(WGS84)
    return np.column_stack([inside.x.to_numpy(float), inside.y.to_numpy(float)]).astype(np.float32)


def _geometry(ids: list[str], labels: list[str], arrays: dict[str, np.ndarray], frame: list[float],
              names: list[str]) -> ScreenGeometry:
    meta = {"version": FORMAT_VERSION, "frame": frame, "ids": ids, "labels": labels, "names": names,
            "style": json.loads(json.dumps(STYLE))}  # a copy: what was encoded stays what is sent
    return ScreenGeometry(key=fingerprint(meta, arrays), bureau_ids=np.asarray(ids), meta=meta, arrays=arrays)


def encode_geometry(bureaux: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame,
                    stations: pd.DataFrame | None = None, *, floor_m: float = 3.0) -> ScreenGeometry:
    """Simplify for the screen and encode a territory's map once (bureaux, outlines, names, stations)."""
    require_crs(bureaux, WGS84, "bureaux")
    metric = bureaux.geometry.to_crs(LAMBERT93)
    tolerance = screen_tolerance(metric, floor_m)
    simple = metric.simplify(tolerance, preserve_topology=True).to_crs(WGS84)
    simple = simple.where(~simple.is_empty, bureaux.geometry)
    outline_geom = outlines.geometry.to_crs(LAMBERT93).simplify(tolerance).to_crs(WGS84)
    labels = bureaux["label"] if "label" in bureaux else bureaux["bureau_id"]
    arrays = {**ragged(simple.to_numpy(), "bureaux"), **ragged(outline_geom.to_numpy(), "outlines"),
              "bureaux.anchor": _anchors(metric), "names.xy": _points(outlines, "label_lon", "label_lat"),
              "stations.xy": _points(stations)}
    return _geometry(bureaux["bureau_id"].astype(str).tolist(), labels.astype(str).tolist(), arrays,
                     frame_of(metric, tolerance), outlines["name"].astype(str).tolist())


def encode_departments(bureaux: gpd.GeoDataFrame) -> ScreenGeometry:
    """One shape per département (bureaux dissolved on a 100 m grid): the map of a whole region or
    of France, where one polygon per bureau would cost megabytes per move."""
    require_crs(bureaux, WGS84, "bureaux")
    groups = department_of(bureaux["commune_code"])
    metric = gpd.GeoDataFrame({"group": groups.to_numpy()}, geometry=bureaux.geometry.to_crs(LAMBERT93).to_numpy(),
                              crs=LAMBERT93)
    dissolved = metric.dissolve("group", grid_size=100.0)
    tolerance = screen_tolerance(dissolved.geometry)
    shapes = dissolved.geometry.simplify(tolerance).to_crs(WGS84)
    counts = groups.value_counts()
    codes = dissolved.index.astype(str).tolist()
    arrays = {**ragged(shapes.to_numpy(), "bureaux"), **ragged(shapes.to_numpy(), "outlines"),
              "bureaux.anchor": _anchors(dissolved.geometry), "names.xy": _anchors(dissolved.geometry),
              "stations.xy": _points(None)}
    labels = [f"Département {c} · {fr.counted(counts[c], 'bureau', 'bureaux')}" for c in codes]
    # framed on the bureaux (most of them), not on the shapes: one overseas shape among a few must not win
    return _geometry([GROUP_PREFIX + c for c in codes], labels, arrays, frame_of(metric.geometry, 0.0), codes)


def geometry_blob(geom: ScreenGeometry) -> bytes:
    """The geometry as one container (what is cached on disk)."""
    return pack({"key": geom.key, **geom.meta}, geom.arrays)


def geometry_from_blob(blob: bytes) -> ScreenGeometry:
    """Inverse of :func:`geometry_blob`."""
    meta, arrays = unpack(blob)
    key = meta.pop("key")
    return ScreenGeometry(key=key, bureau_ids=np.asarray(meta["ids"]), meta=meta, arrays=arrays)


CACHE_NAME = "map_geometry.bin"  # beside the dataset; rebuilt when its sources change
GEOMETRY_SOURCES = ("bureaux", "outlines", "stations")  # the dataset files the geometry is made from


def _files_digest(paths: Sequence[Path]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    digest.update(str(FORMAT_VERSION).encode())
    digest.update(json.dumps(STYLE, sort_keys=True).encode())  # the style travels with the geometry
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def cached_geometry(folder: Path, sources: Sequence[str], build: Callable[[], ScreenGeometry]) -> ScreenGeometry:
    """The geometry from ``folder/map_geometry.bin`` when it was made from the current ``sources``
    files; otherwise ``build()``, written there for the next cold start (best effort).

    Why: simplifying and encoding Paris costs about a second at every server start.
    """
    digest = _files_digest([Path(folder) / s for s in sources])
    path = Path(folder) / CACHE_NAME
    try:
        geom = geometry_from_blob(path.read_bytes())
        if geom.meta.get("sources") == digest:
            return geom
    except (OSError, ValueError, KeyError, struct.error, json.JSONDecodeError):
        pass
    built = build()
    geom = ScreenGeometry(key=built.key, bureau_ids=built.bureau_ids, meta={**built.meta, "sources": digest},
                          arrays=built.arrays)
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(geometry_blob(geom))
        tmp.replace(path)
    except OSError:
        pass  # read-only data folder: the geometry is simply encoded again at the next start
    return geom


def load_screen_geometry(data: TerritoryData, data_dir: Path | str) -> ScreenGeometry:
    """A loaded territory's screen geometry, through its ``map_geometry.bin`` (written by the build,
    rewritten whenever the dataset's files changed since)."""
    return cached_geometry(territory_folder(Path(data_dir), data.id), [FILES[k] for k in GEOMETRY_SOURCES],
                           lambda: encode_geometry(data.bureaux, data.outlines, data.stations))
