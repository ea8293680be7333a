"""Railway, metro and tram stations: lists merged (one station listed by IDFM and SNCF is marked,
not counted twice) and cropped to a territory."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from lib import fr, geo
from lib.contract import STATIONS_COLUMNS

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


def crop_stations(stations: pd.DataFrame, bureaux: gpd.GeoDataFrame, *, margin_m: float = 3000) -> pd.DataFrame:
    """Stations within ``margin_m`` of the territory (a station across the border still counts)."""
    area = bureaux.to_crs(geo.LAMBERT93).union_all().buffer(margin_m)
    x, y = geo.lonlat_to_l93(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    inside = shapely.contains_xy(area, x, y)
    return stations[inside].reset_index(drop=True)
