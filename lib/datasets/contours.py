"""Bureau contours: Etalab's national file (attribute filter while reading) or a city's own file
(through a :class:`~lib.datasets.citymap.ContourMap`), schema and geometries checked in French.

A contours file is a GeoJSON (possibly gzipped), a shapefile (the ``.shp`` beside its ``.dbf``,
``.shx``, ``.prj``, ``.cpg``…), a GeoPackage, or a zip holding one shapefile or GeoPackage: the
formats cities publish (docs/national_build.md, « Contour formats »).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from lib import fr, geo
from lib.datasets import citymap
from lib.datasets.archives import (
    GZIP_MAGIC,
    ZIP_MAGIC,
    bomb_error,
    expansion_cap,
    magic,
    open_binary,
)
from lib.datasets.crop import Crop
from lib.errors import BuildError

CONTOUR_COLUMNS = ("codeBureauVote", "codeCommune", "nomCommune")
FILTER_COLUMN = re.compile(r"\b(\w+)\s+(?:IN\b|=)")
VECTOR_SUFFIXES = (".geojson", ".json", ".geojson.gz", ".json.gz", ".shp", ".gpkg")
ZIPPED_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")  # what a zip of contours may hold
SHAPEFILE_COMPANIONS = (".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml", ".qmd")


def is_companion(path: Path) -> bool:
    """True for a shapefile's side file (``bureaux.dbf``, ``.shx``, ``.prj``, ``.cpg``…) beside its
    ``.shp``: read with it, never a source of its own (nor « ignored »)."""
    name = Path(path).name
    sfx = next((s for s in SHAPEFILE_COMPANIONS if name.lower().endswith(s)), None)
    if sfx is None:
        return False
    base = name[: -len(sfx)]
    return any((Path(path).parent / (base + shp)).is_file() for shp in (".shp", ".SHP"))


def is_contour_file(path: Path) -> bool:
    """True for a file that may hold contours: GeoJSON, shapefile, GeoPackage, or a zip holding one."""
    path = Path(path)
    if path.name.lower().endswith(VECTOR_SUFFIXES):
        return True
    try:
        return path.name.lower().endswith(".zip") and bool(_zipped_vectors(path))
    except BuildError:
        return False


def _zipped_vectors(path: Path) -> list[str]:
    """Members of a zip that are vector files (a zip that would expand like a bomb is refused)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise BuildError(f"archive zip illisible ({err}).", source=str(path)) from err
    compressed = Path(path).stat().st_size
    if sum(i.file_size for i in infos) > expansion_cap(compressed):
        raise bomb_error(path, compressed)
    return [i.filename for i in infos if i.filename.lower().endswith(ZIPPED_VECTOR_SUFFIXES)
            and not Path(i.filename).name.startswith(".")]


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


def _vector_source(path: Path) -> Path | bytes | str:
    """The file itself; its decompressed bytes when it is gzipped (capped: a bomb stops early);
    the one shapefile or GeoPackage inside when it is a zip (read in place by GDAL)."""
    kind = magic(path)
    if kind.startswith(GZIP_MAGIC):
        with open_binary(path) as fh:
            return fh.read()
    if kind.startswith(ZIP_MAGIC):
        members = _zipped_vectors(path)
        if len(members) != 1:
            raise BuildError(f"l'archive doit contenir un seul fichier de contours (shapefile .shp avec ses "
                             f"fichiers .dbf, .shx, .prj, ou GeoPackage .gpkg) ; trouvé : "
                             f"{', '.join(members) or 'aucun'}.", source=str(path))
        return f"/vsizip/{Path(path).resolve()}/{members[0]}"
    return Path(path)


def _layer(source: Path | bytes | str, path: Path) -> str | None:
    """The layer to read: the only one, else the only polygon layer (a GeoPackage may also hold the
    polling places as points); several polygon layers are named, the user keeps one."""
    try:
        layers = pyogrio.list_layers(source)
    except Exception:  # pyogrio raises several types for malformed files: the schema read says it
        return None
    if len(layers) <= 1:
        return None
    polygons = [str(name) for name, kind in layers if "Polygon" in str(kind)]
    if len(polygons) == 1:
        return polygons[0]
    raise BuildError(f"le fichier contient plusieurs couches ({', '.join(str(name) for name, _ in layers)}) : "
                     "exportez seule la couche des périmètres des bureaux (polygones), puis relancez.", source=str(path))


def vector_fields(source: Path | bytes | str, path: Path) -> list[str]:
    """Property names of a vector file, read from its schema (no feature is loaded)."""
    layer = _layer(source, path)
    try:
        return [str(f) for f in pyogrio.read_info(source, layer=layer)["fields"]]
    except Exception as err:  # pyogrio raises several types for malformed files
        raise BuildError("contours illisibles : ce n'est pas un fichier GeoJSON, shapefile (.shp avec ses fichiers "
                         f".dbf et .shx à côté) ou GeoPackage lisible ({type(err).__name__}).", source=str(path)) from err


def contour_fields(path: Path) -> list[str]:
    """Property names of a contours file, whatever its format (GeoJSON, shapefile, GeoPackage, zip)."""
    return vector_fields(_vector_source(path), path)


def _read_vector_source(source: Path | bytes | str, path: Path, *, where: str | None = None) -> gpd.GeoDataFrame:
    """All features (or those of ``where``, on columns already checked), with a French error."""
    layer = _layer(source, path)
    try:
        return gpd.read_file(io.BytesIO(source) if isinstance(source, bytes) else source, where=where, layer=layer)
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
    """Contours mostly without shapes, and coordinates that are not what the file's CRS says, stop
    the build in French. A few bureaux without a shape go on (:func:`shapeless`).

    Why: a Lambert-93 file without a CRS is taken for degrees (GeoJSON's default) and fails deep in
    GEOS (« Shell empty »); Toulouse's official file holds one bureau without a shape among 277,
    which must not cost a campaign the other 276.
    """
    empty = shapeless(gdf)
    if 2 * empty.sum() > len(gdf):
        kinds = sorted(set(gdf.geometry[empty].dropna().geom_type) - {"Polygon", "MultiPolygon"})
        raise BuildError(f"{int(empty.sum())} bureau(x) sur {len(gdf)} sans polygone (par exemple "
                         f"« {gdf.loc[empty, id_column].iloc[0]} »"
                         + (f" ; géométries trouvées : {', '.join(kinds)}" if kinds else "") + ") : ce fichier ne "
                         "donne pas les périmètres des bureaux. Vérifiez qu'il s'agit du fichier des périmètres "
                         "(polygones), complet — pas de celui des lieux de vote (points).", source=str(path))
    if gdf.crs is None:
        gdf.set_crs(geo.WGS84, inplace=True)  # a shapefile without .prj: read as degrees, then checked
    check_crs(gdf[~empty], path)


def shapeless(gdf: gpd.GeoDataFrame) -> pd.Series:
    """True for the features without a bureau's shape: missing, empty, or not polygonal (a point)."""
    polygonal = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    return gdf.geometry.isna() | gdf.geometry.is_empty | ~polygonal


def check_crs(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """The contours, read in their declared CRS, must fall where their bureaux are: in France, and in
    the part of France of their départements (``codeDepartement``).

    Why: a city shapefile whose .prj declares a conic conformal zone (EPSG:3946) while its
    coordinates are degrees was reprojected into the Gulf of Guinea; every bureau came out
    0 m², all were set aside and the map was empty, without a word.
    """
    parts = gdf.groupby(gdf["codeDepartement"].map(geo.france_box)) if "codeDepartement" in gdf else [(None, gdf)]
    for box_key, part in parts:
        bounds = tuple(float(v) for v in part.total_bounds)
        wgs84 = geo.bounds_in_wgs84(bounds, gdf.crs)
        boxes = [geo.FRANCE_BOXES[box_key]] if box_key else list(geo.FRANCE_BOXES.values())
        if not any(geo.box_holds(box, wgs84) for _, box in boxes):
            raise BuildError(crs_message(path, gdf.crs, bounds, wgs84, boxes[0] if box_key else None),
                             source=str(path))


def crs_message(path: Path, crs: object, bounds: tuple[float, ...], wgs84: tuple[float, ...] | None,
                expected: tuple[str, tuple[float, ...]] | None) -> str:
    """What the file declares, what its coordinates look like, where they would land, what to do."""
    declared = pyproj.CRS.from_user_input(crs)
    epsg = declared.to_epsg()
    short = f"EPSG:{epsg}" if epsg else declared.name
    name = f"{short} ({declared.name})" if epsg else short
    digits = 2 if max(abs(v) for v in bounds) < 1_000 else 0
    x0, y0, x1, y1 = (fr.number(v, digits) for v in bounds)
    where, box = expected or ("en France", geo.FRANCE_BOXES["métropole"][1])
    likely = geo.likely_crs(bounds, box)
    landing = (f"Lues en {short}, elles tombent vers longitude {fr.number((wgs84[0] + wgs84[2]) / 2, 1)}, latitude "
               f"{fr.number((wgs84[1] + wgs84[3]) / 2, 1)}, pas {where}" if wgs84 else
               f"Lues en {short}, elles ne correspondent à aucun lieu sur Terre, encore moins {where}")
    return (f"projection des contours incohérente : le fichier {Path(path).name} déclare {name}, mais ses coordonnées "
            f"vont de {x0} à {x1} (x) et de {y0} à {y1} (y) — {_looks_like(likely)} {landing}. Corrigez la "
            "projection déclarée (le fichier .prj d'un shapefile, le membre « crs » d'un GeoJSON)"
            + (f" : {likely} les place bien {where}" if likely else "")
            + f", ou reprojetez le fichier en WGS84 ({geo.WGS84}, par exemple « ogr2ogr -t_srs {geo.WGS84} »), "
            "puis relancez.")


def _looks_like(likely: str | None) -> str:
    """« des degrés (longitude, latitude) ? »: the projection the coordinates seem to be in."""
    if likely is None:
        return "aucune projection courante en France ne les place dans le territoire."
    if likely == geo.WGS84:
        return "des degrés (longitude, latitude) ?"
    if likely == geo.LAMBERT93:
        return f"du Lambert-93 ({geo.LAMBERT93}) ?"
    return f"du {pyproj.CRS.from_user_input(likely).name} ({likely}) ?"
