"""Geometry helpers: CRS guards, display slimming, outlines, distances.

Display geometry is stored in EPSG:4326; anything measured (metres, m²) is computed in
Lambert-93 (EPSG:2154). Functions refuse a frame in an unexpected CRS instead of reprojecting
silently (the maup ``require_same_crs`` idea): a distance in degrees is the classic silent bug.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
DISPLAY_GRID = 1e-5  # degrees: ≈1.1 m in latitude, ≈0.75 m in longitude at 48°N


def require_crs(gdf: gpd.GeoDataFrame, crs: str, what: str = "frame") -> None:
    """Raise ``ValueError`` when ``gdf`` is not in ``crs`` (never reproject silently)."""
    if gdf.crs is None or not gdf.crs.equals(crs):
        raise ValueError(f"{what} must be in {crs}, got {gdf.crs}")


def lonlat_to_l93(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised lon/lat → Lambert-93 metres."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(LAMBERT93)
    return pts.x.to_numpy(), pts.y.to_numpy()


def l93_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Lambert-93 metres → lon/lat (the inverse of :func:`lonlat_to_l93`)."""
    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=LAMBERT93).to_crs(WGS84)
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


def nearest_rows(points: pd.DataFrame, lon: float, lat: float, n: int) -> pd.DataFrame:
    """The ``n`` rows of ``points`` (``lon``/``lat`` columns) nearest to (lon, lat), in metres.

    Why metres: at 48°N a degree of longitude is 0.67 of a degree of latitude, so ranking by
    squared degrees favours points north or south of the origin over closer ones east or west.
    """
    if points.empty:
        return points.assign(distance_m=pd.Series(dtype=float))
    px, py = lonlat_to_l93(points["lon"].to_numpy(), points["lat"].to_numpy())
    ox, oy = lonlat_to_l93(np.array([lon]), np.array([lat]))
    return points.assign(distance_m=np.hypot(px - ox[0], py - oy[0])).nsmallest(n, "distance_m")


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


def department_of(commune_code: pd.Series) -> pd.Series:
    """Département code of INSEE commune codes: ``59350`` → ``59``, ``2A004`` → ``2A``, ``97411`` → ``974``."""
    codes = commune_code.astype(str)
    return codes.str[:3].where(codes.str.startswith("97"), codes.str[:2])


# Where French bureaux de vote lie: lon/lat boxes (lon_min, lat_min, lon_max, lat_max), a margin
# of about 0.1° included. Overseas départements and collectivities by their INSEE code; every
# other code (Corsica included) is metropolitan France.
FRANCE_BOXES: dict[str, tuple[str, tuple[float, float, float, float]]] = {
    "métropole": ("en France métropolitaine", (-6.0, 41.0, 10.0, 51.5)),
    "971": ("en Guadeloupe", (-62.0, 15.7, -60.8, 16.7)),
    "972": ("en Martinique", (-61.4, 14.3, -60.7, 15.0)),
    "973": ("en Guyane", (-54.8, 2.0, -51.4, 6.0)),
    "974": ("à La Réunion", (55.1, -21.5, 56.0, -20.7)),
    "975": ("à Saint-Pierre-et-Miquelon", (-56.6, 46.7, -56.0, 47.2)),
    "976": ("à Mayotte", (44.9, -13.1, 45.4, -12.5)),
    "977": ("à Saint-Barthélemy", (-63.0, 17.8, -62.7, 18.0)),
    "978": ("à Saint-Martin", (-63.2, 18.0, -62.9, 18.2)),
    "986": ("à Wallis-et-Futuna", (-178.3, -14.5, -176.0, -13.0)),
    "987": ("en Polynésie française", (-155.0, -28.0, -134.0, -7.0)),
    "988": ("en Nouvelle-Calédonie", (163.0, -23.0, 169.0, -19.0)),
}
# Projections a French contours file is likely to be in, most common first: WGS84, Lambert-93,
# the nine conic conformal zones CC42–CC50, Lambert II étendu, Web Mercator, then the overseas
# UTM projections (Antilles, Guyane, Réunion, Mayotte).
LIKELY_CRS = (WGS84, LAMBERT93, *(f"EPSG:{code}" for code in range(3942, 3951)), "EPSG:27572", "EPSG:3857",
              "EPSG:5490", "EPSG:2972", "EPSG:2975", "EPSG:4471")
Bounds = tuple[float, float, float, float]


def france_box(departement: object) -> str:
    """Key of :data:`FRANCE_BOXES` where a département's bureaux lie (``31`` → ``métropole``)."""
    code = str(departement)
    return code if code in FRANCE_BOXES else "métropole"


def bounds_in_wgs84(bounds: Bounds, crs: object) -> Bounds | None:
    """The lon/lat box of ``bounds`` (corners and edge midpoints) read in ``crs``, or None when
    they cannot be placed on Earth in that system (infinite, undefined, or metres read as degrees)."""
    minx, miny, maxx, maxy = bounds
    xs = np.array([minx, maxx, minx, maxx, (minx + maxx) / 2, (minx + maxx) / 2, minx, maxx])
    ys = np.array([miny, miny, maxy, maxy, miny, maxy, (miny + maxy) / 2, (miny + maxy) / 2])
    try:
        lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(xs, ys, errcheck=False)
    except Exception:  # pyproj raises several types for impossible inputs
        return None
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()) or np.abs(lon).max() > 180 or np.abs(lat).max() > 90:
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def box_holds(box: Bounds, bounds: Bounds | None) -> bool:
    """True when ``bounds`` lies inside ``box`` (both lon/lat)."""
    return bounds is not None and box[0] <= bounds[0] <= bounds[2] <= box[2] and box[1] <= bounds[1] <= bounds[3] <= box[3]


def likely_crs(bounds: Bounds, box: Bounds) -> str | None:
    """The first projection of :data:`LIKELY_CRS` that puts ``bounds`` inside ``box``, if any."""
    return next((crs for crs in LIKELY_CRS if box_holds(box, bounds_in_wgs84(bounds, crs))), None)
