"""Readers of the source files every territory build shares, side by side.

Paris, Antony and the national build are siblings: none imports another. What they share lives
here: opening (possibly compressed) files, the station lists (IDFM, SNCF), the BAN addresses,
the Filosofi 200 m squares (areal weighting) and the Ministère de l'Intérieur results files
cropped to a territory while they are read.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from lib import geo, minint
from lib.contract import RESULTS_COLUMNS
from lib.datasets import citymap
from lib.datasets.raw import Indicator, Source, raw_path, require_columns
from lib.datasets.stations import merge_stations
from lib.errors import BuildError, TerrainError

# ---------------------------------------------------------------------------------------------
# Opening files
# ---------------------------------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"


def magic(path: Path) -> bytes:
    """The first bytes of a file: its real kind, whatever its suffix says."""
    with open(path, "rb") as fh:
        return fh.read(6)


MAX_RATIO = 100  # real gzip/zip/7z sources expand 5–15×; a bomb expands 1,000×
MIN_CAP = 64 << 20  # small files may expand more, up to this many bytes


def expansion_cap(compressed: int) -> int:
    """Most bytes a compressed source of ``compressed`` bytes may expand to."""
    return max(MIN_CAP, MAX_RATIO * compressed)


def bomb_error(path: Path, compressed: int) -> BuildError:
    return BuildError(f"archive qui se décompresse au-delà de {expansion_cap(compressed) >> 20} Mo (plus de "
                      f"{MAX_RATIO} fois sa taille) : fichier piégé ou corrompu, lecture arrêtée. Re-téléchargez-le "
                      "depuis la page officielle.", source=str(path))


class CappedReader(io.BufferedIOBase):
    """A decompressing stream that stops, with a French error, past :func:`expansion_cap`."""

    def __init__(self, inner: BinaryIO, path: Path) -> None:
        self.inner, self.path, self.total = inner, path, 0
        self.compressed = Path(path).stat().st_size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.inner.read(-1 if size is None else size)
        self.total += len(data)
        if self.total > expansion_cap(self.compressed):
            raise bomb_error(self.path, self.compressed)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 1 << 16)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_binary(path: Path) -> BinaryIO:
    """A file opened for reading, decompressed when it is gzip (sniffed, not guessed from « .gz »).

    Why: the SNCF and IDFM exports are plain CSV that browsers save as ``.csv.gz``; and a gzip
    bomb posing as a stations file must stop early, not fill the memory.
    """
    if magic(path).startswith(GZIP_MAGIC):
        return CappedReader(gzip.open(path, "rb"), path)
    return open(path, "rb")


def detect_encoding(path: Path, *, chunk: int = 1 << 20) -> str:
    """``utf-8-sig`` when the whole (decompressed) stream is UTF-8, else ``cp1252``.

    An incremental decoder reads the file once in chunks: a chunk boundary inside « é » is
    carried over, not taken for a Latin-1 byte (the 200,000-byte sniff did exactly that).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_binary(path) as fh:
            for block in iter(lambda: fh.read(chunk), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    except (EOFError, OSError) as err:
        raise BuildError(f"fichier tronqué ou corrompu ({err}).", source=str(path)) from err
    return "utf-8-sig"


def read_text_table(path: Path, *, sep: str = ";", dtype: Any = str, **kwargs: Any) -> pd.DataFrame:
    """Read a (possibly gzipped) CSV with a French error on truncation or bad layout."""
    try:
        with open_binary(path) as fh:
            return pd.read_csv(fh, sep=sep, dtype=dtype, **kwargs)
    except BuildError:
        raise
    except (EOFError, OSError, gzip.BadGzipFile) as err:
        raise BuildError(f"fichier tronqué ou corrompu ({err}).", source=str(path)) from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise BuildError(f"mise en forme inattendue ({err}).", source=str(path)) from err


def read_vector(path: Path, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read a GeoJSON/GeoPackage (possibly gzipped) with a French error when it cannot be read."""
    try:
        if magic(path).startswith(GZIP_MAGIC):
            with open_binary(path) as fh:
                return gpd.read_file(io.BytesIO(fh.read()), **kwargs)
        return gpd.read_file(path, **kwargs)
    except BuildError:
        raise
    except Exception as err:  # pyogrio raises several types for broken files
        raise BuildError(f"géométries illisibles ({type(err).__name__}: {err}).",
                         source=str(path)) from err


# ---------------------------------------------------------------------------------------------
# Stations
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# BAN addresses
# ---------------------------------------------------------------------------------------------

PLM = {  # Paris, Lyon, Marseille: the commune and its municipal arrondissements (INSEE codes)
    "75056": tuple(f"751{i:02d}" for i in range(1, 21)),
    "69123": tuple(f"6938{i}" for i in range(1, 10)),
    "13055": tuple(f"132{i:02d}" for i in range(1, 17)),
}


def plm_codes(communes: set[str] | frozenset[str]) -> set[str]:
    """``communes`` plus, for Paris, Lyon and Marseille, the arrondissement codes (and back).

    Why: the BAN (and some files) code a Paris address 75101–75120, never 75056; a build of
    ``--commune 75056`` would otherwise find no address at all.
    """
    out = set(communes)
    for city, arrondissements in PLM.items():
        if city in out or out & set(arrondissements):
            out |= {city, *arrondissements}
    return out


ADDRESS_COLUMNS = ["address_id", "number", "street", "postcode", "commune_code", "label", "lon", "lat"]
BAN_COLUMNS = ["id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat"]


def read_ban(path: Path, communes: set[str] | None = None, *, town: str | None = None,
             chunk_rows: int = 200_000) -> pd.DataFrame:
    """BAN addresses (of ``communes`` only when given) in contract columns, read by chunks.

    ``town`` replaces the BAN commune name in labels (« Paris » rather than « Paris 1er
    Arrondissement »). The bureau is assigned later, by point in polygon.
    """
    frames, rows = [], 0
    try:
        with open_binary(path) as fh:
            for chunk in pd.read_csv(fh, sep=";", dtype=str, chunksize=chunk_rows, keep_default_na=False):
                rows += len(chunk)
                require_columns(chunk, BAN_COLUMNS, source=str(path))
                keep = chunk["code_insee"].isin(plm_codes(communes)) if communes is not None else slice(None)
                frames.append(chunk[keep])
    except (EOFError, OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise BuildError(f"fichier d'adresses tronqué ou mal formé ({err}).", source=str(path)) from err
    if not rows:
        raise BuildError("aucune adresse lue : fichier BAN vide ou tronqué. Re-téléchargez-le.", source=str(path))
    raw = pd.concat(frames, ignore_index=True)
    number = raw["numero"].str.strip() + raw["rep"].str.strip().str.lower()
    place = town if town is not None else raw["nom_commune"]
    out = pd.DataFrame({"address_id": raw["id"], "number": number, "street": raw["nom_voie"],
                        "postcode": raw["code_postal"], "commune_code": raw["code_insee"],
                        "label": number + " " + raw["nom_voie"] + ", " + raw["code_postal"] + " " + place,
                        "lon": pd.to_numeric(raw["lon"], errors="coerce"),
                        "lat": pd.to_numeric(raw["lat"], errors="coerce")}, columns=ADDRESS_COLUMNS)
    return out.dropna(subset=["lon", "lat"]).drop_duplicates("address_id").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Filosofi 200 m squares
# ---------------------------------------------------------------------------------------------

FILOSOFI_COUNTS = ["ind", "men", "men_pauv", "ind_snv", "log_av45", "log_45_70", "log_70_90",
                   "log_ap90", "log_inc", "log_soc", "ind_65_79", "ind_80p"]
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
    """The four indicators the squares give, from the per-bureau sums of :func:`areal_filosofi`."""
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
    ]


def filosofi_weight_points(squares: gpd.GeoDataFrame) -> pd.DataFrame:
    """Square centres weighted by population: bureau centres when there is no BAN."""
    centroids = squares.to_crs(geo.LAMBERT93).centroid.to_crs(geo.WGS84)
    return pd.DataFrame({"lon": centroids.x, "lat": centroids.y,
                         "weight": pd.to_numeric(squares["ind"], errors="coerce").fillna(0)})


# ---------------------------------------------------------------------------------------------
# Ministère de l'Intérieur results, cropped while read
# ---------------------------------------------------------------------------------------------

@dataclass
class Crop:
    """What a reader keeps: the territory's communes and bounds; what it left out is noted here."""

    communes: set[str]
    bounds: tuple[float, float, float, float] | None = None  # lon/lat box of the territory
    where: str | None = None  # OGR SQL attribute filter on the contours
    keep: dict[str, frozenset[str]] = field(default_factory=dict)  # contours: column → accepted values
    contour_map: citymap.ContourMap | None = None  # a city's own contour columns
    election: str = ""
    notes: list[str] = field(default_factory=list)


def read_header(path: Path, encoding: str) -> tuple[list[str], str]:
    """Header columns and separator of a results file (the whole first line, however long)."""
    with io.TextIOWrapper(open_binary(path), encoding=encoding, errors="replace") as fh:
        line = fh.readline()
    if len(line) > 5_000_000:
        raise BuildError("en-tête de plus de 5 millions de caractères : ce n'est pas un fichier de résultats.",
                         source=str(path))
    sep = minint.sniff_separator(line, name=str(path))
    cols = [c.strip().strip('"') for c in line.rstrip("\r\n").split(sep)]
    if len(cols) < 5:
        raise BuildError("mise en forme inattendue : trop peu de colonnes.", source=str(path))
    return cols, sep


ABROAD = "étranger"


def _commune_of_line(cols: list[str], sep: str, *, source: str) -> Callable[[str], str]:
    """A cheap reader of a line's INSEE commune code (before any parsing); overseas codes mapped,
    Français de l'étranger (``ZZ``) as :data:`ABROAD`."""
    folded = [minint.fold_header(c) for c in cols[:8]]
    com_i = next((i for i, c in enumerate(folded) if c in ("code commune", "code de la commune")), None)
    dep_i = next((i for i, c in enumerate(folded) if c in ("code departement", "code du departement")), None)
    if com_i is None:
        raise BuildError("colonne « Code commune » (ou « Code de la commune ») introuvable parmi les premières "
                         f"colonnes ({', '.join(c[:40] for c in cols[:8])}) : ce n'est pas un fichier de résultats par bureau.",
                         source=source)

    def commune(line: str) -> str:
        fields = line.split(sep, 8)
        if len(fields) <= com_i:
            return ""
        com = fields[com_i].strip().strip('"')
        if len(com) < 5 and dep_i is not None:
            return minint.insee_commune(fields[dep_i].strip().strip('"'), com) or ABROAD
        return com
    return commune


def _kept_lines(path: Path, encoding: str, cols: list[str], sep: str, crop: Crop) -> list[str]:
    """Header + the lines of the territory's communes; lines of Français de l'étranger counted."""
    commune = _commune_of_line(cols, sep, source=str(path))
    wanted = plm_codes(crop.communes)
    kept, abroad = [], 0
    with io.TextIOWrapper(open_binary(path), encoding=encoding, errors="replace") as fh:
        kept.append(fh.readline())
        for line in fh:
            code = commune(line)
            if code == ABROAD:
                abroad += 1
            elif code in wanted:
                kept.append(line)
    if abroad:
        crop.notes.append(f"{Path(path).name} : {abroad} ligne(s) des Français de l'étranger (code ZZ) laissées "
                          "de côté : aucun bureau sur la carte")
    return kept


def read_wide(path: Path, crop: Crop) -> pd.DataFrame:
    """Rows of the territory of a wide file (one row per bureau), kept line by line, then parsed.

    The text is decoded with the encoding of the whole file; only the kept lines are parsed, so
    a national file is never held in memory.
    """
    encoding = detect_encoding(path)
    cols, sep = read_header(path, encoding)
    kept = _kept_lines(path, encoding, cols, sep, crop)
    if len(kept) < 2:
        return pd.DataFrame(columns=RESULTS_COLUMNS)
    table = minint.read_table("".join(kept).encode("utf-8"), name=str(path))
    if minint.find_column(list(table.columns), "Voix") is not None:  # a long export with a wide file's name
        return minint.parse_long(table, election=crop.election, name=str(path))
    return minint.parse_wide(table, election=crop.election, name=str(path))


RESULT_LAYOUTS = ("minint_wide", "minint_wide_unnamed", "minint_wide_tab")


# ---------------------------------------------------------------------------------------------
# Filosofi squares from INSEE's archive (zip → 7z → GeoPackage)
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Etalab contours
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Recognising a file by its content (published names are shared, or lost in a download)
# ---------------------------------------------------------------------------------------------

def _head_text(path: Path, size: int = 65_536) -> str:
    """The first bytes as text: UTF-8 (a character cut at the end is fine), else Latin-1."""
    with open_binary(path) as fh:
        head = fh.read(size)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("latin-1")


def _results_source(cols: list[str], lines: list[str], sep: str) -> str | None:
    """Which election a results header belongs to (see docs/national_build.md, « Recognition »)."""
    folded = {minint.fold_header(c) for c in cols}
    voix = sum(1 for c in folded if re.fullmatch(r"voix \d+", c))
    if "code localisation" in folded:
        return "euro2024"
    if any(c.startswith("sieges au cm") for c in folded):
        return "mun2026t1"
    if "code b vote" in folded:
        return "mun2020t1"
    if "code bv" in folded and voix:
        return "leg2024t1" if voix > 4 else "leg2024t2"
    if "code du b vote" in folded:
        election = "leg2022" if "nuance" in folded else "pres2022"
        return election + ("t2" if _max_candidates(cols, lines, sep) <= 4 else "t1")
    return None


def _max_candidates(cols: list[str], lines: list[str], sep: str) -> int:
    """Most candidates in one bureau among the sample lines (wide rows, or long rows per bureau)."""
    start = next((i for i, c in enumerate(cols) if minint.fold_header(c) in ("n panneau", "n pan")), len(cols))
    block = max(1, len(cols) - start)
    widths = [-(-(len(line.split(sep)) - start) // block) for line in lines if line.strip()]
    per_bureau: dict[str, int] = {}
    for line in lines:
        key = sep.join(line.split(sep)[:start])
        per_bureau[key] = per_bureau.get(key, 0) + 1
    return max([*widths, *per_bureau.values(), 1])


TABLE_SIGNATURES = {"id_ref_zdc": "idfm_gares", "code_uic": "sncf_gares", "id_fantoir": "ban",
                    "idcar_200m": "filosofi_200m"}


def recognise(path: Path) -> str | None:
    """The source id of a file from its content, or None when it is none of ours."""
    kind = magic(path)
    if kind.startswith((ZIP_MAGIC, SEVEN_ZIP_MAGIC)) or Path(path).suffix.lower() == ".gpkg":
        return "filosofi_200m"
    try:
        head = _head_text(path)
    except (OSError, EOFError):
        return None
    if head.lstrip().startswith("{"):
        return "contours" if "codeBureauVote" in head else ("filosofi_200m" if "idcar_200m" in head else None)
    lines = head.splitlines()
    if not lines:
        return None
    for key, sid in TABLE_SIGNATURES.items():
        if key in lines[0]:
            return sid
    try:
        sep = minint.sniff_separator(lines[0], name=str(path))
    except TerrainError:
        return None
    cols = [c.strip().strip('"') for c in lines[0].split(sep)]
    return _results_source(cols, lines[1:-1], sep)


# ---------------------------------------------------------------------------------------------
# The registry: layout (config.toml [sources].layout) → reader
# ---------------------------------------------------------------------------------------------

Reader = Callable[[Path, Crop], Any]
LAYOUTS: dict[str, Reader] = {
    "etalab_contours": read_contours,
    "minint_wide": read_wide,  # 2024–2026: numbered blocks (« Voix 1 »…)
    "minint_wide_unnamed": read_wide,  # 2017–2022 .txt: later blocks unnamed; Latin-1
    "minint_wide_tab": read_wide,  # municipales 2020: tabulations, « Code B.Vote », « N.Pan. » blocks
    "ban_csv": lambda path, crop: read_ban(path, crop.communes),
    "idfm_csv": lambda path, crop: read_idfm_stations(path),
    "sncf_csv": lambda path, crop: read_sncf_stations(path),
    "filosofi_grid": read_filosofi_squares,
}


def reader_for(layout: str, *, source: str) -> Reader:
    """The reader of a layout, or a French error naming the unknown layout."""
    if layout not in LAYOUTS:
        raise BuildError(f"mise en forme « {layout} » inconnue ; connues : {', '.join(sorted(LAYOUTS))}. "
                         "Corrigez config.toml.", source=source)
    return LAYOUTS[layout]
