"""Territory-independent build steps: every territory goes through :func:`assemble`.

Territory modules (``paris.py``, ``antony.py``…) only read their raw files into the shapes below;
centres, station distances, abstention indicators, outlines, anomalies (``lib.anomalies``),
dropped-row counts, metadata and validation are done here, once, for all of them. The carry-over
of results across boundary vintages (seed weights, calibration, carrying) lives here too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from lib import anomalies, fr, geo
from lib.contract import (
    BUREAUX_COLUMNS,
    CONTRACT_VERSION,
    RESULTS_COLUMNS,
    STATIONS_COLUMNS,
    malformed_ids,
)
from lib.dataset import load_territory, write_territory
from lib.errors import BuildError
from lib.maps.geometry import load_screen_geometry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = PROJECT_ROOT / "raw"

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


@dataclass
class RawTerritory:
    """What a territory module hands to :func:`assemble`."""

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


# ---------------------------------------------------------------------------------------------
# Stations
# ---------------------------------------------------------------------------------------------

STATION_NAME_NOISE = frozenset({"gare", "paris", "de", "du", "des", "la", "le", "les", "sur", "en", "tt", "psl",
                                "souterrain"})
STATION_NAME_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "cdg": "charles gaulle"}
STATION_NAME_OVERLAP = 0.75


def station_tokens(name: object) -> frozenset[str]:
    """The words that identify a station: folded, abbreviations spelled out, noise words and
    initials dropped. « Paris-St-Lazare » (SNCF) and « Gare Saint-Lazare » (IDFM) both give
    {saint, lazare}; « Paris Gare du Nord » and « Gare du Nord » give {nord}."""
    words = " ".join(STATION_NAME_ABBREVIATIONS.get(w, w) for w in fr.fold(name).split()).split()
    return frozenset(w for w in words if w not in STATION_NAME_NOISE and (len(w) > 1 or w.isdigit()))


def same_station_name(a: object, b: object) -> bool:
    """True when at least 3/4 of the shorter name's words are in the other name.

    The two lists name one station at different lengths: « La Défense » / « La Défense (Grande
    Arche) », « Gargan » / « Livry-Gargan », « Pont-du-Garigliano-Hôpital-Georges-Pompidou » /
    « Pont du Garigliano - Hôpital Européen G. Pompidou » (4 of 5). « Évreux-Embranchement » /
    « Évreux Normandie » (1 of 2) are two stations. Only asked of stations within 150 m.
    """
    ta, tb = station_tokens(a), station_tokens(b)
    shorter = min(len(ta), len(tb))
    return shorter > 0 and len(ta & tb) >= STATION_NAME_OVERLAP * shorter


def merge_stations(*frames: pd.DataFrame, same_within_m: float = 150.0) -> pd.DataFrame:
    """Concatenate station lists, marking a later station as ``same_as`` an earlier one when it
    lies within ``same_within_m`` AND has the same name (:func:`same_station_name`).

    Why: the same Gare du Nord is in the IDFM and the SNCF lists; listing it twice would inflate
    the station count and clutter the map. Distance alone is not enough: « Magenta » is 55 m from
    IDFM's « Gare du Nord », « Avenue Foch » 30 m from « Porte Dauphine », yet they are other
    stations. Marked rows are kept (not dropped) because their point is another access to the
    same station: the assembly measures distances to every point and lists only the others.
    """
    kept: list[pd.DataFrame] = []
    for frame in frames:
        frame = frame.reset_index(drop=True).assign(same_as=pd.NA)
        if kept and len(frame):
            frame["same_as"] = _namesake_nearby(frame, pd.concat(kept, ignore_index=True), same_within_m)
        kept.append(frame)
    out = pd.concat(kept, ignore_index=True)
    out["same_as"] = out["same_as"].astype("string")
    return out


def _namesake_nearby(frame: pd.DataFrame, base: pd.DataFrame, within_m: float) -> list[str | None]:
    """For each station of ``frame``: id of a ``base`` station of the same name within ``within_m``."""
    base = base[base["same_as"].isna()].reset_index(drop=True)
    if not len(base):
        return [None] * len(frame)
    tree = cKDTree(np.column_stack(geo.lonlat_to_l93(base["lon"].to_numpy(), base["lat"].to_numpy())))
    points = np.column_stack(geo.lonlat_to_l93(frame["lon"].to_numpy(), frame["lat"].to_numpy()))
    names, ids = base["name"].to_numpy(), base["station_id"].to_numpy()
    return [next((ids[j] for j in sorted(idx) if same_station_name(name, names[j])), None)
            for name, idx in zip(frame["name"], tree.query_ball_point(points, r=within_m), strict=True)]


def distinct_stations(points: pd.DataFrame) -> pd.DataFrame:
    """One row per physical station: rows marked ``same_as`` a listed station are left out
    (a twin whose namesake was cropped away stays). Contract columns only."""
    if "same_as" not in points:
        return points[STATIONS_COLUMNS].reset_index(drop=True)
    twin = points["same_as"].notna() & points["same_as"].isin(set(points["station_id"]))
    return points.loc[~twin, STATIONS_COLUMNS].reset_index(drop=True)


def crop_stations(stations: pd.DataFrame, bureaux: gpd.GeoDataFrame, *, margin_m: float = 3000) -> pd.DataFrame:
    """Stations within ``margin_m`` of the territory (a station across the border still counts)."""
    area = bureaux.to_crs(geo.LAMBERT93).union_all().buffer(margin_m)
    x, y = geo.lonlat_to_l93(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    inside = shapely.contains_xy(area, x, y)
    return stations[inside].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Results carried across boundary vintages
# ---------------------------------------------------------------------------------------------

def transfer_weights(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *, old_id: str, new_id: str,
                     address_old: pd.Series | None, address_new: pd.Series | None) -> pd.DataFrame:
    """Share of each old bureau that goes to each new bureau (rows of an old bureau sum to 1).

    Weighted by the addresses in each old ∩ new intersection; an old bureau that holds no address
    falls back to intersection areas (Lambert-93). Parts of an old bureau outside every new bureau
    are spread over the parts inside, so totals are conserved.
    """
    weights = []
    with_addresses: set[str] = set()
    if address_old is not None and address_new is not None:
        pairs = pd.DataFrame({"old": address_old, "new": address_new}).dropna()
        counts = pairs.groupby(["old", "new"]).size().rename("n").reset_index()
        counts["weight"] = counts["n"] / counts.groupby("old")["n"].transform("sum")
        weights.append(counts[["old", "new", "weight"]].assign(method="addresses"))
        with_addresses = set(counts["old"])
    rest = old[~old[old_id].isin(with_addresses)]
    if len(rest):
        pieces = gpd.overlay(rest[[old_id, "geometry"]].to_crs(geo.LAMBERT93),
                             new[[new_id, "geometry"]].to_crs(geo.LAMBERT93),
                             how="intersection", keep_geom_type=True)
        pieces["area"] = pieces.area
        pieces = pieces[pieces["area"] > 0]
        pieces["weight"] = pieces["area"] / pieces.groupby(old_id)["area"].transform("sum")
        weights.append(pd.DataFrame({"old": pieces[old_id], "new": pieces[new_id],
                                     "weight": pieces["weight"], "method": "area"}))
    return pd.concat(weights, ignore_index=True)


def registered_by_bureau(results: pd.DataFrame) -> pd.Series:
    """Mean registered voters per bureau over the elections of ``results`` (the old margin)."""
    totals = results.drop_duplicates(["bureau_id", "election"])
    return totals.groupby("bureau_id")["registered"].mean()


def calibrate_weights(weights: pd.DataFrame, *, old_registered: pd.Series, new_registered: pd.Series,
                      max_iter: int = 2000, tol: float = 1e-6) -> pd.DataFrame:
    """Re-weight the pieces so carried registered voters match each new bureau's own count.

    Why: address counts mis-size a split when one address holds hundreds of dwellings (Paris
    ``75056_1716``: 259 carried vs 1,502 registered). Iterative proportional fitting on the
    matrix registered(old) × weight, seeded by the address (or area) weights, alternately scales
    columns to the new bureaux' registered voters and rows back to the old bureaux' totals. Only
    existing pieces move: a piece without address overlap stays at zero. Column targets are scaled
    per connected group of old and new bureaux to the group's old total (the electorate grew
    between vintages; only its split is calibrated). The last step is a row step, so each old
    bureau's weights sum to 1 exactly and totals are conserved. Old bureaux without a registered
    count and new bureaux without one keep their seed shares.
    """
    w = weights.reset_index(drop=True).copy()
    r_old = w["old"].map(old_registered).astype(float).to_numpy()
    target = w["new"].map(new_registered).astype(float).to_numpy()
    free_row = ~(r_old > 0)
    mass = np.where(free_row, 0.0, np.nan_to_num(r_old) * w["weight"].to_numpy())
    target = _group_scaled_targets(w, mass, target)
    new_codes, _ = pd.factorize(w["new"])
    old_codes, _ = pd.factorize(w["old"])
    fitted = np.isfinite(target) & ~free_row
    for _ in range(max_iter):
        col = np.bincount(new_codes, weights=mass)[new_codes]
        mass = np.where(fitted & (col > 0), mass * target / np.where(col > 0, col, 1), mass)
        row = np.bincount(old_codes, weights=mass)[old_codes]
        mass = np.where(row > 0, mass * np.nan_to_num(r_old) / np.where(row > 0, row, 1), mass)
        col = np.bincount(new_codes, weights=mass)[new_codes]
        if not fitted.any() or np.nanmax(np.abs(col[fitted] / target[fitted] - 1)) < tol:
            break
    row = np.bincount(old_codes, weights=mass)[old_codes]
    share = np.divide(mass, row, out=w["weight"].to_numpy(dtype=float, copy=True), where=row > 0)
    w["weight"] = np.where(free_row, w["weight"], share)
    return w


def _group_scaled_targets(w: pd.DataFrame, mass: np.ndarray, target: np.ndarray) -> np.ndarray:
    """New-bureau targets scaled so each connected group's targets add up to its old total.

    IPF only converges when both margins agree within each block of the matrix; the seed mass
    sent to new bureaux without a target is left to them.
    """
    new_codes, _ = pd.factorize(w["new"])
    group = carry_groups(w)
    has_target = np.isfinite(target)
    first_of_new = ~pd.Series(new_codes).duplicated().to_numpy()
    old_total = np.bincount(group, weights=mass)
    free_mass = np.bincount(group, weights=np.where(has_target, 0.0, mass))
    target_total = np.bincount(group, weights=np.where(has_target & first_of_new, target, 0.0))
    scale = np.divide(old_total - free_mass, target_total, out=np.ones_like(old_total),
                      where=target_total > 0)
    return target * scale[group]


def carry_groups(weights: pd.DataFrame) -> np.ndarray:
    """Label per piece of its connected group (old and new bureaux linked by some piece).

    Within a group, carrying can only move voters around; the group's total is fixed.
    """
    old_codes, old_ids = pd.factorize(weights["old"])
    new_codes, new_ids = pd.factorize(weights["new"])
    n_old = len(old_ids)
    graph = coo_matrix((np.ones(len(weights)), (old_codes, n_old + new_codes)),
                       shape=(n_old + len(new_ids),) * 2)
    _, labels = connected_components(graph, directed=False)
    return labels[old_codes]


def carry_ratio(weights: pd.DataFrame, *, old_registered: pd.Series,
                new_registered: pd.Series) -> pd.Series:
    """Carried registered ÷ own registered, per new bureau that takes a piece of a split old
    bureau (the bureaux a carry-over method can mis-size; bench/carry_report.py prints it)."""
    split_old = weights.groupby("old")["new"].nunique().loc[lambda n: n > 1].index
    touched = weights.loc[weights["old"].isin(split_old), "new"].unique()
    carried = (weights["old"].map(old_registered) * weights["weight"]).groupby(weights["new"]).sum()
    return (carried / new_registered).reindex(touched).dropna().sort_values()


def carry_losses(results: pd.DataFrame, weights: pd.DataFrame, *, source: str) -> list[dict[str, Any]]:
    """Result rows of old bureaux that no weight carries anywhere (counted in ``dropped``)."""
    lost = ~results["bureau_id"].isin(set(weights["old"]))
    ids = sorted(results.loc[lost, "bureau_id"].astype(str).unique())
    return anomalies.dropped_rows(source, int(lost.sum()),
                                  "bureaux d'origine sans intersection avec la carte de référence : "
                                  + ", ".join(ids[:10]) + (" …" if len(ids) > 10 else ""))


COUNT_COLUMNS = ["registered", "voters", "expressed", "blank", "null"]


def carry_results(results: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Move long-format results from old bureau ids onto new ones with ``weights``.

    Bureau totals (registered, voters…) and candidate votes are carried separately, then shares
    are recomputed on the carried totals. Output rows are flagged ``carried``.
    """
    totals = results.drop_duplicates(["bureau_id", "election"])[["bureau_id", "election", *COUNT_COLUMNS]]
    t = totals.merge(weights, left_on="bureau_id", right_on="old")
    for col in COUNT_COLUMNS:
        t[col] = t[col] * t["weight"]
    t = t.groupby(["new", "election"], as_index=False)[COUNT_COLUMNS].sum(min_count=1)

    v = results[["bureau_id", "election", "candidate", "nuance", "votes"]].merge(
        weights, left_on="bureau_id", right_on="old")
    v["votes"] = v["votes"] * v["weight"]
    v = v.groupby(["new", "election", "candidate", "nuance"], as_index=False, dropna=False)["votes"].sum()
    out = v.merge(t, on=["new", "election"], how="left").rename(columns={"new": "bureau_id"})
    out["share"] = out["votes"] / out["expressed"] * 100
    out["value_kind"] = "votes"
    out["carried"] = True
    return out[RESULTS_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------

def bureau_totals(results: pd.DataFrame) -> pd.DataFrame:
    """One row per bureau × election with registered, voters, expressed."""
    return results.drop_duplicates(["bureau_id", "election"])[
        ["bureau_id", "election", "registered", "voters", "expressed", "carried"]]


def abstention_rates(results: pd.DataFrame) -> pd.DataFrame:
    """Abstention (% of registered) per bureau (rows) and election (columns)."""
    totals = bureau_totals(results)
    rate = 100 * (1 - totals["voters"] / totals["registered"])
    return totals.assign(rate=rate).pivot(index="bureau_id", columns="election", values="rate")


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


def assemble(raw: RawTerritory, *, out_dir: Path, log=print) -> dict[str, Any]:
    """Turn a :class:`RawTerritory` into a validated dataset under ``out_dir / id``.

    Each step below is one named function so a reader sees the pipeline at a glance.
    """
    t0 = time.perf_counter()
    bureaux = _checked_bureaux(raw.bureaux)
    addresses, unassigned = _assign_addresses(raw.addresses, bureaux, log)
    centres = _centres(bureaux, addresses, raw.weight_points)
    results, off_map = _reference_results(raw.results, set(bureaux["bureau_id"]), log)
    bureaux = _with_bureau_columns(bureaux, results, raw.registered_election, addresses, centres)
    station_points = _territory_stations(raw.stations, bureaux)
    stations = distinct_stations(station_points)
    election_meta = _election_meta(results, raw)
    ind, indicator_meta = _indicators(raw, bureaux, results, station_points, election_meta)
    outlines = geo.dissolve_outlines(bureaux, by="area_code", names=raw.area_names, kind=raw.area_kind)
    slim = geo.slim_for_display(bureaux)[BUREAUX_COLUMNS]
    metadata = _metadata(raw, election_meta, indicator_meta, "abstention_trend" in ind,
                         coverage=_coverage(bureaux, addresses, unassigned, raw, stations))
    metadata["anomalies"] = _anomalies(raw, bureaux, results, off_map, ind, election_meta, addresses)
    metadata["dropped"] = [*raw.dropped, *_assembly_drops(unassigned, off_map)]
    log(f"  anomalies : {len(metadata['anomalies'])} signalées, "
        f"{len(anomalies.excluded_ids(metadata))} bureau(x) atypique(s) exclu(s) par défaut")
    folder = write_territory(out_dir, raw.territory_id, metadata=metadata, bureaux=slim,
                             results=results, indicators=ind, stations=stations,
                             outlines=outlines, addresses=addresses)
    load_screen_geometry(load_territory(out_dir, raw.territory_id), out_dir)  # the map's first load
    metadata["build_seconds"] = round(time.perf_counter() - t0, 1)
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


# ---------------------------------------------------------------------------------------------
# Indicators: abstention per election, trend, station distance, registered, territory ones
# ---------------------------------------------------------------------------------------------

def _indicators(raw: RawTerritory, bureaux: gpd.GeoDataFrame, results: pd.DataFrame,
                stations: pd.DataFrame, election_meta: list[dict[str, Any]]
                ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Indicator table (one row per bureau) and its metadata, in display order."""
    ind = pd.DataFrame(index=pd.Index(bureaux["bureau_id"], name="bureau_id"))
    meta = _abstention_indicators(ind, results, raw.extra_abstention, election_meta)
    meta.append(_trend_indicator(ind, raw.trend_pair))
    meta.append(_station_indicator(ind, bureaux, stations))
    ind["registered"] = bureaux.set_index("bureau_id")["registered"].reindex(ind.index)
    meta.append({"id": "registered", "label": "Inscrits", "unit": "électeurs",
                 "source": "Ministère de l'Intérieur",
                 "year": int(_year(raw.registered_election)), "available": True,
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
                "year": int(_year(late)), "available": True,
                "description": f"abstention {election_label(late)} − abstention {election_label(early)}",
                "pair": [early, late]}
    return {"id": "abstention_trend", "available": False,
            "reason": "pas deux élections comparables dans les données"}


def _station_indicator(ind: pd.DataFrame, bureaux: gpd.GeoDataFrame,
                       stations: pd.DataFrame) -> dict[str, Any]:
    """Metres from each bureau centre to the nearest station point (Lambert-93, not degrees);
    both points of a station listed by IDFM and SNCF count, whichever is nearer."""
    if not len(stations):
        return {"id": "station_distance", "available": False,
                "reason": "aucune liste de gares pour ce territoire"}
    ind["station_distance"] = geo.nearest_distance_m(
        bureaux["centre_lon"].to_numpy(), bureaux["centre_lat"].to_numpy(),
        stations["lon"].to_numpy(), stations["lat"].to_numpy()).round(0)
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
            "year": extra.year, "available": True, "description": extra.description}


# ---------------------------------------------------------------------------------------------
# Anomalies and dropped rows
# ---------------------------------------------------------------------------------------------

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
        trend_label=trend_label))


def _assembly_drops(unassigned: int | None, off_map: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows the assembly itself leaves out, counted with their reason."""
    off_ids = sorted(off_map["bureau_id"].unique()) if len(off_map) else []
    return [*anomalies.dropped_rows("Base Adresse Nationale", unassigned or 0,
                                    "adresses hors de tout contour de bureau"),
            *anomalies.dropped_rows("résultats", len(off_map),
                                    f"bureau(x) sans contour sur la carte de référence : "
                                    f"{', '.join(off_ids[:10])}{' …' if len(off_ids) > 10 else ''}")]


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------

def _coverage(bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None, unassigned: int | None,
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


def _metadata(raw: RawTerritory, election_meta: list[dict[str, Any]],
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


def _year(election_id: str) -> str:
    digits = "".join(ch for ch in election_id if ch.isdigit())
    return digits[:4] or "0"


def _election_meta(results: pd.DataFrame, raw: RawTerritory) -> list[dict[str, Any]]:
    """One descriptor per election (with results or only an abstention rate), oldest first."""
    meta: list[dict[str, Any]] = []
    groups = results.groupby("election", sort=False)
    for election_id, rows in groups:
        kind = next((k for k in ELECTION_KINDS if str(election_id).startswith(k)), "import")
        rnd = str(election_id).rpartition("t")[2] if "t" in str(election_id)[len(kind):] else None
        meta.append({
            "id": str(election_id), "label": election_label(str(election_id)), "kind": kind,
            "year": int(_year(str(election_id))), "round": int(rnd) if rnd and rnd.isdigit() else None,
            "value_kind": str(rows["value_kind"].iloc[0]), "carried": bool(rows["carried"].any()),
            "source": _source_of(str(election_id), raw), "bureaux": int(rows["bureau_id"].nunique()),
            "has_results": True,
        })
    for election_id in raw.extra_abstention:
        meta.append({"id": election_id, "label": election_label(election_id),
                     "kind": next((k for k in ELECTION_KINDS if election_id.startswith(k)), "import"),
                     "year": int(_year(election_id)), "round": None, "value_kind": None,
                     "carried": False, "source": _source_of(election_id, raw),
                     "bureaux": int(raw.extra_abstention[election_id].notna().sum()),
                     "has_results": False})
    return sorted(meta, key=lambda e: (e["year"], e["id"]))


def _source_of(election_id: str, raw: RawTerritory) -> str:
    for s in raw.sources:
        if election_id in s.note:
            return s.title
    return "Ministère de l'Intérieur"
