"""The indicator table of a territory: abstention per election, its trend, distance to the nearest
station, registered voters and the territory's own indicators (one row per bureau), with their
metadata in display order."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lib.datasets.metadata import election_label, election_year
from lib.datasets.raw import Indicator, RawTerritory
from lib.datasets.stations import nearest_station_m


def bureau_totals(results: pd.DataFrame) -> pd.DataFrame:
    """One row per bureau × election with registered, voters, expressed."""
    return results.drop_duplicates(["bureau_id", "election"])[
        ["bureau_id", "election", "registered", "voters", "expressed", "carried"]]


def abstention_rates(results: pd.DataFrame) -> pd.DataFrame:
    """Abstention (% of registered) per bureau (rows) and election (columns)."""
    totals = bureau_totals(results)
    rate = 100 * (1 - totals["voters"] / totals["registered"])
    return totals.assign(rate=rate).pivot(index="bureau_id", columns="election", values="rate")


def indicator_table(raw: RawTerritory, bureaux: gpd.GeoDataFrame, results: pd.DataFrame,
                    stations: pd.DataFrame | None, election_meta: list[dict[str, Any]]
                    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Indicator table (one row per bureau) and its metadata, in display order."""
    ind = pd.DataFrame(index=pd.Index(bureaux["bureau_id"], name="bureau_id"))
    meta = _abstention_indicators(ind, results, raw.extra_abstention, election_meta)
    meta.append(_trend_indicator(ind, raw.trend_pair))
    meta.append(_station_indicator(ind, bureaux, stations))
    ind["registered"] = bureaux.set_index("bureau_id")["registered"].reindex(ind.index)
    meta.append({"id": "registered", "label": "Inscrits", "unit": "électeurs",
                 "source": "Ministère de l'Intérieur",
                 "year": int(election_year(raw.registered_election)), "available": True,
                 "description": f"inscrits — {election_label(raw.registered_election)}"})
    meta += [_territory_indicator(ind, extra) for extra in raw.indicators]
    return ind.replace([np.inf, -np.inf], np.nan).round(4).reset_index(), meta


def _abstention_indicators(ind: pd.DataFrame, results: pd.DataFrame,
                           extra_abstention: dict[str, pd.Series],
                           election_meta: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``abstention_<election>`` column per election with a rate (results or source rate)."""
    abst = abstention_rates(results)
    meta = []
    for e in election_meta:
        col = f"abstention_{e['id']}"
        if e["id"] in abst.columns:
            ind[col] = abst[e["id"]].reindex(ind.index)
        elif e["id"] in extra_abstention:
            ind[col] = extra_abstention[e["id"]].reindex(ind.index)
        else:
            continue
        meta.append({"id": col, "label": f"Abstention — {e['label']}", "unit": "% des inscrits",
                     "source": e["source"], "year": e["year"], "available": True,
                     "description": "100 × (1 − votants / inscrits)"
                     + (" ; valeurs reportées depuis les bureaux 2017" if e["carried"] else "")})
    return meta


def _trend_indicator(ind: pd.DataFrame, pair: tuple[str, str] | None) -> dict[str, Any]:
    """Abstention change between the territory's comparable pair, or why there is none."""
    if pair and f"abstention_{pair[0]}" in ind and f"abstention_{pair[1]}" in ind:
        early, late = pair
        ind["abstention_trend"] = ind[f"abstention_{late}"] - ind[f"abstention_{early}"]
        return {"id": "abstention_trend", "label": "Évolution de l'abstention",
                "unit": "points de %", "source": "Ministère de l'Intérieur",
                "year": int(election_year(late)), "available": True,
                "description": f"abstention {election_label(late)} − abstention {election_label(early)}",
                "pair": [early, late]}
    return {"id": "abstention_trend", "available": False,
            "reason": "pas deux élections comparables dans les données"}


def _station_indicator(ind: pd.DataFrame, bureaux: gpd.GeoDataFrame,
                       stations: pd.DataFrame | None) -> dict[str, Any]:
    """Metres from each bureau centre to the nearest station point of the station lists given (the
    whole lists, beyond the territory's edge: :func:`nearest_station_m`), Lambert-93, not degrees;
    both points of a station listed by IDFM and SNCF count, whichever is nearer. Unavailable only
    when no station list was given."""
    if stations is None or not len(stations):
        return {"id": "station_distance", "available": False,
                "reason": "aucune liste de gares pour ce territoire"}
    ind["station_distance"] = nearest_station_m(
        bureaux["centre_lon"].to_numpy(), bureaux["centre_lat"].to_numpy(), stations).round(0)
    return {"id": "station_distance", "label": "Distance à la gare ou station la plus proche",
            "unit": "m", "source": ", ".join(sorted(stations["source"].unique())), "year": None,
            "available": True,
            "description": "du centre du bureau (pondéré par les adresses, sinon par la population "
                           "ou le polygone) à la station de métro, RER, tram ou train la plus proche"}


def _territory_indicator(ind: pd.DataFrame, extra: Indicator) -> dict[str, Any]:
    """A territory-specific indicator column, or its declared absence with the reason."""
    if extra.values is None:
        return {"id": extra.id, "label": extra.label, "available": False, "reason": extra.reason}
    ind[extra.id] = pd.to_numeric(extra.values, errors="coerce").reindex(ind.index).astype(float)
    return {"id": extra.id, "label": extra.label, "unit": extra.unit, "source": extra.source,
            "year": extra.year, "available": True, "description": extra.description, **extra.details}
