"""Readers of the source files every territory build shares, side by side.

Paris, Antony and the national build are siblings: none imports another. What they share lives
here: opening (possibly compressed) files, the station lists (IDFM, SNCF), the BAN addresses,
the Filosofi 200 m squares (areal weighting) and the Ministère de l'Intérieur results files
cropped to a territory while they are read.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lib import geo, minint
from lib.build.common import Indicator, Source, merge_stations, raw_path, require_columns
from lib.contract import RESULTS_COLUMNS
from lib.errors import BuildError

# ---------------------------------------------------------------------------------------------
# Opening files
# ---------------------------------------------------------------------------------------------

def read_text_table(path: Path, *, sep: str = ";", dtype: Any = str, **kwargs: Any) -> pd.DataFrame:
    """Read a (possibly gzipped) CSV with a French error on truncation or bad layout."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                data = fh.read()
            return pd.read_csv(io.BytesIO(data), sep=sep, dtype=dtype, **kwargs)
        return pd.read_csv(path, sep=sep, dtype=dtype, **kwargs)
    except (EOFError, OSError, gzip.BadGzipFile) as err:
        raise BuildError(f"fichier tronqué ou corrompu ({err}).", source=str(path)) from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise BuildError(f"mise en forme inattendue ({err}).", source=str(path)) from err


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON (possibly gzipped) with a French error when it cannot be read."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return gpd.read_file(io.BytesIO(fh.read()))
        return gpd.read_file(path)
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

ADDRESS_COLUMNS = ["address_id", "number", "street", "postcode", "commune_code", "label", "lon", "lat"]
BAN_COLUMNS = ["id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat"]


def read_ban(path: Path, communes: set[str] | None = None, *, town: str | None = None,
             chunk_rows: int = 200_000) -> pd.DataFrame:
    """BAN addresses (of ``communes`` only when given) in contract columns, read by chunks.

    ``town`` replaces the BAN commune name in labels (« Paris » rather than « Paris 1er
    Arrondissement »). The bureau is assigned later, by point in polygon.
    """
    frames = []
    try:
        chunks = pd.read_csv(path, sep=";", dtype=str, chunksize=chunk_rows, keep_default_na=False)
        for chunk in chunks:
            require_columns(chunk, BAN_COLUMNS, source=str(path))
            keep = chunk["code_insee"].isin(communes) if communes is not None else slice(None)
            frames.append(chunk[keep])
    except (EOFError, OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise BuildError(f"fichier d'adresses tronqué ou mal formé ({err}).", source=str(path)) from err
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BAN_COLUMNS)
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

SNIFF_BYTES = 200_000
CommuneFilter = Callable[[str], bool]


def sniff_results(path: Path) -> tuple[list[str], str, str]:
    """Header columns, separator and encoding of a results file, from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    sample = minint.read_table(head.rsplit(b"\n", 1)[0] if len(head) == SNIFF_BYTES else head, name=str(path))
    sep = ";" if ";" in head.split(b"\n", 1)[0].decode("latin-1") else ","
    try:
        head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    cols = list(sample.columns)
    if len(cols) < 5:
        raise BuildError("mise en forme inattendue : trop peu de colonnes.", source=str(path))
    return cols, sep, encoding


def is_numbered_wide(cols: list[str]) -> bool:
    """Wide layouts number their blocks (« Voix 1 ») or leave later blocks unnamed (2017–2022)."""
    numbered = any(re.search(r"\s1$", c) for c in cols)
    return numbered or len(cols) != len(set(cols)) or minint.find_column(cols, "Voix") is None


def _commune_of_line(cols: list[str]) -> Callable[[str, str], str | None]:
    """A cheap reader of a line's INSEE commune code (before any parsing)."""
    folded = [minint.fold_header(c) for c in cols[:8]]
    com_i = next((i for i, c in enumerate(folded) if c in ("code commune", "code de la commune")), None)
    dep_i = next((i for i, c in enumerate(folded) if c in ("code departement", "code du departement")), None)

    def commune(line: str, sep: str) -> str | None:
        fields = line.split(sep, 8)
        if com_i is None or len(fields) <= com_i:
            return None
        com = fields[com_i].strip().strip('"')
        if len(com) < 5 and dep_i is not None:
            com = fields[dep_i].strip().strip('"').zfill(2) + com.zfill(3)
        return com
    return commune


def read_wide_cropped(path: Path, election: str, communes: set[str], *, chunk_rows: int = 50_000) -> pd.DataFrame:
    """Rows of ``communes`` of a wide file, kept line by line, then :func:`lib.minint.parse_wide`."""
    cols, sep, encoding = sniff_results(path)
    commune = _commune_of_line(cols)
    pieces = []
    with open(path, encoding=encoding, errors="replace") as fh:
        header = fh.readline()
        block = [header]
        for line in fh:
            code = commune(line, sep)
            if code is None or code in communes:
                block.append(line)
            if len(block) > chunk_rows:
                pieces.append(minint.read_table("".join(block).encode("utf-8"), name=str(path)))
                block = [header]
        if len(block) > 1:
            pieces.append(minint.read_table("".join(block).encode("utf-8"), name=str(path)))
    if not pieces:
        return pd.DataFrame(columns=RESULTS_COLUMNS)
    return minint.parse_wide(pd.concat(pieces, ignore_index=True), election=election, name=str(path))


def read_long_cropped(path: Path, election: str, communes: set[str], *, chunk_rows: int = 50_000) -> pd.DataFrame:
    """Rows of ``communes`` of a long file (one row per bureau × candidate), by pandas chunks."""
    cols, sep, encoding = sniff_results(path)
    frames = []
    for chunk in pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding,
                             chunksize=chunk_rows):
        chunk.columns = [c.strip() for c in chunk.columns]
        keep = minint.bureau_ids(chunk, name=str(path)).str[:5].isin(communes)
        if keep.any():
            frames.append(chunk[keep.to_numpy()])
    if not frames:
        return pd.DataFrame(columns=RESULTS_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    if is_numbered_wide(cols):
        return minint.parse_wide(table, election=election, name=str(path))
    return minint.parse_long(table, election=election, name=str(path))


def read_results_cropped(path: Path, election: str, communes: set[str], *, chunk_rows: int = 50_000) -> pd.DataFrame:
    """Rows of ``communes`` only, read in pieces: a national file is never held twice in memory."""
    cols, _, _ = sniff_results(path)
    reader = read_wide_cropped if any(re.search(r"\s1$", c) for c in cols) else read_long_cropped
    return reader(path, election, communes, chunk_rows=chunk_rows)
