"""The territory data contract (``docs/data.md``), checked on build and on load.

Each ``check_*`` returns a list of French problems (empty = valid) so the build can report
everything at once; :func:`require` turns a non-empty list into a :class:`DataContractError`
naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from lib.anomalies import KIND_LABELS
from lib.errors import DataContractError
from lib.geo import WGS84

CONTRACT_VERSION = 3  # 2: metadata gained « anomalies » and « dropped »; 3: optional streets.parquet (OSM)
COMMUNE_CODE_PATTERN = re.compile(r"\d{5}|2[AB]\d{3}")  # INSEE commune code (Corsica: 2A, 2B)
BUREAU_CODE_PATTERN = re.compile(r"[0-9A-Z]{4}")  # bureau code, 4 characters (0076, 069A)
BUREAU_ID_PATTERN = re.compile(rf"^({COMMUNE_CODE_PATTERN.pattern})_{BUREAU_CODE_PATTERN.pattern}$")
ELECTION_PATTERN = re.compile(r"^(pres|leg|mun|euro|reg|dep|import_)[a-z0-9_]*$")

BUREAUX_COLUMNS = ["bureau_id", "commune_code", "commune_name", "bureau_code", "area_code", "label",
                   "registered", "n_addresses", "centre_lon", "centre_lat", "centre_method",
                   "geometry"]
RESULTS_COLUMNS = ["bureau_id", "election", "registered", "voters", "expressed", "blank", "null",
                   "candidate", "nuance", "votes", "share", "value_kind", "carried"]
ADDRESSES_COLUMNS = ["address_id", "bureau_id", "number", "street", "postcode", "commune_code",
                     "label", "lon", "lat"]
STATIONS_COLUMNS = ["station_id", "name", "modes", "source", "lon", "lat"]
STREETS_COLUMNS = ["name", "highway", "geometry"]
WALKABLE = frozenset({  # OSM highway classes a walker uses (no motorway, no trunk)
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "living_street", "pedestrian", "footway", "path", "steps",
    "service", "track", "cycleway", "road"})
OUTLINES_COLUMNS = ["area_code", "name", "kind", "label_lon", "label_lat", "geometry"]
METADATA_KEYS = ["contract_version", "territory_id", "name", "built_at", "reference_map",
                 "sources", "elections", "indicators", "coverage", "anomalies", "dropped"]
ANOMALY_KEYS = {"bureau_id", "kind", "message", "exclude"}
DROPPED_KEYS = {"source", "rows", "reason"}


def _missing_columns(frame: pd.DataFrame, expected: Iterable[str]) -> list[str]:
    missing = [c for c in expected if c not in frame.columns]
    return [f"colonnes manquantes : {', '.join(missing)}"] if missing else []


def malformed_ids(ids: pd.Series) -> pd.Series:
    """The ids that do not follow ``<commune INSEE>_<4-char bureau code>``."""
    as_str = ids.astype("string")
    ok = as_str.str.fullmatch(BUREAU_ID_PATTERN.pattern).fillna(False).astype(bool)
    return as_str[~ok]


def _check_ids(ids: pd.Series, *, unique: bool) -> list[str]:
    problems = []
    bad = malformed_ids(ids)
    if len(bad):
        sample = ", ".join(map(repr, bad.head(3).tolist()))
        problems.append(f"{len(bad)} identifiant(s) de bureau mal formé(s) (attendu "
                        f"« 75056_0327 ») : {sample}")
    if unique and ids.duplicated().any():
        dup = ids[ids.duplicated()].head(3).tolist()
        problems.append(f"identifiants de bureau en double : {', '.join(map(str, dup))}")
    return problems


def check_bureaux(bureaux: gpd.GeoDataFrame) -> list[str]:
    """Problems of ``bureaux.parquet``: columns, ids, CRS, geometry."""
    problems = _missing_columns(bureaux, BUREAUX_COLUMNS)
    if problems:
        return problems
    if len(bureaux) == 0:
        return ["aucun bureau"]
    problems += _check_ids(bureaux["bureau_id"], unique=True)
    if bureaux.crs is None or not bureaux.crs.equals(WGS84):
        problems.append(f"système de coordonnées {bureaux.crs} au lieu d'{WGS84}")
    geom = bureaux.geometry
    if geom.isna().any() or geom.is_empty.any():
        problems.append(f"{int((geom.isna() | geom.is_empty).sum())} bureau(x) sans géométrie")
    elif (~geom.is_valid).any():
        problems.append(f"{int((~geom.is_valid).sum())} géométrie(s) invalide(s)")
    types = set(geom.dropna().geom_type.unique()) - {"Polygon", "MultiPolygon"}
    if types:
        problems.append(f"géométries non polygonales : {', '.join(sorted(types))}")
    if (pd.to_numeric(bureaux["registered"], errors="coerce") < 0).any():
        problems.append("nombre d'inscrits négatif")
    return problems


def check_results(results: pd.DataFrame, bureau_ids: pd.Series) -> list[str]:
    """Problems of ``results.parquet``: columns, ids known, values in range."""
    problems = _missing_columns(results, RESULTS_COLUMNS)
    if problems or results.empty:
        return problems
    unknown = set(results["bureau_id"].unique()) - set(bureau_ids)
    if unknown:
        problems.append(f"{len(unknown)} bureau(x) absents de bureaux.parquet : "
                        f"{', '.join(sorted(map(str, unknown))[:3])}")
    bad_election = ~results["election"].astype(str).str.match(ELECTION_PATTERN.pattern)
    if bad_election.any():
        problems.append(f"identifiant d'élection inattendu : {results.loc[bad_election, 'election'].iloc[0]!r}")
    for col in ("registered", "voters", "expressed", "votes", "share"):
        values = pd.to_numeric(results[col], errors="coerce")
        if (values < 0).any():
            problems.append(f"valeurs négatives dans « {col} »")
    share = pd.to_numeric(results["share"], errors="coerce")
    if (share > 100.0001).any():
        problems.append("part des exprimés supérieure à 100 %")
    if share.isna().any():
        problems.append("part des exprimés manquante")
    kinds = set(results["value_kind"].dropna().unique()) - {"votes", "share"}
    if kinds:
        problems.append(f"value_kind inconnu : {', '.join(sorted(kinds))}")
    return problems


def check_indicators(indicators: pd.DataFrame, bureau_ids: pd.Series,
                     declared: Iterable[str]) -> list[str]:
    """Problems of ``indicators.parquet``: one row per bureau, declared columns, numeric."""
    problems = _missing_columns(indicators, ["bureau_id"])
    if problems:
        return problems
    if set(indicators["bureau_id"]) != set(bureau_ids) or indicators["bureau_id"].duplicated().any():
        problems.append("les lignes ne correspondent pas une à une aux bureaux")
    for ind in declared:
        if ind not in indicators.columns:
            problems.append(f"indicateur déclaré mais absent : {ind}")
        elif not pd.api.types.is_numeric_dtype(indicators[ind]):
            problems.append(f"indicateur non numérique : {ind}")
        elif np.isinf(indicators[ind].to_numpy(dtype=float, na_value=np.nan)).any():
            problems.append(f"valeur infinie dans l'indicateur {ind}")
    return problems


def check_addresses(addresses: pd.DataFrame, bureau_ids: pd.Series) -> list[str]:
    """Problems of ``addresses.parquet``."""
    problems = _missing_columns(addresses, ADDRESSES_COLUMNS)
    if problems:
        return problems
    unknown = set(addresses["bureau_id"].dropna().unique()) - set(bureau_ids)
    if unknown:
        problems.append(f"{len(unknown)} bureau(x) d'adresse inconnus")
    if addresses["address_id"].duplicated().any():
        problems.append("identifiants d'adresse en double")
    return problems


def check_streets(streets: gpd.GeoDataFrame) -> list[str]:
    """Problems of ``streets.parquet`` (OpenStreetMap street layer): columns, CRS, lines, classes."""
    problems = _missing_columns(streets, STREETS_COLUMNS)
    if problems or streets.empty:
        return problems
    if streets.crs is None or not streets.crs.equals(WGS84):
        problems.append(f"système de coordonnées {streets.crs} au lieu d'{WGS84}")
    types = set(streets.geometry.geom_type.dropna().unique()) - {"LineString"}
    if types or streets.geometry.isna().any():
        problems.append(f"géométries autres que des lignes : {', '.join(sorted(types)) or 'vides'}")
    unknown = set(streets["highway"].astype(str).unique()) - WALKABLE
    if unknown:
        problems.append(f"classes de voie inattendues : {', '.join(sorted(unknown)[:3])}")
    return problems


def check_metadata(metadata: dict) -> list[str]:
    """Problems of ``metadata.json``."""
    missing = [k for k in METADATA_KEYS if k not in metadata]
    if missing:
        return [f"clés manquantes : {', '.join(missing)}"]
    if metadata["contract_version"] != CONTRACT_VERSION:
        return [f"version du contrat {metadata['contract_version']} au lieu de {CONTRACT_VERSION} : "
                "reconstruisez le territoire (python -m lib.datasets …)"]
    problems = []
    for ind in metadata["indicators"]:
        if "id" not in ind or "available" not in ind:
            problems.append("indicateur sans « id » ou « available »")
        elif not ind["available"] and not ind.get("reason"):
            problems.append(f"indicateur manquant sans raison : {ind['id']}")
    return problems + check_anomalies(metadata["anomalies"]) + check_dropped(metadata["dropped"])


def check_anomalies(anomalies: list) -> list[str]:
    """Problems of ``metadata.json`` → ``anomalies`` (see lib/anomalies.py)."""
    problems = []
    for a in anomalies:
        if not isinstance(a, dict) or set(a) != ANOMALY_KEYS:
            problems.append(f"anomalie mal formée (clés attendues : {', '.join(sorted(ANOMALY_KEYS))})")
        elif a["kind"] not in KIND_LABELS:
            problems.append(f"type d'anomalie inconnu : {a['kind']!r}")
        elif not isinstance(a["exclude"], bool) or not str(a["message"]).strip():
            problems.append(f"anomalie sans message ou sans « exclude » vrai/faux : {a['bureau_id']}")
    return problems


def check_dropped(dropped: list) -> list[str]:
    """Problems of ``metadata.json`` → ``dropped``: each entry counts rows and says why."""
    problems = []
    for d in dropped:
        if not isinstance(d, dict) or set(d) != DROPPED_KEYS:
            problems.append(f"entrée « dropped » mal formée (clés attendues : {', '.join(sorted(DROPPED_KEYS))})")
        elif isinstance(d["rows"], bool) or not isinstance(d["rows"], int) or d["rows"] <= 0:
            problems.append(f"entrée « dropped » sans nombre de lignes positif : {d['source']}")
        elif not str(d["reason"]).strip():
            problems.append(f"entrée « dropped » sans raison : {d['source']}")
    return problems


def require(problems: list[str], *, file: str) -> None:
    """Raise a :class:`DataContractError` naming ``file`` when there are problems."""
    if problems:
        raise DataContractError(
            "; ".join(problems) + ". Ce fichier ne respecte pas le contrat de données "
            "(docs/data.md) : reconstruisez le territoire avec « python -m lib.datasets ».",
            source=file,
        )
