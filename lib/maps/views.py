"""What one map shows on a territory's geometry: one function per map kind.

A :class:`MapView` is the per-rerun part of a map payload — small arrays in the geometry's
bureau order plus a header — sent every time the page reruns while the geometry stays in the
browser. Fields the element reads (``lib/ui/web/mapelement.js``):

- ``palette`` + array ``colour``: each bureau's fill (an index into the palette);
- tooltips: ``tip = "priority"`` (score, rank, the two criteria that weigh most, missing data:
  a few bytes per bureau, the sentence written in the browser) or ``tip = "text"`` (array ``tip``
  indexes ``texts``, plain text with line breaks);
- optional: ``focus`` (bureaux outlined), ``numbers.at``/``numbers.value`` (rank numbers written
  on the bureaux), ``points.*`` and ``paths.*`` (addresses and walking routes), ``streets.*``
  (OpenStreetMap lines by class and their names), ``frame`` (the bounds to fit instead of the
  whole territory).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from lib import fr
from lib.classify import hex_to_rgb
from lib.geo import lonlat_to_l93
from lib.maps import styles
from lib.maps.geometry import ScreenGeometry, rounded_frame
from lib.maps.wire import palette_index, smallest_uint, text_index
from lib.potential import DOWN, UP, Potential
from lib.potential import tooltip as potential_tooltip
from lib.priority import unscored_reasons
from lib.streetmap import OSM_CREDIT, OSM_LICENCE, StreetLayer

NO_SCORE = 255  # uint8 score of an unscored bureau
NO_CRITERION = 255  # uint8 "no criterion" in the top-criteria pairs
NEIGHBOUR_M = 80.0  # turfs closer than this are neighbours: they get different colours


@dataclass(frozen=True)
class MapView:
    """The per-rerun header and arrays of one map (see the module docstring)."""

    meta: dict
    arrays: dict[str, np.ndarray] = field(repr=False)

    def with_extra(self, meta: Mapping | None = None, arrays: Mapping[str, np.ndarray] | None = None) -> MapView:
        """The same view plus header fields and arrays (focus, numbers, points…)."""
        return MapView({**self.meta, **(meta or {})}, {**self.arrays, **(arrays or {})})


def _aligned(table: pd.DataFrame, geom: ScreenGeometry) -> np.ndarray:
    order = pd.Index(table.index.astype(str)).get_indexer(geom.bureau_ids)
    if (order < 0).any():
        raise ValueError("bureaux of the map missing from the table")
    return order


def top_pairs(top_ids: list, criteria_ids: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
    """The distinct (first, second) criteria that weigh most, and each bureau's index among them.

    Why: a territory shows a few dozen distinct pairs; one index per bureau is a byte.
    """
    codes, uniques = pd.factorize(pd.Series([tuple(ids)[:2] for ids in top_ids], dtype=object))
    position = {c: i for i, c in enumerate(criteria_ids)}
    pairs = [[*(position.get(c, NO_CRITERION) for c in pair), NO_CRITERION, NO_CRITERION][:2] for pair in uniques]
    return pairs, codes.astype(smallest_uint(max(len(pairs) - 1, 0)))


def _missing_texts(table: pd.DataFrame) -> np.ndarray:
    """What the tooltip says of a bureau's missing data, as is: the missing criteria of a scored
    bureau (« ⚠️ sans … »), for an unscored one :func:`lib.priority.unscored_reasons`."""
    missing = table["missing"].fillna("").astype(str).to_numpy().astype(object)
    reasons = unscored_reasons(table)
    unscored = reasons != ""
    missing[unscored] = reasons[unscored]
    return missing.astype(str)


def priority_view(geom: ScreenGeometry, table: pd.DataFrame, rgba: np.ndarray, criteria_ids: Sequence[str],
                  *, numbered: int = 0) -> MapView:
    """The priority map: classes' colours and what the tooltip needs, a few bytes per bureau.

    ``table`` is :attr:`lib.priority.PriorityResult.table`, ``rgba`` its colours; ``numbered``
    writes the rank of the first N bureaux on the map (the projector's top 10).
    """
    order = _aligned(table, geom)
    t = table.iloc[order]
    colour, palette = palette_index(np.asarray(rgba)[order])
    score = t["score"].to_numpy(dtype=float, na_value=np.nan)
    rank = t["rank"].to_numpy(dtype=float, na_value=np.nan)
    max_rank = int(np.nanmax(rank)) if np.isfinite(rank).any() else 0
    pairs, top = top_pairs(t["top_ids"].tolist(), criteria_ids)
    missing_text = _missing_texts(t)
    at = np.flatnonzero(missing_text != "")
    which, texts = text_index(missing_text[at].tolist()) if len(at) else (np.zeros(0, np.uint8), [])
    arrays = {"colour": colour,
              "score": np.where(np.isfinite(score), np.rint(np.nan_to_num(score)), NO_SCORE).astype(np.uint8),
              "rank": np.nan_to_num(rank, nan=0).astype(smallest_uint(max_rank)), "top": top,
              "missing_at": at.astype(np.uint32), "missing": which}  # sparse: most bureaux miss nothing
    meta = {"tip": "priority", "palette": palette, "n_ranked": max_rank, "missing_texts": texts,
            "top_pairs": pairs}
    view = MapView(meta, arrays)
    return view.with_extra(arrays=_numbers(rank, numbered)) if numbered else view


def _numbers(rank: np.ndarray, first: int) -> dict[str, np.ndarray]:
    at = np.flatnonzero(np.isfinite(rank) & (rank <= first))
    return {"numbers.at": at.astype(np.uint32), "numbers.value": rank[at].astype(np.uint16)}


def decode_priority(view: MapView, geom: ScreenGeometry, criteria_ids: Sequence[str]) -> pd.DataFrame:
    """Inverse of :func:`priority_view` (rounded scores): what the browser shows per bureau."""
    meta, arrays = view.meta, view.arrays
    palette = np.asarray(meta["palette"], dtype=int)
    pairs = [tuple(criteria_ids[i] for i in pair if i != NO_CRITERION) for pair in meta["top_pairs"]]
    missing = [""] * geom.n_bureaux
    for at, which in zip(arrays["missing_at"].tolist(), arrays["missing"].tolist(), strict=True):
        missing[at] = meta["missing_texts"][which]
    return pd.DataFrame({
        "colour": [tuple(c) for c in palette[arrays["colour"].astype(int)].tolist()],
        "score": np.where(arrays["score"] == NO_SCORE, np.nan, arrays["score"].astype(float)),
        "rank": pd.array(np.where(arrays["rank"] == 0, None, arrays["rank"]), dtype="Int64"),
        "top_ids": [pairs[i] for i in arrays["top"].tolist()],
        "missing": missing,
    }, index=pd.Index(list(geom.bureau_ids)))


def text_view(geom: ScreenGeometry, colours: pd.Series, texts: pd.Series, *, no_data: Sequence[int]) -> MapView:
    """Any map whose tooltip is a line or two of text per bureau (home, coverage, départements).

    ``colours`` (RGBA lists) and ``texts`` are indexed by bureau id; bureaux absent from them get
    ``no_data`` and no text.
    """
    ids = pd.Index(geom.bureau_ids)
    rgba = np.array([list(c) if isinstance(c, list | tuple) else list(no_data)
                     for c in colours.reindex(ids).tolist()], dtype=np.uint8)
    colour, palette = palette_index(rgba)
    tip, table = text_index(texts.reindex(ids).fillna("").astype(str).tolist())
    return MapView({"tip": "text", "palette": palette, "texts": table}, {"colour": colour, "tip": tip})


def territory_view(geom: ScreenGeometry, bureaux: pd.DataFrame) -> MapView:
    """The plain map of a territory (home page): soft tones by commune or arrondissement, and the
    registered voters and commune in the tooltip."""
    frame = bureaux.set_index(bureaux["bureau_id"].astype(str))
    areas = frame["area_code"].astype("category").cat.codes.to_numpy()
    tones = pd.Series([styles.AREA_TONES[a % len(styles.AREA_TONES)] for a in areas], index=frame.index)
    registered = frame["registered"].map(
        lambda r: "inscrits inconnus" if pd.isna(r) else fr.counted(r, "inscrit", "inscrits"))
    return text_view(geom, tones, registered + "\n" + frame["commune_name"].astype(str), no_data=styles.NOT_PLANNED)


def coverage_view(geom: ScreenGeometry, coverage: pd.DataFrame, *, frame_on: Sequence[str] = ()) -> MapView:
    """Bureaux by the share of their planned addresses done (``coverage``: ``part`` 0–1,
    ``faites``, ``adresses`` per bureau id); grey when not planned. Framed on ``frame_on``."""
    part = coverage["part"].astype(float).clip(0, 1)
    low, high = np.array(styles.COVERAGE_EMPTY), np.array(styles.COVERAGE_FULL)
    colours = pd.Series([np.rint(low + (high - low) * p).astype(int).tolist() for p in part], index=coverage.index)
    texts = (part.map(lambda p: f"{fr.number(100 * p)} % fait") + "\n"
             + coverage["faites"].map(fr.number) + " / " + coverage["adresses"].map(
                 lambda a: fr.counted(a, "adresse", "adresses")))
    planned = pd.Series("non planifié", index=pd.Index(geom.bureau_ids))
    planned.update(texts.rename(index=str))
    view = text_view(geom, colours.rename(index=str), planned, no_data=styles.NOT_PLANNED)
    return _framed(view, geom, frame_on)


def potential_view(geom: ScreenGeometry, found: Potential) -> MapView:
    """Bureaux coloured by potential category (:mod:`lib.potential`); those whose category moved
    since the previous comparable election are outlined, the tooltip says which way."""
    frame = found.frame
    colours = frame["category"].map(styles.POTENTIAL_COLOURS).dropna().rename(index=str)
    texts = pd.Series([potential_tooltip(row, found.previous) for _, row in frame.iterrows()],
                      index=frame.index.astype(str), dtype=object)
    view = text_view(geom, colours, texts, no_data=styles.NO_CATEGORY)
    moved = frame.index[frame["movement"].isin([UP, DOWN])].astype(str).tolist()
    return view.with_extra(arrays=_focus(geom, moved)) if moved else view


def with_qpv_outlines(view: MapView, outlines: Mapping | None) -> MapView:
    """``view`` plus the QPV outlines (GeoJSON mapping from the dataset's metadata) as paths.

    Why paths: the map element already draws a view's paths over the bureaux; the outlines travel
    only when the layer is asked for (a few kB), never with every slider move otherwise.
    """
    rings = [np.asarray(ring, dtype=np.float32) for f in (outlines or {}).get("features", [])
             for polygon in shapely.get_parts(shapely.geometry.shape(f["geometry"]))
             for ring in (polygon.exterior.coords, *(i.coords for i in polygon.interiors))]
    if not rings:
        return view
    starts = np.cumsum([0, *(len(r) for r in rings[:-1])]).astype(np.uint32)
    return view.with_extra({"paths": {"palette": [styles.QPV_OUTLINE]}},
                           {"paths.xy": np.concatenate(rings)[:, :2], "paths.start": starts,
                            "paths.colour": np.zeros(len(rings), dtype=np.uint8)})


def bureau_bounds(geom: ScreenGeometry, positions: Sequence[int]) -> list[float] | None:
    """Lon/lat bounds of some bureaux of the geometry (their vertices are contiguous)."""
    xy, vertex = geom.arrays["bureaux.xy"], geom.arrays["bureaux.vertex"]
    ring, poly = geom.arrays["bureaux.ring"], geom.arrays["bureaux.poly"]
    chunks = [xy[vertex[ring[poly[f]]]:vertex[ring[poly[f + 1]]]] for f in positions if f >= 0]
    pts = np.concatenate([c for c in chunks if len(c)]) if any(len(c) for c in chunks) else None
    if pts is None:
        return None
    return rounded_frame(*pts.min(axis=0).tolist(), *pts.max(axis=0).tolist())


def _framed(view: MapView, geom: ScreenGeometry, bureau_ids: Sequence[str]) -> MapView:
    positions = [int(p) for p in geom.positions(bureau_ids) if p >= 0]
    frame = bureau_bounds(geom, positions) if positions else None
    return view.with_extra(meta={"frame": frame}) if frame else view


def _focus(geom: ScreenGeometry, bureau_ids: Sequence[str]) -> dict[str, np.ndarray]:
    positions = geom.positions(bureau_ids)
    return {"focus": np.unique(positions[positions >= 0]).astype(np.uint32)}


def _context(geom: ScreenGeometry, bureau_ids: Sequence[str]) -> MapView:
    """Every bureau pale, the given ones a little lighter and outlined: the ground of address maps."""
    chosen = pd.Index(geom.bureau_ids).isin(list(bureau_ids))
    colour = chosen.astype(np.uint8)
    palette = [styles.CONTEXT_BUREAU, [255, 255, 255, 200]]
    texts = ["", ""]
    view = MapView({"tip": "text", "palette": palette, "texts": texts}, {"colour": colour, "tip": colour.copy()})
    return view.with_extra(arrays=_focus(geom, bureau_ids))


def neighbour_colours(turfs: pd.DataFrame, n_colours: int, *, near_m: float = NEIGHBOUR_M) -> dict[str, int]:
    """A colour index per turf such that turfs closer than ``near_m`` differ (greedy colouring,
    most-connected turf first); falls back to cycling when a turf has more neighbours than colours."""
    x, y = lonlat_to_l93(turfs["lon"].to_numpy(float), turfs["lat"].to_numpy(float))
    ids = turfs["turf_id"].astype(str).to_numpy()
    names = sorted(set(ids))
    boxes = {t: (x[ids == t].min(), y[ids == t].min(), x[ids == t].max(), y[ids == t].max()) for t in names}
    near = {t: {u for u in names if u != t and _boxes_near(boxes[t], boxes[u], near_m)} for t in names}
    chosen: dict[str, int] = {}
    for turf in sorted(names, key=lambda t: (-len(near[t]), t)):
        taken = {chosen[u] for u in near[turf] if u in chosen}
        free = [c for c in range(n_colours) if c not in taken]
        chosen[turf] = free[0] if free else len(chosen) % n_colours
    return chosen


def _boxes_near(a: tuple, b: tuple, gap: float) -> bool:
    return not (a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1] or b[3] + gap < a[1])


def _points(lon: pd.Series, lat: pd.Series, rgba: list[list[int]], texts: list[str]) -> tuple[dict, dict]:
    colour, palette = palette_index(np.asarray(rgba, dtype=np.uint8))
    tip, table = text_index(texts)
    xy = np.column_stack([lon.to_numpy(float), lat.to_numpy(float)]).astype(np.float32)
    return ({"points": {"palette": palette, "texts": table}},
            {"points.xy": xy, "points.colour": colour, "points.tip": tip})


def _points_frame(lon: pd.Series, lat: pd.Series) -> list[float]:
    return rounded_frame(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


STREET_MARGIN_DEG = 0.004  # streets this far beyond a turf map's frame are sent too (a little panning)
STREET_KINDS = {"foot": 0, "street": 1, "major": 2}  # index into STYLE["streets"] colours and widths


def street_layer(streets: gpd.GeoDataFrame | None, frame: Sequence[float]) -> tuple[dict, dict[str, np.ndarray]]:
    """The OpenStreetMap streets around ``frame`` (lon/lat bounds) as flat paths by class, and each
    named street's label once, at the middle of its longest piece, along it (angle in degrees)."""
    if streets is None or streets.empty:
        return {}, {}
    x0, y0, x1, y1 = frame
    box = shapely.box(x0 - STREET_MARGIN_DEG, y0 - STREET_MARGIN_DEG, x1 + STREET_MARGIN_DEG, y1 + STREET_MARGIN_DEG)
    near = streets[streets.intersects(box)]
    if near.empty:
        return {}, {}
    coords, line = shapely.get_coordinates(near.geometry.values, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(line)) + 1].astype(np.uint32)
    kind = StreetLayer.kinds(near["highway"])
    named = near.assign(_len=shapely.length(near.geometry.values)).sort_values("_len").drop_duplicates("name", keep="last")
    named = named[named["name"].astype(str) != ""]
    middle = shapely.line_interpolate_point(named.geometry.values, 0.5, normalized=True)
    ahead = shapely.line_interpolate_point(named.geometry.values, 0.55, normalized=True)
    behind = shapely.line_interpolate_point(named.geometry.values, 0.45, normalized=True)
    angle = np.degrees(np.arctan2(shapely.get_y(ahead) - shapely.get_y(behind),
                                  (shapely.get_x(ahead) - shapely.get_x(behind)) * np.cos(np.radians(y0))))
    angle = np.where(angle > 90, angle - 180, np.where(angle < -90, angle + 180, angle))
    return ({"streets": {"names": named["name"].astype(str).tolist(), "credit": f"{OSM_CREDIT} ({OSM_LICENCE})"}},
            {"streets.xy": coords.astype(np.float32), "streets.start": starts,
             "streets.kind": np.array([STREET_KINDS[k] for k in kind], dtype=np.uint8),
             "streets.label_xy": np.c_[shapely.get_x(middle), shapely.get_y(middle)].astype(np.float32),
             "streets.label_angle": angle.astype(np.float32)})


def turf_view(geom: ScreenGeometry, turfs: pd.DataFrame, chosen: Sequence[str], *,
              streets: gpd.GeoDataFrame | None = None,
              routes: Mapping[str, list[list[float]]] | None = None) -> tuple[MapView, dict[str, list[int]]]:
    """Turfs on the map: the chosen bureaux outlined and framed, the OpenStreetMap ``streets`` with
    their names when the territory has them, each turf's addresses numbered in walking order and its
    route (``routes``: along the streets, :func:`lib.walk_exports.route_lines`; else stop to stop),
    one colour per turf (neighbouring turfs differ). Returns the view and each turf's colour."""
    ordered = turfs.sort_values(["turf_id", "stop"])
    index = neighbour_colours(ordered, len(styles.TURF_COLOURS))
    colour_of = {t: styles.TURF_COLOURS[i] for t, i in index.items()}
    rgba = [colour_of[str(t)] for t in ordered["turf_id"]]
    texts = [f"{t} · {s}. {lab}" for t, s, lab in zip(ordered["turf_id"], ordered["stop"], ordered["label"], strict=True)]
    point_meta, point_arrays = _points(ordered["lon"], ordered["lat"], rgba, texts)
    starts = np.r_[0, np.flatnonzero(ordered["turf_id"].to_numpy()[1:] != ordered["turf_id"].to_numpy()[:-1]) + 1]
    path_colour, path_palette = palette_index(np.asarray([rgba[s] for s in starts], dtype=np.uint8))
    path_xy, path_start = point_arrays["points.xy"], starts.astype(np.uint32)
    if routes:
        lines = [np.asarray(routes[str(t)], dtype=np.float32) for t in ordered["turf_id"].iloc[starts]]
        path_xy = np.concatenate(lines)
        path_start = np.r_[0, np.cumsum([len(line) for line in lines])[:-1]].astype(np.uint32)
    view = _context(geom, chosen).with_extra(
        {**point_meta, "paths": {"palette": path_palette}},
        {**point_arrays, "paths.xy": path_xy, "paths.start": path_start, "paths.colour": path_colour})
    framed = _framed(view, geom, chosen)
    if "frame" not in framed.meta:
        framed = framed.with_extra(meta={"frame": _points_frame(ordered["lon"], ordered["lat"])})
    return framed.with_extra(*street_layer(streets, framed.meta["frame"])), colour_of


def door_status_view(geom: ScreenGeometry, stops: pd.DataFrame, labels: Mapping[str, str]) -> MapView:
    """A plan's addresses coloured by their latest door status (grey: not knocked yet), framed on them."""
    grey = styles.DOOR_STATUS_COLOURS[""]
    status = stops["status"].fillna("").astype(str)
    rgba = [styles.DOOR_STATUS_COLOURS.get(s, grey) for s in status]
    texts = [f"{t} · {n}. {lab}\n{labels.get(s, s)}"
             for t, n, lab, s in zip(stops["turf_id"], stops["stop"], stops["label"], status, strict=True)]
    point_meta, point_arrays = _points(stops["lon"], stops["lat"], rgba, texts)
    bureaux = stops["bureau_id"].astype(str).unique().tolist() if "bureau_id" in stops else []
    view = _context(geom, bureaux).with_extra(point_meta, point_arrays)
    return view.with_extra(meta={"frame": _points_frame(stops["lon"], stops["lat"])})


def department_view(groups: ScreenGeometry, bureau_departments: pd.Series, table: pd.DataFrame, rgba: np.ndarray,
                    labels: pd.Series, *, no_data: str) -> MapView:
    """Per département, the colour of its median bureau (the legend's classes stay those of
    bureaux) and, in the tooltip, that median, the bureaux in the top class and the best one."""
    frame = table.assign(colour=list(np.asarray(rgba).tolist()), group=bureau_departments.reindex(table.index).to_numpy(),
                         label=labels.reindex(table.index).to_numpy())
    frame = frame[frame["group"].notna()]
    scored = frame[frame["score"].notna()].sort_values(["group", "score"])
    position = scored.groupby("group").cumcount()
    size = scored.groupby("group")["score"].transform("size")
    median = scored[position == (size - 1) // 2].set_index("group")
    best = scored.groupby("group").tail(1).set_index("group")
    top = frame.groupby("group")["class_id"].apply(lambda c: int((c == table["class_id"].max()).sum()))
    groups_index = pd.Index(frame["group"].unique())
    texts = pd.Series([_department_text(g, median, best, top) for g in groups_index], index=groups_index)
    grey = [*hex_to_rgb(no_data), 200]
    colours = pd.Series([median.at[g, "colour"] if g in median.index else grey for g in groups_index],
                        index=groups_index)
    return text_view(groups, colours, texts, no_data=grey)


def _department_text(group: str, median: pd.DataFrame, best: pd.DataFrame, top: pd.Series) -> str:
    if group not in median.index:
        return "Non noté"
    lead = f"En tête : {best.at[group, 'label']} ({best.at[group, 'score']:.0f})"
    return (f"Score médian {median.at[group, 'score']:.0f}/100\n"
            f"{fr.counted(int(top.get(group, 0)), 'bureau', 'bureaux')} en priorité maximale\n{lead}")
