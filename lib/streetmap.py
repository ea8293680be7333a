"""Streets drawn behind a turf on the A4 packet: OpenStreetMap lines by class and their names.

The layer is projected to Lambert-93 once per packet and indexed (STRtree), so each turf's page
draws only the streets of its frame, clipped to it. Names follow their street (rotated along its
longest piece in the frame), one label per street name per page, never over another label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
import shapely.ops
from fpdf import FPDF

from lib.fr import markdown_text
from lib.geo import LAMBERT93

OSM_CREDIT = "© les contributeurs d'OpenStreetMap"
OSM_LICENCE = "ODbL 1.0"
OSM_SHORT_CREDIT = "© OpenStreetMap (ODbL)"  # on a map too small for the full credit (the phone's)
MAJOR = frozenset({"primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link"})
FOOT = frozenset({"footway", "path", "steps", "track", "cycleway"})
STYLE = {  # class → (line width mm, grey level): streets read as streets on a laser print, paths stay discreet
    "major": (1.8, 180), "street": (1.2, 198), "foot": (0.3, 140)}
NAME_PT = 6.5  # street names, legible at print scale
NAME_HALO_MM = 0.7  # the white outline round a name: it reads over the route and the streets
NAME_MIN_MM = 14.0  # a street piece shorter than this on paper gets no name
NAME_EM = 0.55  # a name's mean glyph width, in ems: its length on a screen before it is drawn
CLEAR_M = 25.0  # a name this far from every door is clear of the dots
NAME_LIFT = 1.1  # a name lined with doors moves beside its street by this many ems


@dataclass(frozen=True)
class NameSpot:
    """Where a street's name goes on a screen map (Lambert-93): its centre, its direction (degrees
    counter-clockwise from east, text upright) and the length of the stretch it sits on (metres)."""

    name: str
    x: float
    y: float
    angle: float
    length: float


@dataclass(frozen=True)
class StreetLayer:
    """The street lines in Lambert-93, their class, their names, indexed."""

    lines: np.ndarray
    kind: np.ndarray
    name: np.ndarray
    tree: shapely.STRtree = field(repr=False)

    @classmethod
    def of(cls, streets: gpd.GeoDataFrame | None) -> StreetLayer | None:
        """The layer of a territory's streets (None without any)."""
        if streets is None or streets.empty:
            return None
        lines = streets.to_crs(LAMBERT93).geometry.values
        return cls(np.asarray(lines), cls.kinds(streets["highway"]), streets["name"].fillna("").astype(str).to_numpy(),
                   shapely.STRtree(lines))

    @staticmethod
    def kinds(highway) -> np.ndarray:
        """How each OSM highway class is drawn: « major », « street » or « foot »."""
        values = np.asarray(highway, dtype=str)
        return np.where(np.isin(values, list(MAJOR)), "major", np.where(np.isin(values, list(FOOT)), "foot", "street"))

    def cut(self, rect: tuple[float, float, float, float], tolerance: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """The lines crossing ``rect`` (their indices) clipped to it, simplified to ``tolerance`` metres."""
        hits = self.tree.query(shapely.box(*rect))
        clipped = shapely.clip_by_rect(self.lines[hits], *rect)
        return hits, shapely.simplify(clipped, tolerance) if tolerance else clipped

    def name_spots(self, hits: np.ndarray, clipped: np.ndarray, doors: shapely.Geometry, metres_per_px: float,
                   name_px: float) -> list[NameSpot]:
        """One name per street of a :meth:`cut`, on its longest stretch where the name fits, at the spot
        farthest from the ``doors`` (up to CLEAR_M, then the middle): the dots never hide the names of
        a turf's own streets. Longest stretches first (a screen draws them first)."""
        names = pd.Series(self.name[hits])
        spots = []
        for name, rows in names[names != ""].groupby(names).groups.items():
            merged = shapely.line_merge(shapely.union_all(clipped[np.asarray(rows)]))
            part = max(shapely.get_parts(merged), key=lambda g: g.length, default=None)
            width = len(str(name)) * NAME_EM * name_px * metres_per_px
            if part is not None and part.geom_type == "LineString" and part.length >= width:
                spots.append(_spot(str(name), part, doors, width, NAME_LIFT * name_px * metres_per_px))
        return sorted(spots, key=lambda s: -s.length)

    def draw(self, pdf: FPDF, box, keep_clear: Sequence[shapely.Geometry] = ()) -> list[shapely.Geometry]:
        """The streets inside ``box`` (a :class:`lib.walk_exports.MapBox`), then their names, none over
        ``keep_clear`` (the map's scale, north arrow, credit: page mm); returns the names' footprints."""
        return self.draw_names(pdf, box, self.draw_lines(pdf, box), keep_clear)

    def draw_names(self, pdf: FPDF, box, drawn: tuple[np.ndarray, np.ndarray],
                   keep_clear: Sequence[shapely.Geometry] = ()) -> list[shapely.Geometry]:
        """The names of the streets :meth:`draw_lines` drew, none over ``keep_clear`` (page mm); drawn
        apart so that the route can go between the streets and their names."""
        return self._names(pdf, box, *drawn, list(keep_clear))

    def draw_lines(self, pdf: FPDF, box) -> tuple[np.ndarray, np.ndarray]:
        """The streets inside ``box`` by class; returns what was drawn (indices, clipped lines)."""
        rect = box.ground
        hits = self.tree.query(shapely.box(*rect))
        clipped = shapely.clip_by_rect(self.lines[hits], *rect)
        for level in ("foot", "street", "major"):
            width, grey = STYLE[level]
            pdf.set_line_width(width)
            pdf.set_draw_color(grey, grey, grey)
            for geom in clipped[self.kind[hits] == level]:
                for part in shapely.get_parts(geom):
                    if not part.is_empty and part.geom_type == "LineString":
                        sx, sy = box.page(*np.asarray(part.coords).T)
                        pdf.polyline(list(zip(sx.tolist(), sy.tolist(), strict=True)))
        return hits, clipped

    def _names(self, pdf: FPDF, box, hits: np.ndarray, clipped: np.ndarray,
               placed: list[shapely.Geometry]) -> list[shapely.Geometry]:
        """One label per street name, on its longest piece, along it, never over another label nor
        over what ``placed`` already holds; returns the labels' footprints."""
        pdf.set_font("DejaVu", size=NAME_PT)
        pdf.set_text_color(30, 30, 30)
        longest: dict[str, shapely.Geometry] = {}
        for name, geom in zip(self.name[hits], clipped, strict=True):
            if name and not geom.is_empty and geom.length > getattr(longest.get(name), "length", 0.0):
                longest[name] = geom
        reserved = len(placed)
        for name, geom in sorted(longest.items(), key=lambda item: -item[1].length):
            label = _label(pdf, box, name, geom)
            if label is not None and not any(label[0].intersects(other) for other in placed):
                placed.append(label[0])
                with pdf.rotation(label[1], label[2], label[3]):
                    _haloed_text(pdf, label[2], label[3], name)
        pdf.set_text_color(0, 0, 0)
        return placed[reserved:]


def _haloed_text(pdf: FPDF, x: float, y: float, text: str) -> None:
    """Dark text on a white outline: it reads over the streets' grey and the route's red."""
    with pdf.local_context(text_mode="STROKE", line_width=NAME_HALO_MM, draw_color=(255, 255, 255)):
        pdf.text(x, y, text)
    pdf.text(x, y, text)


def _spot(name: str, part: shapely.LineString, doors: shapely.Geometry, width: float, height: float) -> NameSpot:
    """The :class:`NameSpot` of a name ``width`` × ``height`` metres on ``part``: the spot along it
    farthest from the doors, on the street or, when its doors line it, beside it (the side clear of them)."""
    half = width / 2
    best, score = (part.length / 2, 0.0), -np.inf
    for t in np.linspace(half, part.length - half, 9):
        chord = shapely.ops.substring(part, t - half, t + half)
        (ax, ay), (bx, by) = chord.coords[0], chord.coords[-1]
        norm = max(float(np.hypot(bx - ax, by - ay)), 1e-9)
        for shift in (0.0, height, -height):  # on the street, then either side of it
            window = shapely.affinity.translate(chord, -(by - ay) / norm * shift, (bx - ax) / norm * shift)
            here = min(doors.distance(window), CLEAR_M) - 1e-3 * abs(t - part.length / 2) - 0.5 * abs(shift) / height
            if here > score:
                best, score = (t, shift), here
    t, shift = best
    a, b = part.interpolate(t - half), part.interpolate(t + half)
    norm = max(float(np.hypot(b.x - a.x, b.y - a.y)), 1e-9)
    mid = part.interpolate(t)
    x, y = mid.x - (b.y - a.y) / norm * shift, mid.y + (b.x - a.x) / norm * shift
    angle = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
    if angle > 90 or angle < -90:  # text reads left to right
        angle -= 180 if angle > 0 else -180
    return NameSpot(name, float(x), float(y), angle, float(part.length))


def _label(pdf: FPDF, box, name: str, geom: shapely.Geometry):
    """Where a street's name goes: its footprint on the page, angle and anchor; None when too short."""
    part = max(shapely.get_parts(geom), key=lambda g: g.length)
    if part.length * box.scale < NAME_MIN_MM:
        return None
    mid = part.interpolate(0.5, normalized=True)
    ahead = part.interpolate(min(part.length, part.project(mid) + 5.0))
    behind = part.interpolate(max(0.0, part.project(mid) - 5.0))
    angle = math.degrees(math.atan2(ahead.y - behind.y, ahead.x - behind.x))
    if angle > 90 or angle < -90:  # text reads left to right
        angle -= 180 if angle > 0 else -180
    width = pdf.get_string_width(name)
    (cx,), (cy,) = box.page(np.array([mid.x]), np.array([mid.y]))
    rad = math.radians(angle)
    x0, y0 = cx - math.cos(rad) * width / 2, cy + math.sin(rad) * width / 2
    footprint = shapely.LineString([(x0, y0), (x0 + math.cos(rad) * width, y0 - math.sin(rad) * width)]).buffer(1.0)
    inside = shapely.box(box.x + 1, box.y + 1, box.x + box.w - 1, box.y + box.h - 1)
    return (footprint, angle, x0, y0 + 0.7) if inside.contains(footprint) else None


def street_credit(info: dict) -> str:
    """« Rues : © les contributeurs d'OpenStreetMap (ODbL 1.0), d'après … »: OpenStreetMap credited
    and where the territory's extracts come from (``metadata["streets"]["files"]``), as Markdown text
    (a name from a user's own folder is shown as text, never as a link)."""
    origins = dict.fromkeys(
        f"{f['url'].split('://', 1)[-1]} ({f['date']})" if f.get("url") and f.get("date")
        else f.get("url", "").split("://", 1)[-1] or f.get("file", "")
        for f in info.get("files", []))
    after = f", d'après {', '.join(markdown_text(o) for o in origins if o)}" if any(origins) else ""
    return f"Rues : {OSM_CREDIT} ({OSM_LICENCE}){after}."


def coverage_note(metadata: dict, bureau_ids: list[str]) -> str:
    """What the walk-list page says about the streets of the chosen bureaux: drawn and followed
    (credited), partly, or not at all — a bureau without streets is routed in straight lines."""
    info = metadata.get("streets")
    if not info:
        return ("Pas de rues OpenStreetMap pour ce territoire : la carte et le dossier montrent les adresses "
                "sans les rues, et les parcours sont mesurés à vol d'oiseau.")
    covered = set(info.get("covered", []))
    missing = [b for b in bureau_ids if b not in covered]
    credit = street_credit(info)
    if not missing:
        return f"Parcours tracés le long des rues. {credit}"
    if len(missing) == len(bureau_ids):
        return (f"Les rues OpenStreetMap livrées ne couvrent aucun de ces bureaux ({info['bureaux_covered']} bureaux "
                f"sur {info['bureaux']} dans le territoire) : parcours mesurés à vol d'oiseau. {credit}")
    return (f"Rues OpenStreetMap disponibles pour {len(bureau_ids) - len(missing)} de ces {len(bureau_ids)} bureaux "
            f"seulement : les autres sont mesurés à vol d'oiseau. {credit}")
