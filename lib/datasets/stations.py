"""Railway, metro and tram stations: the IDFM and SNCF lists read, merged (one station listed by
both is marked, not counted twice) and cropped to a territory."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from lib import fr, geo
from lib.contract import STATIONS_COLUMNS
from lib.datasets.archives import read_text_table
from lib.datasets.raw import Source, raw_path, require_columns
from lib.errors import BuildError

STATION_NAME_NOISE = frozenset({"gare", "paris", "de", "du", "des", "la", "le", "les", "sur", "en", "tt", "psl",
                                "souterrain"})
STATION_NAME_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "cdg": "charles gaulle"}
STATION_NAME_OVERLAP = 0.75


def station_tokens(name: object) -> frozenset[str]:
    """The words that identify a station: folded, abbreviations spelled out, noise words and
    initials dropped. « Paris-St-Lazare » (SNCF) and « Gare Saint-Lazare » (IDFM) both give
    {saint, lazare}; « Paris Gare du Nord » and « Gare du Nord » give {nord}."""
    words = " ".join(STATION_NAME_ABBREVIATIONS.get(w, w) for w in fr.fold(name).split()).split()
    return frozenset(w for w in words if w not in STATION_NAME_NOISE and (len(w) > 1 or w.isdigit()))


def same_station_name(a: object, b: object) -> bool:
    """True when at least 3/4 of the shorter name's words are in the other name.

    The two lists name one station at different lengths: « La Défense » / « La Défense (Grande
    Arche) », « Gargan » / « Livry-Gargan », « Pont-du-Garigliano-Hôpital-Georges-Pompidou » /
    « Pont du Garigliano - Hôpital Européen G. Pompidou » (4 of 5). « Évreux-Embranchement » /
    « Évreux Normandie » (1 of 2) are two stations. Only asked of stations within 150 m.
    """
    ta, tb = station_tokens(a), station_tokens(b)
    shorter = min(len(ta), len(tb))
    return shorter > 0 and len(ta & tb) >= STATION_NAME_OVERLAP * shorter


def merge_stations(*frames: pd.DataFrame, same_within_m: float = 150.0) -> pd.DataFrame:
    """Concatenate station lists, marking a later station as ``same_as`` an earlier one when it
    lies within ``same_within_m`` AND has the same name (:func:`same_station_name`).

    Why: the same Gare du Nord is in the IDFM and the SNCF lists; listing it twice would inflate
    the station count and clutter the map. Distance alone is not enough: « Magenta » is 55 m from
    IDFM's « Gare du Nord », « Avenue Foch » 30 m from « Porte Dauphine », yet they are other
    stations. Marked rows are kept (not dropped) because their point is another access to the
    same station: the assembly measures distances to every point and lists only the others.
    """
    kept: list[pd.DataFrame] = []
    for frame in frames:
        frame = frame.reset_index(drop=True).assign(same_as=pd.NA)
        if kept and len(frame):
            frame["same_as"] = _namesake_nearby(frame, pd.concat(kept, ignore_index=True), same_within_m)
        kept.append(frame)
    out = pd.concat(kept, ignore_index=True)
    out["same_as"] = out["same_as"].astype("string")
    return out


def _namesake_nearby(frame: pd.DataFrame, base: pd.DataFrame, within_m: float) -> list[str | None]:
    """For each station of ``frame``: id of a ``base`` station of the same name within ``within_m``."""
    base = base[base["same_as"].isna()].reset_index(drop=True)
    if not len(base):
        return [None] * len(frame)
    tree = cKDTree(np.column_stack(geo.lonlat_to_l93(base["lon"].to_numpy(), base["lat"].to_numpy())))
    points = np.column_stack(geo.lonlat_to_l93(frame["lon"].to_numpy(), frame["lat"].to_numpy()))
    names, ids = base["name"].to_numpy(), base["station_id"].to_numpy()
    return [next((ids[j] for j in sorted(idx) if same_station_name(name, names[j])), None)
            for name, idx in zip(frame["name"], tree.query_ball_point(points, r=within_m), strict=True)]


def distinct_stations(points: pd.DataFrame) -> pd.DataFrame:
    """One row per physical station: rows marked ``same_as`` a listed station are left out
    (a twin whose namesake was cropped away stays). Contract columns only."""
    if "same_as" not in points:
        return points[STATIONS_COLUMNS].reset_index(drop=True)
    twin = points["same_as"].notna() & points["same_as"].isin(set(points["station_id"]))
    return points.loc[~twin, STATIONS_COLUMNS].reset_index(drop=True)


SEARCH_START_M = 3_000.0  # first margin around the bureaux searched for their nearest station
SEARCH_GROWTH = 4.0  # the margin grows by this factor until every bureau has its nearest station


def nearest_station_m(lon: np.ndarray, lat: np.ndarray, stations: pd.DataFrame) -> np.ndarray:
    """Metres from each point to the nearest station point of ``stations`` (a national list),
    searched in a box around the points whose margin grows until it holds every point's nearest
    station (NaN for a point without coordinates, or when the list is empty).

    Why: the nearest station of a commune without one lies beyond its edge (Gouesnou, 29061: the
    SNCF list's nearest is 6.9 km away), and a crop of the list to a fixed margin dropped the
    distance. The search is exact: a station within ``margin`` of a point lies inside the box
    of the points widened by ``margin``, so a distance under the margin is the nearest one.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    slon, slat = stations["lon"].to_numpy(dtype=float), stations["lat"].to_numpy(dtype=float)
    known = np.isfinite(lon) & np.isfinite(lat)
    dist = np.full(len(lon), np.nan)
    if not known.any() or not len(slon):
        return dist
    x, y = geo.lonlat_to_l93(lon[known], lat[known])
    sx, sy = geo.lonlat_to_l93(slon, slat)
    margin = SEARCH_START_M
    while True:
        inside = ((sx >= x.min() - margin) & (sx <= x.max() + margin)
                  & (sy >= y.min() - margin) & (sy <= y.max() + margin))
        if inside.any():
            dist[known] = geo.nearest_distance_m(lon[known], lat[known], slon[inside], slat[inside])
            if inside.all() or (dist[known] <= margin).all():
                return dist
        margin *= SEARCH_GROWTH


def crop_stations(stations: pd.DataFrame, bureaux: gpd.GeoDataFrame, *, margin_m: float = 3000) -> pd.DataFrame:
    """Stations within ``margin_m`` of the territory (a station across the border still counts)."""
    area = bureaux.to_crs(geo.LAMBERT93).union_all().buffer(margin_m)
    x, y = geo.lonlat_to_l93(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    inside = shapely.contains_xy(area, x, y)
    return stations[inside].reset_index(drop=True)


IDFM_SOURCE = Source("idfm_gares", "Emplacement des gares IDF", "Île-de-France Mobilités", "ODbL",
                     "https://data.iledefrance-mobilites.fr/explore/dataset/emplacement-des-gares-idf/",
                     ["idfm_gares/emplacement-des-gares-idf.csv.gz"])
SNCF_SOURCE = Source("sncf_gares", "Liste des gares", "SNCF Réseau", "ODbL (à confirmer)",
                     "https://data.sncf.com/explore/dataset/liste-des-gares/", ["sncf_gares/liste-des-gares.csv.gz"])


def read_idfm_stations(path: Path) -> pd.DataFrame:
    """IDFM stations, one row per zone de correspondance (a physical station), modes merged."""
    raw = read_text_table(path, encoding="utf-8-sig")
    require_columns(raw, ["id_ref_zdc", "nom_zdc", "mode", "x", "y"], source=str(path))
    raw = raw.assign(x=pd.to_numeric(raw["x"]), y=pd.to_numeric(raw["y"]))
    grouped = raw.groupby("id_ref_zdc").agg(
        name=("nom_zdc", "first"), x=("x", "mean"), y=("y", "mean"),
        modes=("mode", lambda m: ", ".join(sorted(set(m.str.replace("TRAMWAY", "TRAM"))))))
    if grouped.empty:
        raise BuildError("aucune gare lue dans ce fichier.", source=str(path))
    pts = gpd.GeoSeries(gpd.points_from_xy(grouped["x"], grouped["y"]), crs=geo.LAMBERT93)
    pts = pts.to_crs(geo.WGS84)
    return pd.DataFrame({
        "station_id": "IDFM:" + grouped.index.astype(str),
        "name": grouped["name"].to_numpy(), "modes": grouped["modes"].to_numpy(),
        "source": "IDFM", "lon": pts.x.round(6).to_numpy(), "lat": pts.y.round(6).to_numpy(),
    })


def read_sncf_stations(path: Path) -> pd.DataFrame:
    """SNCF passenger stations, deduplicated on ``code_uic``."""
    raw = read_text_table(path, encoding="utf-8-sig")
    require_columns(raw, ["code_uic", "libelle", "voyageurs", "x_wgs84", "y_wgs84"], source=str(path))
    raw = raw[raw["voyageurs"] == "O"].drop_duplicates("code_uic")
    if raw.empty:
        raise BuildError("aucune gare de voyageurs lue dans ce fichier.", source=str(path))
    return pd.DataFrame({
        "station_id": "SNCF:" + raw["code_uic"].astype(str), "name": raw["libelle"],
        "modes": "TRAIN", "source": "SNCF",
        "lon": pd.to_numeric(raw["x_wgs84"]).round(6), "lat": pd.to_numeric(raw["y_wgs84"]).round(6),
    }).dropna(subset=["lon", "lat"]).reset_index(drop=True)


def shipped_stations(raw_dir: Path) -> pd.DataFrame:
    """IDFM then SNCF stations from the project's ``raw/`` copies (Paris and Antony builds)."""
    return merge_stations(read_idfm_stations(raw_path(raw_dir, "idfm_gares", "emplacement-des-gares-idf.csv.gz")),
                          read_sncf_stations(raw_path(raw_dir, "sncf_gares", "liste-des-gares.csv.gz")))
