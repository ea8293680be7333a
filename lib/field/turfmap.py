"""The small map of a turf that the volunteers' page draws by itself (``app.js``, SVG, no tiles).

Why a payload of our own rather than tiles: the page works offline in the street and asks nothing
of a third party. The server cuts the territory's OpenStreetMap streets to the turf's frame (its
doors and route plus a margin, widened to the phone map's shape), simplifies them and sends them
as whole metres from the frame's top-left corner, each line delta-encoded (a 60-address turf is a
few kilobytes). The page keeps the map in IndexedDB beside the sheet and marks the next door itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from lib.dataset import FILES, load_streets, territory_folder
from lib.geo import lonlat_to_l93
from lib.streetmap import OSM_SHORT_CREDIT, StreetLayer
from lib.streetnet import StreetNetwork

MAP_VERSION = 1  # the page fetches the map again when its kept copy is older
MARGIN_M = 60.0  # streets around the doors, so that a volunteer sees where the turf sits
MIN_SPAN_M = 220.0  # the smallest frame side: a three-door turf still shows its block
ASPECT = 1.15  # width ÷ height of the map on the phone (358 × 311 px at 390 px wide)
SIMPLIFY_M = 1.5  # under a pixel at the phone's scale
KINDS = ("foot", "street", "major")  # drawn in this order (major streets on top)
PHONE_PX = 358  # the map's width on a 390 px phone, where names are sized
NAME_PX = 11  # street names' font size (px, sent to the page)
EDGE_PX, BOTTOM_PX = 18, 30  # names keep this far from the map's edges (the bottom holds the scale and credit)
NEAR_M = 80.0  # a door farther than this from any street is outside the street data: straight legs to it
CREDIT = OSM_SHORT_CREDIT
NO_STREETS = "rues non disponibles pour ce secteur"
PARTIAL = "rues incomplètes pour ce secteur"
HOUSE_NUMBER = re.compile(r"^\s*\d+(?:\s*(?:bis|ter|quater|[a-z])\b)?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class StreetSource:
    """A territory's streets as the phone maps need them: the drawn lines and the walkable network."""

    layer: StreetLayer
    network: StreetNetwork


StreetSources = Callable[[str], StreetSource | None]


def street_sources(data_dir: Path) -> StreetSources:
    """Territory id → its :class:`StreetSource` (None without streets), read once per version of the file."""
    @lru_cache(maxsize=8)
    def cached(territory: str, _stamp: float) -> StreetSource | None:
        streets = load_streets(data_dir, territory)
        if streets is None or streets.empty:
            return None
        return StreetSource(StreetLayer.of(streets), StreetNetwork.from_streets(streets))

    def source(territory: str) -> StreetSource | None:
        path = territory_folder(data_dir, territory) / FILES["streets"]
        return cached(territory, path.stat().st_mtime) if path.is_file() else None
    return source


def street_of(label: str) -> str:
    """The street of an address label (« 12 bis Rue de Lota, 75016 Paris » → « Rue de Lota »): a door
    is walked to on its own street, not on the street behind the block."""
    return HOUSE_NUMBER.sub("", str(label)).split(",")[0].strip()


def delta(xs: np.ndarray, ys: np.ndarray) -> list[int]:
    """Whole metres, delta-encoded: x0, y0, dx1, dy1, … (repeated points dropped)."""
    q = np.c_[np.round(xs), np.round(ys)].astype(np.int64)
    keep = np.r_[True, np.any(np.diff(q, axis=0) != 0, axis=1)]
    q = q[keep]
    return np.r_[q[:1], np.diff(q, axis=0)].ravel().tolist()


@dataclass(frozen=True)
class Frame:
    """The ground the map shows (Lambert-93 metres); page coordinates run right and down from its corner."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    @classmethod
    def around(cls, x: np.ndarray, y: np.ndarray) -> Frame:
        """The points' box plus a margin, at least MIN_SPAN_M wide, widened to the map's shape."""
        cx, cy = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2
        w = max(float(np.ptp(x)) + 2 * MARGIN_M, MIN_SPAN_M)
        h = max(float(np.ptp(y)) + 2 * MARGIN_M, MIN_SPAN_M / ASPECT)
        w, h = max(w, h * ASPECT), max(h, w / ASPECT)
        return cls(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    def local(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) - self.xmin, self.ymax - np.asarray(y)

    @property
    def size(self) -> list[int]:
        return [round(self.xmax - self.xmin), round(self.ymax - self.ymin)]


def street_lines(layer: StreetLayer, frame: Frame, doors: shapely.Geometry) -> tuple[dict[str, list[list[int]]], list]:
    """The streets inside ``frame`` per drawing class, and one name label per street
    ([name, x, y, angle°, length m] in page metres, on its longest stretch, away from the doors)."""
    hits, clipped = layer.cut((frame.xmin, frame.ymin, frame.xmax, frame.ymax), SIMPLIFY_M)
    lines: dict[str, list[list[int]]] = {k: [] for k in KINDS}
    for kind, geom in zip(layer.kind[hits], clipped, strict=True):
        for part in shapely.get_parts(geom):
            if part.geom_type == "LineString" and not part.is_empty and part.length >= 1.0:
                lines[str(kind)].append(delta(*frame.local(*np.asarray(part.coords).T)))
    labels, per_px = [], frame.size[0] / PHONE_PX
    inner = layer.cut((frame.xmin + EDGE_PX * per_px, frame.ymin + BOTTOM_PX * per_px,  # names stay off the
                       frame.xmax - EDGE_PX * per_px, frame.ymax - EDGE_PX * per_px), SIMPLIFY_M)  # edges, scale, credit
    for spot in layer.name_spots(*inner, doors, per_px, NAME_PX):
        (x,), (y,) = frame.local([spot.x], [spot.y])
        labels.append([spot.name, round(float(x)), round(float(y)), -round(spot.angle), round(spot.length)])
    return lines, labels


def route(x: np.ndarray, y: np.ndarray, streets: list[str], source: StreetSource) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The walking line through the doors in order (Lambert-93) and which doors are in the street data:
    along the streets between consecutive doors that both are, straight to and from the others."""
    (hit, _), dist = source.layer.tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
    near = np.zeros(len(x), dtype=bool)
    near[hit] = dist <= NEAR_M
    px, py, start = [x[:1]], [y[:1]], 0
    for end in range(1, len(x) + 1):
        if end < len(x) and near[end - 1] and near[end]:
            continue
        if end - start >= 2:  # doors start … end-1 are walked along the streets
            lon, lat = source.network.path_lonlat(x[start:end], y[start:end], pd.Series(streets[start:end]))
            rx, ry = lonlat_to_l93(lon, lat)
            px.append(rx[1:])
            py.append(ry[1:])
        px.append(x[end:end + 1])  # then straight on to the next door
        py.append(y[end:end + 1])
        start = end
    return np.concatenate(px), np.concatenate(py), near


def turf_map(stops: Sequence[int], labels: Sequence[str], lon: np.ndarray, lat: np.ndarray,
             source: StreetSource | None) -> dict:
    """The map payload of a turf: frame size, the streets around it and their names, the route
    along them (straight where a door is outside the street data, said in ``note``), the doors in order."""
    x, y = lonlat_to_l93(np.asarray(lon, float), np.asarray(lat, float))
    if not len(x):
        return {"version": MAP_VERSION, "size": Frame(0, 0, MIN_SPAN_M, MIN_SPAN_M / ASPECT).size,
                "streets": {k: [] for k in KINDS}, "names": [], "route": [], "doors": [], "credit": "",
                "note": NO_STREETS}
    rx, ry, near = route(x, y, [street_of(t) for t in labels], source) if source is not None else (x, y, x < 0)
    frame = Frame.around(np.r_[x, rx], np.r_[y, ry])
    lines, names = (street_lines(source.layer, frame, shapely.multipoints(np.c_[x, y])) if source is not None
                    else ({k: [] for k in KINDS}, []))
    drawn = any(lines.values())
    dx, dy = frame.local(x, y)
    return {"version": MAP_VERSION, "size": frame.size, "streets": lines, "names": names, "name_px": NAME_PX,
            "route": delta(*frame.local(rx, ry)),
            "doors": [[int(s), round(float(a)), round(float(b))] for s, a, b in zip(stops, dx, dy, strict=True)],
            "credit": CREDIT if drawn else "", "note": "" if near.all() else PARTIAL if drawn else NO_STREETS}


def payload_bytes(payload: dict) -> int:
    """The map's size as the API sends it (compact JSON, UTF-8)."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
