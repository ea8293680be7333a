"""What every territory reader hands to the assembly, and the checks it runs on raw files.

Territory modules (``paris.py``, ``antony.py``, ``national.py``) only read their raw files into a
:class:`RawTerritory` (bureaux, results, sources, indicators…); :func:`lib.datasets.assembly.assemble`
does the rest, once, for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lib.config import PROJECT_ROOT
from lib.contract import malformed_ids
from lib.errors import BuildError

RAW_DIR = PROJECT_ROOT / "raw"


@dataclass
class Source:
    """A raw source file and its provenance (shown in the app and the README)."""

    id: str
    title: str
    publisher: str
    licence: str
    url: str
    files: list[str]
    note: str = ""


@dataclass
class Indicator:
    """An indicator column (or a declared missing one) with its metadata."""

    id: str
    label: str
    unit: str
    source: str
    year: int | None
    description: str
    values: pd.Series | None = None  # indexed by bureau_id; None = declared missing
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # extra metadata (e.g. QPV names per bureau)


@dataclass
class RawTerritory:
    """What a territory module hands to :func:`lib.datasets.assembly.assemble`."""

    territory_id: str
    name: str
    reference_map: str
    bureaux: gpd.GeoDataFrame  # bureau_id, commune_code, commune_name, bureau_code, area_code, label, geometry
    area_names: pd.Series  # area_code -> display name
    area_kind: str  # "arrondissement" | "commune"
    results: pd.DataFrame  # contract columns
    registered_election: str  # election whose registered count is the bureau's "registered"
    sources: list[Source]
    indicators: list[Indicator] = field(default_factory=list)
    addresses: pd.DataFrame | None = None  # contract columns minus bureau_id (assigned here)
    addresses_missing_reason: str = ""
    weight_points: pd.DataFrame | None = None  # lon, lat, weight: population centre when no BAN
    stations: pd.DataFrame | None = None  # station_id, name, modes, source, lon, lat[, same_as]
    trend_pair: tuple[str, str] | None = None  # (earlier, later) election ids for the trend
    extra_abstention: dict[str, pd.Series] = field(default_factory=dict)  # rates without results
    notes: list[str] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)  # rows a reader could not keep
    shapeless: list[str] = field(default_factory=list)  # bureaux of the contours file without a shape


def raw_path(raw_dir: Path, *parts: str) -> Path:
    """Path of a raw file, or a :class:`BuildError` naming it when it is missing."""
    path = Path(raw_dir).joinpath(*parts)
    if not path.exists():
        raise BuildError("fichier source absent. Copiez-le depuis shared/data/raw ou "
                         "indiquez le bon dossier avec --raw.", source=str(path))
    return path


def require_columns(frame: pd.DataFrame, columns: list[str], *, source: str) -> None:
    """Stop the build with the list of missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BuildError(f"colonnes manquantes : {', '.join(missing)} (colonnes lues : "
                         f"{', '.join(map(str, frame.columns[:12]))}…).", source=source)


def require_bureau_ids(ids: pd.Series, *, source: str) -> None:
    """Stop the build when a bureau id does not follow ``<INSEE>_<4 chars>``."""
    bad = malformed_ids(ids)
    if len(bad):
        raise BuildError(f"{len(bad)} code(s) de bureau hors format « 75056_0327 » "
                         f"(ex. {bad.iloc[0]!r}).", source=source)
