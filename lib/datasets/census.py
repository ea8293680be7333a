"""INSEE census tables by IRIS (« bases infracommunales ») per bureau, through the IGN IRIS contours.

Reads the four tables as INSEE publishes them — ``base-ic-evol-struct-pop-AAAA_csv.zip``,
``base-ic-activite-residents-AAAA_csv.zip``, ``base-ic-diplomes-formation-AAAA_csv.zip``,
``base-ic-logement-AAAA_csv.zip``: a zip holding ``base-ic-….CSV`` (« ; », decimal point) and its
``meta_…`` dictionary, or the CSV itself — whatever the census year (the ``P21_``/``C21_`` prefixes
say it), keeps the territory's IRIS (Paris, Lyon, Marseille by their arrondissements) and the
variables the criteria need, then gives each bureau its share of every IRIS count.

Why a spatial allocation: the « Liaison IRIS / Bureaux de vote » table (data.gouv.fr) was not found
with its published header, so no reader of it could be written from its layout. Each IRIS is split
over the bureaux by its BAN addresses (share of the IRIS's addresses in each bureau) or, where a
territory has no addresses, by area — and every criterion says so in its source.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from lib import geo
from lib.datasets.archives import (
    SEVEN_ZIP_MAGIC,
    ZIP_MAGIC,
    CappedReader,
    bomb_error,
    expansion_cap,
    magic,
    open_binary,
    read_vector,
)
from lib.datasets.crop import Crop
from lib.datasets.plm import PARENT
from lib.errors import BuildError

AGES_18P = ["P_POP1824", "P_POP2539", "P_POP4054", "P_POP5564", "P_POP6579", "P_POP80P"]  # exact bands, 18+
CSP_2003 = {"cadres": "C_POP15P_CS3", "employes": "C_POP15P_CS5", "ouvriers": "C_POP15P_CS6"}  # until 2021
CSP_2020 = {"cadres": "C_POP15P_STAT_GSEC13_23", "employes": "C_POP15P_STAT_GSEC15_25",
            "ouvriers": "C_POP15P_STAT_GSEC16_26"}  # PCS 2020, from 2022: retired people in their former group


@dataclass(frozen=True)
class Table:
    """One INSEE IRIS table: its source id, published stem and the variables the criteria read."""

    source: str
    stem: str
    needs: tuple[str, ...]


TABLES = (
    Table("iris_population", "base-ic-evol-struct-pop", ("P_POP", *AGES_18P, "P_POP65P", "P_POP_FR", "C_POP15P")),
    Table("iris_activite", "base-ic-activite-residents", ("P_ACT1564", "P_CHOM1564")),
    Table("iris_diplomes", "base-ic-diplomes-formation",
          ("P_NSCOL15P", "P_NSCOL15P_DIPLMIN", "P_NSCOL15P_SUP2", "P_NSCOL15P_SUP34", "P_NSCOL15P_SUP5")),
    Table("iris_logement", "base-ic-logement", ("P_RP", "P_RP_PROP", "P_RP_LOC", "P_RP_LOCHLMV")),
)
BY_SOURCE = {t.source: t for t in TABLES}
CONTOURS = "iris_contours"
YEARLESS = re.compile(r"^([PC])(\d{2})_")  # P21_POP → P_POP (year 2021)


def table_of(stem_or_name: str) -> Table | None:
    """The table a published name (``base-ic-logement-2021_csv.zip``, its ``.CSV``) belongs to."""
    name = Path(stem_or_name).name.lower()
    return next((t for t in TABLES if name.startswith(t.stem)), None)


def _member(zf: zipfile.ZipFile, path: Path) -> str:
    """The data CSV of an INSEE zip (not its ``meta_`` dictionary)."""
    names = [n for n in zf.namelist() if n.lower().endswith(".csv") and not Path(n).name.lower().startswith("meta_")]
    if not names:
        raise BuildError("archive sans fichier CSV de données : ce n'est pas une base IRIS de l'INSEE.", source=str(path))
    return names[0]


def open_table(path: Path) -> io.TextIOBase:
    """The table's text: the CSV inside INSEE's zip, or a (possibly gzipped) CSV given as is.

    Latin-1: the columns kept (IRIS code, counts) are ASCII whatever the file's encoding.
    """
    if magic(path).startswith(ZIP_MAGIC):
        zf = zipfile.ZipFile(path)
        if sum(i.file_size for i in zf.infolist()) > expansion_cap(path.stat().st_size):
            raise bomb_error(path, path.stat().st_size)
        return io.TextIOWrapper(CappedReader(zf.open(_member(zf, path)), path), encoding="latin-1")
    return io.TextIOWrapper(open_binary(path), encoding="latin-1")


def census_year(columns: Iterable[str]) -> int:
    """2021 for a header of ``P21_…`` columns (the census year the prefixes carry)."""
    years = {m.group(2) for c in columns if (m := YEARLESS.match(c))}
    if len(years) != 1:
        raise BuildError("en-tête sans préfixe d'année unique (« P21_… ») : ce n'est pas une base IRIS de l'INSEE.")
    return 2000 + int(years.pop())


def in_territory(iris_codes: pd.Series, communes: set[str]) -> pd.Series:
    """IRIS whose commune (its first five characters; an arrondissement counts for its city) is kept."""
    commune = iris_codes.astype(str).str[:5]
    return commune.isin(communes) | commune.map(PARENT).isin(communes)


def read_iris_table(path: Path, crop: Crop) -> pd.DataFrame:
    """One INSEE IRIS table cropped to the territory: index IRIS, yearless numeric columns
    (``P_POP``…), the census year in ``attrs["year"]``; a missing variable is named in French."""
    table = table_of(path.name)
    with open_table(Path(path)) as text:
        header = text.readline().strip().lstrip("\ufeffï»¿").replace('"', "").split(";")  # a UTF-8 BOM read as Latin-1
        year = census_year(header)
        yearless = {YEARLESS.sub(r"\1_", c): c for c in header}
        table = table or next((t for t in TABLES if set(t.needs) <= set(yearless)), None)
        wanted = _wanted(table, yearless, path)
        rows = pd.read_csv(text, sep=";", names=header, usecols=["IRIS", *wanted], dtype=str)
    rows = rows[in_territory(rows["IRIS"], crop.communes)].set_index("IRIS")
    numbers = rows.apply(lambda col: pd.to_numeric(col.str.replace(",", ".", regex=False), errors="coerce"))
    numbers.columns = [YEARLESS.sub(r"\1_", c) for c in numbers.columns]
    numbers = numbers.rename(columns={v: k for csp in (CSP_2003, CSP_2020) for k, v in csp.items()})
    numbers.attrs["year"] = year
    return numbers


def _wanted(table: Table | None, yearless: Mapping[str, str], path: Path) -> list[str]:
    """The published column names to read (the table's needs, the CSP of its nomenclature)."""
    if "IRIS" not in yearless or table is None:
        raise BuildError("colonne « IRIS » ou variables attendues absentes : ce n'est pas une base IRIS de l'INSEE "
                         f"(colonnes lues : {', '.join(list(yearless.values())[:8])}…).", source=str(path))
    needs = list(table.needs)
    if table.source == "iris_population":
        needs += (CSP_2003 if CSP_2003["cadres"] in yearless else CSP_2020).values()
    missing = [n for n in needs if n not in yearless]
    if missing:
        raise BuildError(f"variables manquantes : {', '.join(missing)} (sans l'année : P21_POP s'écrit P_POP).",
                         source=str(path))
    return [yearless[n] for n in needs]


IRIS_CODE_COLUMNS = ("CODE_IRIS", "code_iris")  # IGN CONTOURS-IRIS 2.x, 3.x (and IRIS GE)
SHAPE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg")


def _extract_7z(path: Path, tmp: Path) -> list[Path]:
    """The IRIS layers inside IGN's .7z (GeoPackage, or shapefiles with their side files)."""
    import py7zr  # only the IGN archives need it

    with py7zr.SevenZipFile(path) as archive:
        if sum(f.uncompressed or 0 for f in archive.list()) > expansion_cap(path.stat().st_size):
            raise bomb_error(path, path.stat().st_size)
        names = [n for n in archive.getnames() if n.lower().endswith(SHAPE_PARTS)]
        if not names:
            raise BuildError("archive .7z sans couche IRIS (.gpkg ou .shp).", source=str(path))
        archive.extract(path=tmp, targets=names)
    return sorted(tmp / n for n in names if n.lower().endswith((".shp", ".gpkg")))


def read_iris_contours(path: Path, crop: Crop) -> gpd.GeoDataFrame:
    """The territory's IRIS (``iris`` code, WGS84 geometry) from IGN's CONTOURS-IRIS: its .7z as
    published, or a GeoPackage, shapefile or GeoJSON taken out of it."""
    box = gpd.GeoSeries([shapely.box(*crop.bounds)], crs=geo.WGS84) if crop.bounds else None
    with tempfile.TemporaryDirectory(prefix="terrain_iris_") as tmp:
        layers = _extract_7z(Path(path), Path(tmp)) if magic(path).startswith(SEVEN_ZIP_MAGIC) else [Path(path)]
        parts = [read_vector(p, bbox=box) if box is not None else read_vector(p) for p in layers]
    return _territory_iris([p for p in parts if len(p)], crop, path)


def _territory_iris(parts: list[gpd.GeoDataFrame], crop: Crop, path: Path) -> gpd.GeoDataFrame:
    """Every layer's IRIS of the territory, one ``iris`` column, valid WGS84 shapes."""
    frames = []
    for part in parts:
        code = next((c for c in IRIS_CODE_COLUMNS if c in part.columns), None)
        if code is None:
            raise BuildError(f"colonne CODE_IRIS absente (colonnes lues : {', '.join(map(str, part.columns[:8]))}…) : "
                             "ce ne sont pas les contours IRIS de l'IGN.", source=str(path))
        part = part.to_crs(geo.WGS84)
        frames.append(gpd.GeoDataFrame({"iris": part[code].astype(str)}, geometry=part.geometry.to_numpy(),
                                       crs=geo.WGS84))
    if not frames:
        return gpd.GeoDataFrame({"iris": pd.Series(dtype=str)}, geometry=[], crs=geo.WGS84)
    iris = pd.concat(frames, ignore_index=True)
    return geo.make_valid(iris[in_territory(iris["iris"], crop.communes)].reset_index(drop=True))


def locate_census(folder: Path) -> dict[str, Path]:
    """Source id → file for the IRIS tables (by their published stem, any year) and the IRIS
    contours (a .7z, GeoPackage, shapefile or GeoJSON named after IRIS) found in ``folder``."""
    found: dict[str, Path] = {}
    for path in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
        table = table_of(path.name)
        if table and table.source not in found:
            found[table.source] = path
        elif not table and "iris" in path.name.lower() and path.suffix.lower() in (".7z", ".gpkg", ".shp", ".geojson"):
            found.setdefault(CONTOURS, path)
    return found
