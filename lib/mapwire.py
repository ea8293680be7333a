"""Wire format of the priority map element: geometry once per territory, a few bytes per bureau per move.

Why: a slider move changes colours, scores and ranks, never a polygon. The map element
(:mod:`lib.ui.mapelement`) therefore receives two kinds of payload, both binary:

- the *screen geometry* of a territory — flat float32 lon/lat coordinates with ring, polygon and
  bureau offsets (``shapely.to_ragged_array``), the outlines, their names, the stations and the
  bureau labels — identified by a fingerprint and kept by the browser across reruns;
- the *per-move arrays* — per bureau a colour index (into a small palette), the rounded score, the
  rank, the two criteria that weigh most and an index into the table of missing-criteria texts.

Both travel in one container (:func:`pack`): a JSON header naming typed arrays that follow,
each aligned on 8 bytes so the browser views them without copying. Everything here is pure
(numpy, shapely) and round-trips (:func:`unpack`, :func:`decode_move`) for the tests.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lib.dataset import FILES, TerritoryData
from lib.geo import LAMBERT93, WGS84, require_crs
from lib.priority import unscored_reasons

MAGIC = b"TMW1"
FORMAT_VERSION = 2  # bump when the encoding changes: on-disk caches are then rebuilt
NO_SCORE = 255  # uint8 score of an unscored bureau
NO_CRITERION = 255  # uint8 "no criterion" in the top-criteria pairs
ALIGN = 8


# ---------------------------------------------------------------------------------------------
# Container: JSON header + aligned typed arrays
# ---------------------------------------------------------------------------------------------

def _pad(n: int) -> int:
    return (-n) % ALIGN


def pack(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """``MAGIC | u32 header length | header JSON | pad | arrays (each padded to 8 bytes)``.

    The header lists ``[name, dtype, shape, offset]`` per array (offset from the first array,
    itself at an 8-byte boundary), so the browser makes typed-array views on one buffer.
    """
    table, chunks, offset = [], [], 0
    for name, arr in arrays.items():
        a = np.ascontiguousarray(arr)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        raw = a.tobytes()
        table.append([name, a.dtype.str.lstrip("<|="), list(a.shape), offset])
        chunks += [raw, b"\x00" * _pad(len(raw))]
        offset += len(raw) + _pad(len(raw))
    header = json.dumps({**meta, "arrays": table}, separators=(",", ":"), ensure_ascii=False).encode()
    head = MAGIC + struct.pack("<I", len(header)) + header
    return head + b"\x00" * _pad(len(head)) + b"".join(chunks)


def unpack(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Inverse of :func:`pack` (the browser does the same in JavaScript)."""
    if blob[:4] != MAGIC:
        raise ValueError("not a map payload")
    (length,) = struct.unpack("<I", blob[4:8])
    meta = json.loads(blob[8:8 + length].decode())
    start = 8 + length + _pad(8 + length)
    arrays = {}
    for name, dtype, shape, offset in meta.pop("arrays"):
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(blob, dtype=np.dtype(dtype), count=count,
                                     offset=start + offset).reshape(shape)
    return meta, arrays


def smallest_uint(max_value: int) -> type[np.unsignedinteger]:
    """The narrowest unsigned type holding ``max_value`` (ranks of 903 bureaux fit in 2 bytes)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_value <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


# ---------------------------------------------------------------------------------------------
# Geometry: once per territory
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScreenGeometry:
    """A territory's map geometry and labels, encoded once (see module docstring).

    ``bureau_ids`` fixes the order of every per-move array; ``arrays`` and ``meta`` are what the
    browser receives (prefixed ``g.``); ``key`` is their fingerprint.
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
    """Metres of simplification invisible at the full view: a screen is ~1,500 px wide."""
    x0, y0, x1, y1 = metric.total_bounds
    return max(floor_m, max(x1 - x0, y1 - y0) / 3000)


def near_median(lon: pd.Series, lat: pd.Series, radius_km: float = 1500) -> np.ndarray:
    """Mask of the points within ``radius_km`` of the median one.

    Why: France's overseas départements would otherwise frame the view on the Atlantic; they stay
    on the map, a pan away. On a city or a département every point is kept.
    """
    mid_lon, mid_lat = float(lon.median()), float(lat.median())
    km = np.hypot((lon - mid_lon) * 111.3 * np.cos(np.radians(mid_lat)), (lat - mid_lat) * 111.3)
    return (km <= radius_km).to_numpy()


def _frame(bureaux: gpd.GeoDataFrame, metric: gpd.GeoSeries, tolerance_m: float) -> list[float]:
    """Bounds the map fits on first display: every visible polygon's full extent (rounded outwards),
    so the edge communes are never cut off (the browser fits them to the element's real size).

    A polygon narrower than the simplification tolerance both ways is under a pixel at that view:
    it is drawn but does not frame it. Paris's phantom ``75056_1599`` (1 m², 4 km outside the
    city, flagged in the anomalies) otherwise pushed the whole city off-centre; a stray sliver of
    a real bureau would do the same.
    """
    parts = metric.explode(index_parts=False)
    extent = parts.bounds
    visible = ((extent["maxx"] - extent["minx"] > tolerance_m) | (extent["maxy"] - extent["miny"] > tolerance_m))
    shown = parts[visible.to_numpy()] if visible.any() else parts
    bounds = gpd.GeoSeries(shown.to_numpy(), crs=metric.crs).to_crs(WGS84).bounds.dropna()
    keep = near_median((bounds["minx"] + bounds["maxx"]) / 2, (bounds["miny"] + bounds["maxy"]) / 2)
    kept = bounds[keep]
    lows = np.floor(np.array([kept["minx"].min(), kept["miny"].min()]) * 1e5) / 1e5
    highs = np.ceil(np.array([kept["maxx"].max(), kept["maxy"].max()]) * 1e5) / 1e5
    return [float(lows[0]), float(lows[1]), float(highs[0]), float(highs[1])]


def _station_points(stations: pd.DataFrame | None) -> np.ndarray:
    if stations is None or not len(stations):
        return np.zeros((0, 2), dtype=np.float32)
    return np.column_stack([stations["lon"].to_numpy(float), stations["lat"].to_numpy(float)]).astype(np.float32)


def fingerprint(meta: dict, arrays: dict[str, np.ndarray]) -> str:
    """Short content hash of a payload: identifies a territory's geometry in the browser's cache."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


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
              "names.xy": np.column_stack([outlines["label_lon"].to_numpy(float),
                                           outlines["label_lat"].to_numpy(float)]).astype(np.float32),
              "stations.xy": _station_points(stations)}
    meta = {"version": FORMAT_VERSION, "frame": _frame(bureaux, metric, tolerance),
            "ids": bureaux["bureau_id"].astype(str).tolist(),
            "labels": labels.astype(str).tolist(), "names": outlines["name"].astype(str).tolist()}
    return ScreenGeometry(key=fingerprint(meta, arrays), bureau_ids=np.asarray(meta["ids"]),
                          meta=meta, arrays=arrays)


def geometry_blob(geom: ScreenGeometry) -> bytes:
    """The geometry as one container (what is cached on disk)."""
    return pack({"key": geom.key, **geom.meta}, geom.arrays)


def geometry_from_blob(blob: bytes) -> ScreenGeometry:
    """Inverse of :func:`geometry_blob`."""
    meta, arrays = unpack(blob)
    key = meta.pop("key")
    return ScreenGeometry(key=key, bureau_ids=np.asarray(meta["ids"]), meta=meta, arrays=arrays)


def _files_digest(paths: Sequence[Path]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    digest.update(str(FORMAT_VERSION).encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


CACHE_NAME = "mapwire.bin"  # next to the dataset; rebuilt when its sources change


def cached_geometry(folder: Path, sources: Sequence[str], build) -> ScreenGeometry:
    """The geometry from ``folder/mapwire.bin`` when it was made from the current ``sources``
    files; otherwise ``build()``, written there for the next cold start (best effort).

    Why: simplifying and encoding Paris costs about a second at every server start.
    """
    digest = _files_digest([Path(folder) / s for s in sources])
    path = Path(folder) / CACHE_NAME
    try:
        blob = path.read_bytes()
        geom = geometry_from_blob(blob)
        if geom.meta.get("sources") == digest:
            return geom
    except (OSError, ValueError, KeyError, struct.error, json.JSONDecodeError):
        pass
    geom = build()
    geom = ScreenGeometry(key=geom.key, bureau_ids=geom.bureau_ids, meta={**geom.meta, "sources": digest},
                          arrays=geom.arrays)
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(geometry_blob(geom))
        tmp.replace(path)
    except OSError:
        pass  # read-only data folder: the geometry is simply recomputed at the next start
    return geom


GEOMETRY_SOURCES = ("bureaux", "outlines", "stations")  # the dataset files the geometry is made from


def territory_geometry(data: TerritoryData, data_dir: Path | str) -> ScreenGeometry:
    """A loaded territory's screen geometry, through its ``mapwire.bin`` (written by the build,
    rewritten here whenever the dataset's files changed since)."""
    return cached_geometry(Path(data_dir) / data.id, [FILES[k] for k in GEOMETRY_SOURCES],
                           lambda: encode_geometry(data.bureaux, data.outlines, data.stations))


# ---------------------------------------------------------------------------------------------
# Per move: a few bytes per bureau
# ---------------------------------------------------------------------------------------------

def palette_index(rgba: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Per-bureau index into the distinct colours (a map has one colour per class, plus grey)."""
    colours = np.ascontiguousarray(np.asarray(rgba, dtype=np.uint8).reshape(-1, 4))
    packed = colours.view(np.uint32).reshape(-1)  # one integer per RGBA: a 1-D unique is fast
    codes, index = np.unique(packed, return_inverse=True)
    palette = codes.view(np.uint8).reshape(-1, 4)
    return index.reshape(-1).astype(smallest_uint(max(len(codes) - 1, 0))), palette.astype(int).tolist()


def top_pairs(top_ids: list, criteria_ids: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
    """The distinct (first, second) criteria that weigh most, and each bureau's index among them.

    Why: a territory shows a few dozen distinct pairs; one index per bureau is a byte.
    """
    codes, uniques = pd.factorize(pd.Series([tuple(ids)[:2] for ids in top_ids], dtype=object))
    position = {c: i for i, c in enumerate(criteria_ids)}
    pairs = [[*(position.get(c, NO_CRITERION) for c in pair), NO_CRITERION, NO_CRITERION][:2] for pair in uniques]
    return pairs, codes.astype(smallest_uint(max(len(pairs) - 1, 0)))


def encode_move(table: pd.DataFrame, rgba: np.ndarray, bureau_ids: np.ndarray,
                criteria_ids: Sequence[str]) -> tuple[dict, dict[str, np.ndarray]]:
    """The per-move payload, in ``bureau_ids`` order.

    ``table`` is :attr:`lib.priority.PriorityResult.table` (score, rank, missing, top_ids) and
    ``rgba`` its colours; ``criteria_ids`` is the label table's order (sent once).
    """
    order = pd.Index(table.index.astype(str)).get_indexer(bureau_ids)
    if (order < 0).any():
        raise ValueError("bureaux of the map missing from the scores")
    t = table.iloc[order]
    colour, palette = palette_index(np.asarray(rgba)[order])
    score = t["score"].to_numpy(dtype=float, na_value=np.nan)
    rank = t["rank"].to_numpy(dtype=float, na_value=np.nan)
    max_rank = int(np.nanmax(rank)) if np.isfinite(rank).any() else 0
    pairs, top = top_pairs(t["top_ids"].tolist(), criteria_ids)
    missing_text = _missing_texts(t)
    at = np.flatnonzero(missing_text != "")
    texts, which = np.unique(missing_text[at], return_inverse=True)
    arrays = {"colour": colour,
              "score": np.where(np.isfinite(score), np.rint(np.nan_to_num(score)), NO_SCORE).astype(np.uint8),
              "rank": np.nan_to_num(rank, nan=0).astype(smallest_uint(max_rank)), "top": top,
              # sparse: most bureaux miss nothing
              "missing_at": at.astype(np.uint32),
              "missing": which.reshape(-1).astype(smallest_uint(max(len(texts) - 1, 0)))}
    return {"palette": palette, "n_ranked": max_rank, "missing_texts": texts.tolist(), "top_pairs": pairs}, arrays


def _missing_texts(table: pd.DataFrame) -> np.ndarray:
    """Per bureau, what the tooltip says of its missing data, written here so the browser shows it
    as is: the missing criteria of a scored bureau (« ⚠️ sans … »), for an unscored one the
    sentence of :func:`lib.priority.unscored_reasons`."""
    missing = table["missing"].fillna("").astype(str).to_numpy().astype(object)
    reasons = unscored_reasons(table)
    unscored = reasons != ""
    missing[unscored] = reasons[unscored]
    return missing.astype(str)


def decode_move(meta: dict, arrays: dict[str, np.ndarray], bureau_ids: Sequence[str],
                criteria_ids: Sequence[str]) -> pd.DataFrame:
    """Inverse of :func:`encode_move` (rounded scores): what the browser shows per bureau."""
    palette = np.asarray(meta["palette"], dtype=int)
    score = arrays["score"].astype(float)
    pairs = [tuple(criteria_ids[i] for i in pair if i != NO_CRITERION) for pair in meta["top_pairs"]]
    tops = [pairs[i] for i in arrays["top"].tolist()]
    return pd.DataFrame({
        "colour": [tuple(c) for c in palette[arrays["colour"].astype(int)].tolist()],
        "score": np.where(arrays["score"] == NO_SCORE, np.nan, score),
        "rank": pd.array(np.where(arrays["rank"] == 0, None, arrays["rank"]), dtype="Int64"),
        "top_ids": tops,
        "missing": _dense_missing(meta, arrays, len(bureau_ids)),
    }, index=pd.Index(list(bureau_ids)))


def _dense_missing(meta: dict, arrays: dict[str, np.ndarray], n: int) -> list[str]:
    out = [""] * n
    for at, which in zip(arrays["missing_at"].tolist(), arrays["missing"].tolist(), strict=True):
        out[at] = meta["missing_texts"][which]
    return out
