"""Bureau contours: Etalab's national file (attribute filter while reading) or a city's own file
(through a :class:`~lib.datasets.citymap.ContourMap`), schema and geometries checked in French."""

from __future__ import annotations

import io
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from lib import geo
from lib.datasets import citymap
from lib.datasets.archives import GZIP_MAGIC, magic, open_binary
from lib.datasets.crop import Crop
from lib.errors import BuildError

CONTOUR_COLUMNS = ("codeBureauVote", "codeCommune", "nomCommune")
FILTER_COLUMN = re.compile(r"\b(\w+)\s+(?:IN\b|=)")


def read_contours(path: Path, crop: Crop) -> gpd.GeoDataFrame:
    """The territory's features of the contours: Etalab names (attribute filter while reading), or a
    city's own names through ``crop.contour_map`` (read whole, mapped, then filtered in pandas).

    The schema is checked first, so every missing column is named in one message, never as an
    OGR SQL error on the first one.
    """
    source = _vector_source(path)
    fields = vector_fields(source, path)
    mapping = crop.contour_map
    if mapping is not None and mapping.given:
        if mapping.missing(fields):
            raise BuildError(citymap.missing_columns_message(mapping.missing(fields), fields), source=str(path))
        gdf = citymap.to_etalab(_read_vector_source(source, path), mapping, source=str(path))
        gdf = _kept(gdf, crop, path)
    else:
        _require_fields([*CONTOUR_COLUMNS, *_filter_columns(crop)], fields, path)
        gdf = _read_vector_source(source, path, where=_where(crop))
    if gdf.empty:
        return gdf
    check_geometries(gdf, path, id_column="codeBureauVote")
    return gdf.to_crs(geo.WGS84)


def _vector_source(path: Path) -> Path | bytes:
    """The file itself, or its decompressed bytes when it is gzipped (capped: a bomb stops early)."""
    if magic(path).startswith(GZIP_MAGIC):
        with open_binary(path) as fh:
            return fh.read()
    return Path(path)


def vector_fields(source: Path | bytes, path: Path) -> list[str]:
    """Property names of a vector file, read from its schema (no feature is loaded)."""
    try:
        return [str(f) for f in pyogrio.read_info(source)["fields"]]
    except Exception as err:  # pyogrio raises several types for malformed files
        raise BuildError(f"contours illisibles : ce n'est pas un fichier GeoJSON ou GeoPackage lisible "
                         f"({type(err).__name__}).", source=str(path)) from err


def _read_vector_source(source: Path | bytes, path: Path, *, where: str | None = None) -> gpd.GeoDataFrame:
    """All features (or those of ``where``, on columns already checked), with a French error."""
    try:
        return gpd.read_file(io.BytesIO(source) if isinstance(source, bytes) else source, where=where)
    except Exception as err:  # pyogrio raises several types for malformed files
        raise BuildError(f"géométries des contours illisibles ({type(err).__name__}).", source=str(path)) from err


def _require_fields(required: list[str], fields: list[str], path: Path) -> None:
    """Every Etalab column the read needs, or one message naming all that are missing."""
    missing = [c for c in dict.fromkeys(required) if c not in fields]
    if missing:
        raise BuildError(citymap.missing_columns_message(missing, fields), source=str(path))


def _filter_columns(crop: Crop) -> list[str]:
    """Columns the territory filter reads (``crop.keep``, or those named in ``crop.where``)."""
    return list(crop.keep) if crop.keep else FILTER_COLUMN.findall(crop.where or "")


def sql_filter(keep: dict[str, frozenset[str]]) -> str | None:
    """OGR SQL attribute filter from column → accepted values (columns checked present first)."""
    return " AND ".join(f"{col} IN ({', '.join(repr(v) for v in sorted(values))})"
                        for col, values in keep.items()) or None


def _where(crop: Crop) -> str | None:
    """The filter applied while reading Etalab contours: from ``crop.keep`` when set."""
    return sql_filter(crop.keep) if crop.keep else crop.where


def _kept(gdf: gpd.GeoDataFrame, crop: Crop, path: Path) -> gpd.GeoDataFrame:
    """The mapped features of the territory (``crop.keep``: column → accepted values)."""
    missing = [c for c in crop.keep if c not in gdf.columns]
    if missing:
        raise BuildError("les contours d'une ville n'ont pas de colonne de circonscription : construisez par "
                         "--commune (ou --departement).", source=str(path))
    mask = pd.Series(True, index=gdf.index)
    for col, values in crop.keep.items():
        mask &= gdf[col].astype(str).isin(values)
    return gdf[mask]


def check_geometries(gdf: gpd.GeoDataFrame, path: Path, *, id_column: str) -> None:
    """Empty shapes and coordinates that are not what the file's CRS says stop the build in French.

    Why: a Lambert-93 file without a CRS is taken for degrees (GeoJSON's default) and fails deep in
    GEOS (« Shell empty »); an empty shape fails later at « 'x' must be finite ».
    """
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise BuildError(f"{int(empty.sum())} bureau(x) sans géométrie, par exemple « {gdf.loc[empty, id_column].iloc[0]} » : "
                         "complétez ou retirez ces bureaux du fichier des contours.", source=str(path))
    minx, miny, maxx, maxy = gdf.total_bounds
    if (gdf.crs is None or gdf.crs.is_geographic) and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BuildError(f"coordonnées hors degrés (ex. {minx:.0f}, {miny:.0f}) alors que le fichier ne déclare pas "
                         "d'autre système : probablement du Lambert-93 sans CRS. Reprojetez-le en WGS84 "
                         "(ou déclarez EPSG:2154) puis relancez.", source=str(path))
    if gdf.crs is None:
        gdf.set_crs(geo.WGS84, inplace=True)
