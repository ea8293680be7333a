"""Read and write territory datasets (``data/<territory>/``), validated against the contract.

Writing is atomic: a build writes into a temporary sibling folder and swaps it in only when the
whole dataset is valid, so a failed build never leaves a half-written territory behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lib import anomalies, contract
from lib.config import PROJECT_ROOT
from lib.errors import DataContractError

FILES = {
    "bureaux": "bureaux.parquet",
    "results": "results.parquet",
    "indicators": "indicators.parquet",
    "addresses": "addresses.parquet",
    "stations": "stations.parquet",
    "outlines": "outlines.parquet",
    "streets": "streets.parquet",
    "metadata": "metadata.json",
}


@dataclass(frozen=True)
class TerritoryData:
    """One territory, as the app sees it. Treat every frame as read-only (shared by sessions)."""

    id: str
    metadata: dict[str, Any]
    bureaux: gpd.GeoDataFrame
    results: pd.DataFrame
    indicators: pd.DataFrame
    stations: pd.DataFrame
    outlines: gpd.GeoDataFrame
    addresses: pd.DataFrame | None = None
    streets: gpd.GeoDataFrame | None = None  # OpenStreetMap (lib/datasets/streets.py), when built
    _indicator_meta: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """Display name of the territory."""
        return str(self.metadata["name"])

    @property
    def elections(self) -> list[dict[str, Any]]:
        """Election descriptors in the order of the metadata (oldest first)."""
        return list(self.metadata["elections"])

    def election(self, election_id: str) -> dict[str, Any]:
        """Descriptor of one election (KeyError when unknown)."""
        for e in self.metadata["elections"]:
            if e["id"] == election_id:
                return e
        raise KeyError(election_id)

    def indicator(self, indicator_id: str) -> dict[str, Any] | None:
        """Metadata of an indicator (available or declared missing), None if never mentioned."""
        for ind in self.metadata["indicators"]:
            if ind["id"] == indicator_id:
                return ind
        return None

    @cached_property
    def anomalies(self) -> pd.DataFrame:
        """Flagged bureaux (``lib.anomalies.of``): bureau_id, kind, kind_label, message, exclude.

        Built once per dataset (the bureau panel reads it at every slider move); read-only.
        """
        return anomalies.of(self.metadata)

    def bureau_results(self, bureau_id: str) -> pd.DataFrame:
        """Result rows of one bureau, without scanning the whole results table at every move."""
        rows = self._results_rows.get(bureau_id)
        return self.results.iloc[rows] if rows is not None else self.results.iloc[:0]

    @cached_property
    def _results_rows(self) -> dict[str, np.ndarray]:
        return self.results.groupby("bureau_id", sort=False).indices

    @property
    def excluded_ids(self) -> set[str]:
        """« Bureaux atypiques »: left out of map, ranking and walk lists unless the user opts in."""
        return anomalies.excluded_ids(self.metadata)

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows the build could not keep: source, rows, reason (French)."""
        return anomalies.dropped(self.metadata)


def _path(folder: Path, key: str) -> Path:
    return folder / FILES[key]


def _read(path: Path, reader):
    try:
        return reader(path)
    except FileNotFoundError as err:
        raise DataContractError("fichier absent : reconstruisez le territoire avec "
                                "« python -m lib.datasets ».", source=str(path)) from err
    except Exception as err:  # a truncated/corrupt parquet raises many different types
        raise DataContractError(f"fichier illisible ({type(err).__name__}) : reconstruisez "
                                "le territoire avec « python -m lib.datasets ».",
                                source=str(path)) from err


SHIPPED_DATA = PROJECT_ROOT / "data"  # the shipped territories (paris, antony), whatever TERRAIN_DATA_DIR says


def territory_folder(data_dir: Path, territory_id: str) -> Path:
    """Where a territory's dataset is: under ``data_dir`` (``TERRAIN_DATA_DIR``, where new builds
    go), else among the shipped territories. Why: a folder of one's own territories adds to the
    shipped ones instead of hiding them; a territory built there under a shipped id wins."""
    own = Path(data_dir) / territory_id
    shipped = SHIPPED_DATA / territory_id
    if not (own / FILES["metadata"]).is_file() and (shipped / FILES["metadata"]).is_file():
        return shipped
    return own


def load_territory(data_dir: Path, territory_id: str) -> TerritoryData:
    """Load and validate ``data_dir / territory_id``, or the shipped territory of that id
    (raises :class:`DataContractError`)."""
    folder = territory_folder(data_dir, territory_id)
    if not folder.is_dir():
        raise DataContractError("territoire introuvable : construisez-le avec "
                                f"« python -m lib.datasets {territory_id} ».", source=str(folder))
    meta_path = _path(folder, "metadata")
    metadata = _read(meta_path, lambda p: json.loads(p.read_text(encoding="utf-8")))
    contract.require(contract.check_metadata(metadata), file=str(meta_path))

    bureaux = _read(_path(folder, "bureaux"), gpd.read_parquet)
    contract.require(contract.check_bureaux(bureaux), file=str(_path(folder, "bureaux")))
    ids = bureaux["bureau_id"]
    results = _read(_path(folder, "results"), pd.read_parquet)
    contract.require(contract.check_results(results, ids), file=str(_path(folder, "results")))
    indicators = _read(_path(folder, "indicators"), pd.read_parquet)
    declared = [i["id"] for i in metadata["indicators"] if i["available"]]
    contract.require(contract.check_indicators(indicators, ids, declared),
                     file=str(_path(folder, "indicators")))
    addresses = None
    if _path(folder, "addresses").exists():
        addresses = _read(_path(folder, "addresses"), pd.read_parquet)
        contract.require(contract.check_addresses(addresses, ids),
                         file=str(_path(folder, "addresses")))
    stations = _read(_path(folder, "stations"), pd.read_parquet)
    outlines = _read(_path(folder, "outlines"), gpd.read_parquet)
    streets = _streets_of(folder)
    return TerritoryData(
        id=territory_id, metadata=metadata,
        bureaux=bureaux.set_index("bureau_id", drop=False).rename_axis(None),
        results=results,
        indicators=indicators.set_index("bureau_id"),
        stations=stations, outlines=outlines, addresses=addresses, streets=streets,
    )


def _streets_of(folder: Path) -> gpd.GeoDataFrame | None:
    """The folder's OpenStreetMap layer, validated; None when the territory has none."""
    if not _path(folder, "streets").exists():
        return None
    streets = _read(_path(folder, "streets"), gpd.read_parquet)
    contract.require(contract.check_streets(streets), file=str(_path(folder, "streets")))
    return streets


def load_streets(data_dir: Path, territory_id: str) -> gpd.GeoDataFrame | None:
    """A territory's street layer, validated (None without one), without the rest of the dataset:
    the volunteers' API draws a turf's streets without loading 150,000 addresses."""
    return _streets_of(territory_folder(data_dir, territory_id))


def list_territories(data_dir: Path) -> list[str]:
    """Ids of the folders under ``data_dir`` that hold a metadata file, and the shipped ones."""
    built: set[str] = set()
    for root in {Path(data_dir), SHIPPED_DATA}:
        if root.is_dir():
            built |= {p.name for p in root.iterdir() if (p / FILES["metadata"]).is_file()}
    return sorted(built)


def write_territory(data_dir: Path, territory_id: str, *, metadata: dict[str, Any],
                    bureaux: gpd.GeoDataFrame, results: pd.DataFrame, indicators: pd.DataFrame,
                    stations: pd.DataFrame, outlines: gpd.GeoDataFrame,
                    addresses: pd.DataFrame | None) -> Path:
    """Validate then write atomically; the previous dataset stays if anything fails."""
    ids = bureaux["bureau_id"]
    declared = [i["id"] for i in metadata["indicators"] if i["available"]]
    contract.require(contract.check_metadata(metadata), file="metadata.json")
    contract.require(contract.check_bureaux(bureaux), file="bureaux.parquet")
    contract.require(contract.check_results(results, ids), file="results.parquet")
    contract.require(contract.check_indicators(indicators, ids, declared), file="indicators.parquet")
    if addresses is not None:
        contract.require(contract.check_addresses(addresses, ids), file="addresses.parquet")

    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / territory_id
    tmp = Path(tempfile.mkdtemp(prefix=f".{territory_id}.tmp", dir=root))
    try:
        bureaux.to_parquet(_path(tmp, "bureaux"), index=False, compression="zstd")
        outlines.to_parquet(_path(tmp, "outlines"), index=False, compression="zstd")
        results.to_parquet(_path(tmp, "results"), index=False, compression="zstd")
        indicators.to_parquet(_path(tmp, "indicators"), index=False, compression="zstd")
        stations.to_parquet(_path(tmp, "stations"), index=False, compression="zstd")
        if addresses is not None:
            addresses.to_parquet(_path(tmp, "addresses"), index=False, compression="zstd")
        _path(tmp, "metadata").write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        old = root / f".{territory_id}.old"
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
