"""``metadata.json`` of a territory: election descriptors and labels, coverage counts, the document.

See docs/data.md for the keys; :mod:`lib.contract` checks them on build and on load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lib.contract import CONTRACT_VERSION
from lib.datasets.raw import RawTerritory

ELECTION_KINDS = {"pres": "Présidentielle", "leg": "Législatives", "mun": "Municipales",
                  "euro": "Européennes", "reg": "Régionales", "dep": "Départementales"}


def election_label(election_id: str) -> str:
    """French label of an election id (``leg2024t1`` → « Législatives 2024, 1er tour »)."""
    kind = next((k for k in ELECTION_KINDS if election_id.startswith(k)), None)
    if kind is None:
        return election_id
    rest = election_id[len(kind):]
    year, _, rnd = rest.partition("t")
    label = f"{ELECTION_KINDS[kind]} {year}"
    if rnd:
        label += ", 1er tour" if rnd == "1" else f", {rnd}e tour"
    return label


def election_year(election_id: str) -> str:
    """The year of an election id (``leg2024t1`` → ``2024``; ``0`` when it has no digits)."""
    digits = "".join(ch for ch in election_id if ch.isdigit())
    return digits[:4] or "0"


def coverage_counts(bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None, unassigned: int | None,
                    raw: RawTerritory, stations: pd.DataFrame) -> dict[str, Any]:
    """What the dataset covers: the counts the home page shows."""
    return {
        "bureaux": len(bureaux),
        "addresses": None if addresses is None else len(addresses),
        "addresses_unassigned": unassigned,
        "addresses_missing_reason": raw.addresses_missing_reason or None,
        "stations": len(stations),
        "registered": float(np.nansum(bureaux["registered"])),
    }


def metadata_document(raw: RawTerritory, election_meta: list[dict[str, Any]],
                      indicator_meta: list[dict[str, Any]], has_trend: bool, *,
                      coverage: dict[str, Any]) -> dict[str, Any]:
    """``metadata.json`` (see docs/data.md)."""
    return {
        "contract_version": CONTRACT_VERSION,
        "territory_id": raw.territory_id,
        "name": raw.name,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference_map": raw.reference_map,
        "sources": [vars(s) for s in raw.sources],
        "elections": election_meta,
        "indicators": indicator_meta,
        "abstention_trend": ({"from": raw.trend_pair[0], "to": raw.trend_pair[1]}
                             if has_trend and raw.trend_pair else None),
        "coverage": coverage,
        "notes": raw.notes,
    }


def election_descriptors(results: pd.DataFrame, raw: RawTerritory) -> list[dict[str, Any]]:
    """One descriptor per election (with results or only an abstention rate), oldest first."""
    meta: list[dict[str, Any]] = []
    groups = results.groupby("election", sort=False)
    for election_id, rows in groups:
        kind = next((k for k in ELECTION_KINDS if str(election_id).startswith(k)), "import")
        rnd = str(election_id).rpartition("t")[2] if "t" in str(election_id)[len(kind):] else None
        meta.append({
            "id": str(election_id), "label": election_label(str(election_id)), "kind": kind,
            "year": int(election_year(str(election_id))), "round": int(rnd) if rnd and rnd.isdigit() else None,
            "value_kind": str(rows["value_kind"].iloc[0]), "carried": bool(rows["carried"].any()),
            "source": _source_of(str(election_id), raw), "bureaux": int(rows["bureau_id"].nunique()),
            "has_results": True,
        })
    for election_id in raw.extra_abstention:
        meta.append({"id": election_id, "label": election_label(election_id),
                     "kind": next((k for k in ELECTION_KINDS if election_id.startswith(k)), "import"),
                     "year": int(election_year(election_id)), "round": None, "value_kind": None,
                     "carried": False, "source": _source_of(election_id, raw),
                     "bureaux": int(raw.extra_abstention[election_id].notna().sum()),
                     "has_results": False})
    return sorted(meta, key=lambda e: (e["year"], e["id"]))


def _source_of(election_id: str, raw: RawTerritory) -> str:
    for s in raw.sources:
        if election_id in s.note:
            return s.title
    return "Ministère de l'Intérieur"
