"""INSEE Filosofi 200 m squares: read around a territory (GeoJSON, GeoPackage or INSEE's zip → 7z
archive), spread over the bureaux by areal weighting, turned into indicators and population points."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from lib import geo
from lib.datasets.archives import (
    SEVEN_ZIP_MAGIC,
    ZIP_MAGIC,
    bomb_error,
    expansion_cap,
    magic,
    read_vector,
)
from lib.datasets.crop import Crop
from lib.datasets.raw import Indicator
from lib.errors import BuildError

FILOSOFI_COUNTS = ["ind", "men", "men_pauv", "ind_snv", "log_av45", "log_45_70", "log_70_90",
                   "log_ap90", "log_inc", "log_soc", "ind_65_79", "ind_80p", "ind_18_24", "men_prop"]
FILOSOFI_LABEL = "INSEE Filosofi 2019, carreaux 200 m (pondération surfacique)"


def areal_filosofi(squares: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> pd.DataFrame:
    """Filosofi counts per bureau by areal weighting of the 200 m squares (Lambert-93).

    Each square's counts are split by the share of its area inside each bureau: the standard
    assumption that people are spread evenly within a 200 m square.
    """
    sq = squares[[*FILOSOFI_COUNTS, "geometry"]].to_crs(geo.LAMBERT93)
    sq["sq_area"] = sq.area
    pieces = gpd.overlay(sq, bureaux[["bureau_id", "geometry"]].to_crs(geo.LAMBERT93),
                         how="intersection", keep_geom_type=True)
    share = pieces.area / pieces["sq_area"]
    counts = pieces[FILOSOFI_COUNTS].apply(pd.to_numeric, errors="coerce").mul(share, axis=0)
    return counts.assign(bureau_id=pieces["bureau_id"]).groupby("bureau_id").sum(min_count=1)


def filosofi_indicators(agg: pd.DataFrame) -> list[Indicator]:
    """The indicators the squares give, from the per-bureau sums of :func:`areal_filosofi`."""
    dwellings = agg[["log_av45", "log_45_70", "log_70_90", "log_ap90", "log_inc"]].sum(axis=1)
    f = FILOSOFI_LABEL
    return [
        Indicator("social_housing", "Part de logements sociaux", "% des logements", f, 2019,
                  "log_soc ÷ (log_av45 + log_45_70 + log_70_90 + log_ap90 + log_inc) × 100",
                  values=agg["log_soc"] / dwellings * 100),
        Indicator("poverty_rate", "Ménages pauvres", "% des ménages", f, 2019,
                  "men_pauv ÷ men × 100 (ménages sous le seuil de pauvreté à 60 %)",
                  values=agg["men_pauv"] / agg["men"] * 100),
        Indicator("mean_living_standard", "Niveau de vie moyen", "€ par personne et par an", f, 2019,
                  "ind_snv ÷ ind (somme des niveaux de vie winsorisés ÷ individus)",
                  values=agg["ind_snv"] / agg["ind"]),
        Indicator("seniors_share", "Part des 65 ans et plus", "% des habitants", f, 2019,
                  "(ind_65_79 + ind_80p) ÷ ind × 100",
                  values=(agg["ind_65_79"] + agg["ind_80p"]) / agg["ind"] * 100),
        Indicator("young_adults_share", "Part des 18-24 ans", "% des habitants", f, 2019,
                  "ind_18_24 ÷ ind × 100", values=agg["ind_18_24"] / agg["ind"] * 100),
        Indicator("owners_share", "Ménages propriétaires", "% des ménages", f, 2019,
                  "men_prop ÷ men × 100 (ménages propriétaires de leur logement)",
                  values=agg["men_prop"] / agg["men"] * 100),
    ]


def filosofi_weight_points(squares: gpd.GeoDataFrame) -> pd.DataFrame:
    """Square centres weighted by population: bureau centres when there is no BAN."""
    centroids = squares.to_crs(geo.LAMBERT93).centroid.to_crs(geo.WGS84)
    return pd.DataFrame({"lon": centroids.x, "lat": centroids.y,
                         "weight": pd.to_numeric(squares["ind"], errors="coerce").fillna(0)})


def _extract_gpkg(path: Path, tmp: Path) -> Path:
    """The GeoPackage inside INSEE's zip (itself holding a .7z), or inside a bare .7z."""
    import py7zr  # only this source needs it

    kind = magic(path)
    if kind.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > expansion_cap(path.stat().st_size):
                raise bomb_error(path, path.stat().st_size)
            inner = next((n for n in zf.namelist() if n.lower().endswith((".7z", ".gpkg", ".geojson"))), None)
            if inner is None:
                raise BuildError("archive sans fichier .7z ni .gpkg : ce n'est pas l'archive Filosofi de l'INSEE.",
                                 source=str(path))
            path = Path(zf.extract(inner, tmp))
        kind = magic(path)
    if kind.startswith(SEVEN_ZIP_MAGIC):
        with py7zr.SevenZipFile(path) as archive:
            if sum(f.uncompressed or 0 for f in archive.list()) > expansion_cap(path.stat().st_size):
                raise bomb_error(path, path.stat().st_size)
            names = [n for n in archive.getnames() if n.lower().endswith(".gpkg")]
            if not names:
                raise BuildError("archive .7z sans GeoPackage (.gpkg).", source=str(path))
            archive.extract(path=tmp, targets=names[:1])
        path = tmp / names[0]
    return path


def read_filosofi_squares(path: Path, crop: Crop) -> gpd.GeoDataFrame:
    """The 200 m squares around the territory, from a GeoJSON, a GeoPackage or INSEE's archive."""
    box = gpd.GeoSeries([shapely.box(*crop.bounds)], crs=geo.WGS84) if crop.bounds else None
    with tempfile.TemporaryDirectory(prefix="terrain_filosofi_") as tmp:
        try:
            inner = _extract_gpkg(Path(path), Path(tmp))
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            raise BuildError(f"archive Filosofi illisible ({type(err).__name__}).", source=str(path)) from err
        squares = read_vector(inner, bbox=box) if box is not None else read_vector(inner)
    squares = squares.to_crs(geo.WGS84)
    if crop.bounds:
        minx, miny, maxx, maxy = crop.bounds
        squares = squares.cx[minx:maxx, miny:maxy]
    return squares
