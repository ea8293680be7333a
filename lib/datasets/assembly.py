"""Territory-independent build steps: every territory goes through :func:`assemble`.

Territory modules only read their raw files into a :class:`~lib.datasets.raw.RawTerritory`;
centres, stations, indicators, outlines, anomalies (``lib.anomalies``), dropped-row counts,
metadata and validation are done here, once, for all of them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lib import anomalies, fr, geo
from lib.contract import BUREAUX_COLUMNS, STATIONS_COLUMNS
from lib.dataset import load_territory, write_territory
from lib.datasets.indicators import bureau_totals, indicator_table
from lib.datasets.metadata import (
    coverage_counts,
    election_descriptors,
    election_label,
    metadata_document,
)
from lib.datasets.raw import RawTerritory, require_bureau_ids
from lib.datasets.stations import crop_stations, distinct_stations
from lib.errors import BuildError
from lib.maps.geometry import load_screen_geometry


def _centres(bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None,
             weight_points: pd.DataFrame | None) -> pd.DataFrame:
    """Address-weighted centre per bureau; population-weighted or polygon point as fallbacks."""
    rep = bureaux.to_crs(geo.LAMBERT93).representative_point().to_crs(geo.WGS84)
    out = pd.DataFrame({"centre_lon": rep.x.to_numpy(), "centre_lat": rep.y.to_numpy(),
                        "centre_method": "polygon"}, index=bureaux["bureau_id"].to_numpy())
    if addresses is not None and len(addresses):
        mean = addresses.groupby("bureau_id")[["lon", "lat"]].mean()
        out.loc[mean.index, ["centre_lon", "centre_lat"]] = mean[["lon", "lat"]].to_numpy()
        out.loc[mean.index, "centre_method"] = "addresses"
    elif weight_points is not None and len(weight_points):
        owner = geo.assign_points(weight_points["lon"].to_numpy(), weight_points["lat"].to_numpy(),
                                  bureaux, "bureau_id")
        wp = weight_points.assign(bureau_id=owner.to_numpy()).dropna(subset=["bureau_id"])
        wp = wp[wp["weight"] > 0]
        if len(wp):
            sums = wp.assign(wx=wp["lon"] * wp["weight"], wy=wp["lat"] * wp["weight"]).groupby(
                "bureau_id")[["wx", "wy", "weight"]].sum()
            out.loc[sums.index, "centre_lon"] = (sums["wx"] / sums["weight"]).to_numpy()
            out.loc[sums.index, "centre_lat"] = (sums["wy"] / sums["weight"]).to_numpy()
            out.loc[sums.index, "centre_method"] = "population"
    out["centre_lon"] = out["centre_lon"].astype(float).round(6)
    out["centre_lat"] = out["centre_lat"].astype(float).round(6)
    return out


def assemble(raw: RawTerritory, *, out_dir: Path, log=print,
             started: float | None = None) -> dict[str, Any]:
    """Turn a :class:`RawTerritory` into a validated dataset under ``out_dir / id``.

    Each step below is one named function so a reader sees the pipeline at a glance.
    ``started`` (``time.perf_counter()`` when the build began reading) makes ``build_seconds``
    count the reading too; without it, the assembly alone is timed.
    """
    started = time.perf_counter() if started is None else started
    bureaux = _checked_bureaux(raw.bureaux)
    addresses, unassigned = _assign_addresses(raw.addresses, bureaux, log)
    centres = _centres(bureaux, addresses, raw.weight_points)
    results, off_map = _reference_results(raw.results, set(bureaux["bureau_id"]), log)
    bureaux = _with_bureau_columns(bureaux, results, raw.registered_election, addresses, centres)
    station_points = _territory_stations(raw.stations, bureaux)
    stations = distinct_stations(station_points)
    election_meta = election_descriptors(results, raw)
    ind, indicator_meta = indicator_table(raw, bureaux, results, raw.stations, election_meta)
    outlines = geo.dissolve_outlines(bureaux, by="area_code", names=raw.area_names, kind=raw.area_kind)
    slim = geo.slim_for_display(bureaux)[BUREAUX_COLUMNS]
    metadata = metadata_document(raw, election_meta, indicator_meta, "abstention_trend" in ind,
                                 coverage=_with_shapeless(coverage_counts(bureaux, addresses, unassigned, raw, stations),
                                                          raw, off_map))
    metadata["anomalies"] = _anomalies(raw, bureaux, results, off_map, ind, election_meta, addresses)
    metadata["dropped"] = [*raw.dropped, *_assembly_drops(unassigned, off_map)]
    log(f"  anomalies : {len(metadata['anomalies'])} signalées, "
        f"{len(anomalies.excluded_ids(metadata))} bureau(x) atypique(s) exclu(s) par défaut")
    folder = write_territory(out_dir, raw.territory_id, metadata=metadata, bureaux=slim,
                             results=results, indicators=ind, stations=stations,
                             outlines=outlines, addresses=addresses)
    load_screen_geometry(load_territory(out_dir, raw.territory_id), out_dir)  # the map's first load
    metadata["build_seconds"] = round(time.perf_counter() - started, 1)
    log(f"  écrit dans {folder} en {metadata['build_seconds']} s")
    return metadata


def _checked_bureaux(bureaux: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Valid geometries, well-formed and unique ids: everything else joins on them."""
    bureaux = geo.make_valid(bureaux.copy())
    require_bureau_ids(bureaux["bureau_id"], source="contours des bureaux")
    if bureaux["bureau_id"].duplicated().any():
        raise BuildError(f"bureau en double dans les contours : "
                         f"{bureaux.loc[bureaux['bureau_id'].duplicated(), 'bureau_id'].iloc[0]}.",
                         source="contours des bureaux")
    return bureaux


def _assign_addresses(raw_addresses: pd.DataFrame | None, bureaux: gpd.GeoDataFrame,
                      log) -> tuple[pd.DataFrame | None, int | None]:
    """Addresses → bureaux by point in polygon on the reference map; count those outside."""
    if raw_addresses is None:
        return None, None
    owner = geo.assign_points(raw_addresses["lon"].to_numpy(), raw_addresses["lat"].to_numpy(),
                              bureaux, "bureau_id")
    addresses = raw_addresses.assign(bureau_id=owner.to_numpy())
    unassigned = int(addresses["bureau_id"].isna().sum())
    addresses = addresses.dropna(subset=["bureau_id"]).reset_index(drop=True)
    log(f"  adresses : {len(addresses)} affectées, {unassigned} hors bureaux")
    return addresses, unassigned


def _reference_results(results: pd.DataFrame, ids: set[str], log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Result rows of bureaux on the reference map, and the others (the contract forbids
    unknown ids; the others become « results without contour » anomalies, never silent)."""
    on_map = results["bureau_id"].isin(ids)
    kept, off_map = results[on_map].reset_index(drop=True), results[~on_map].reset_index(drop=True)
    if len(off_map):
        log(f"  résultats : {len(off_map)} lignes de {off_map['bureau_id'].nunique()} bureau(x) "
            "sans contour écartées")
    return kept, off_map


def _with_bureau_columns(bureaux: gpd.GeoDataFrame, results: pd.DataFrame, registered_election: str,
                         addresses: pd.DataFrame | None, centres: pd.DataFrame) -> gpd.GeoDataFrame:
    """Registered voters, address counts and centres as columns of the bureaux."""
    reg = bureau_totals(results)
    reg = reg[reg["election"] == registered_election].set_index("bureau_id")["registered"]
    ids = bureaux["bureau_id"]
    if addresses is not None:
        n_addresses = ids.map(addresses.groupby("bureau_id").size()).fillna(0).astype("Int64")
    else:
        n_addresses = pd.array([pd.NA] * len(bureaux), dtype="Int64")
    return bureaux.assign(
        registered=ids.map(reg).astype(float), n_addresses=n_addresses,
        centre_lon=ids.map(centres["centre_lon"]), centre_lat=ids.map(centres["centre_lat"]),
        centre_method=ids.map(centres["centre_method"]))


def _territory_stations(stations: pd.DataFrame | None, bureaux: gpd.GeoDataFrame) -> pd.DataFrame:
    """Station points near the territory, twins included (empty, contract columns, when none)."""
    if stations is None:
        return pd.DataFrame(columns=STATIONS_COLUMNS)
    return crop_stations(stations, bureaux) if len(stations) else stations


def _anomalies(raw: RawTerritory, bureaux: gpd.GeoDataFrame, results: pd.DataFrame,
               off_map: pd.DataFrame, ind: pd.DataFrame, election_meta: list[dict[str, Any]],
               addresses: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Run :func:`lib.anomalies.detect` on what the build has just produced."""
    by_id = ind.set_index("bureau_id")
    labels = {e["id"]: e["label"] for e in election_meta}
    rates = by_id[[f"abstention_{e}" for e in labels if f"abstention_{e}" in by_id]]
    trend_label = (f"{election_label(raw.trend_pair[0])} → {election_label(raw.trend_pair[1])}"
                   if raw.trend_pair else "")
    return anomalies.detect(anomalies.Inputs(
        bureaux=bureaux, results=results, off_map=off_map,
        abstention=rates.rename(columns=lambda c: c.removeprefix("abstention_")),
        elections=labels, registered_election=raw.registered_election,
        has_addresses=addresses is not None and len(addresses) > 0,
        trend=by_id.get("abstention_trend"),
        trend_label=trend_label, shapeless=frozenset(raw.shapeless)))


def _with_shapeless(coverage: dict[str, Any], raw: RawTerritory, off_map: pd.DataFrame) -> dict[str, Any]:
    """Bureaux of the contours without a shape still count in the territory's totals: their number
    (``bureaux_without_contour``, beside the ``bureaux`` on the map) and their registered voters."""
    if not raw.shapeless:
        return coverage
    totals = bureau_totals(off_map[off_map["bureau_id"].isin(raw.shapeless)])
    registered = totals.loc[totals["election"] == raw.registered_election, "registered"].sum()
    return {**coverage, "bureaux_without_contour": len(raw.shapeless),
            "registered": coverage["registered"] + float(registered)}


def _assembly_drops(unassigned: int | None, off_map: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows the assembly itself leaves out, counted with their reason."""
    off_ids = sorted(off_map["bureau_id"].unique()) if len(off_map) else []  # shapeless ones included
    return [*anomalies.dropped_rows("Base Adresse Nationale", unassigned or 0,
                                    "adresses hors de tout contour de bureau"),
            *anomalies.dropped_rows("résultats", len(off_map),
                                    "bureau(x) sans contour sur la carte de référence : " + fr.first_items(off_ids))]
