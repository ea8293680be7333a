"""The census criteria per bureau: INSEE IRIS counts split over the bureaux, then shares and the
registration gap (« mal-inscrits »), each with its census year and how it was allocated.

Counts are allocated, never rates: a bureau's share of renters is (renters of each IRIS × the
IRIS's weight in the bureau, summed) ÷ (households likewise), so a small IRIS does not weigh like
a large one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lib import geo
from lib.config import load_sources
from lib.datasets.census import (
    AGES_18P,
    BY_SOURCE,
    CONTOURS,
    locate_census,
    read_iris_contours,
    read_iris_table,
)
from lib.datasets.crop import Crop
from lib.datasets.metadata import election_label
from lib.datasets.raw import Indicator, Source

Why = Callable[[list[str]], str]  # source ids of the missing files → the French reason said


@dataclass(frozen=True)
class Share:
    """A census criterion that is one allocated count over another."""

    id: str
    label: str
    unit: str
    table: str  # source id of the INSEE table
    numerator: tuple[str, ...]
    denominator: str
    formula: str


SHARES = (
    Share("workers_employees_share", "Ouvriers et employés", "% des 15 ans ou plus", "iris_population",
          ("employes", "ouvriers"), "C_POP15P", "(employés + ouvriers) ÷ personnes de 15 ans ou plus"),
    Share("executives_share", "Cadres", "% des 15 ans ou plus", "iris_population", ("cadres",), "C_POP15P",
          "cadres et professions intellectuelles supérieures ÷ personnes de 15 ans ou plus"),
    Share("no_diploma_share", "Sans diplôme", "% des non-scolarisés de 15 ans ou plus", "iris_diplomes",
          ("P_NSCOL15P_DIPLMIN",), "P_NSCOL15P", "sans diplôme ou au plus le certificat d'études ÷ non-scolarisés de 15 ans ou plus"),
    Share("higher_education_share", "Diplômés du supérieur", "% des non-scolarisés de 15 ans ou plus", "iris_diplomes",
          ("P_NSCOL15P_SUP2", "P_NSCOL15P_SUP34", "P_NSCOL15P_SUP5"), "P_NSCOL15P",
          "diplômés de bac + 2 et plus ÷ non-scolarisés de 15 ans ou plus"),
    Share("young_adults_share", "Part des 18-24 ans", "% des habitants", "iris_population", ("P_POP1824",), "P_POP",
          "habitants de 18 à 24 ans ÷ habitants"),
    Share("seniors_share", "Part des 65 ans et plus", "% des habitants", "iris_population", ("P_POP65P",), "P_POP",
          "habitants de 65 ans et plus ÷ habitants"),
    Share("renters_share", "Locataires", "% des résidences principales", "iris_logement", ("P_RP_LOC",), "P_RP",
          "résidences principales occupées par des locataires ÷ résidences principales"),
    Share("social_renters_share", "Locataires HLM", "% des résidences principales", "iris_logement",
          ("P_RP_LOCHLMV",), "P_RP", "résidences principales louées vides en HLM ÷ résidences principales"),
    Share("owners_share", "Ménages propriétaires", "% des résidences principales", "iris_logement", ("P_RP_PROP",),
          "P_RP", "résidences principales occupées par leur propriétaire ÷ résidences principales"),
    Share("unemployment_rate", "Taux de chômage", "% des actifs de 15-64 ans", "iris_activite", ("P_CHOM1564",),
          "P_ACT1564", "chômeurs de 15-64 ans ÷ actifs de 15-64 ans (au sens du recensement)"),
)
GAP_ID, GAP_LABEL = "registration_gap", "Écart d'inscription (mal-inscrits)"
CENSUS_IDS = (*(s.id for s in SHARES), GAP_ID)


@dataclass(frozen=True)
class Weights:
    """IRIS → bureau weights (``iris``, ``bureau_id``, ``weight``) and how they were made (said)."""

    table: pd.DataFrame
    method: str


def area_weights(iris: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share of each IRIS's area in each bureau (Lambert-93)."""
    metric = iris[["iris", "geometry"]].to_crs(geo.LAMBERT93)
    whole = metric.set_index("iris").area
    pieces = gpd.overlay(metric, bureaux[["bureau_id", "geometry"]].to_crs(geo.LAMBERT93),
                         how="intersection", keep_geom_type=True)
    return pd.DataFrame({"iris": pieces["iris"], "bureau_id": pieces["bureau_id"],
                         "weight": pieces.area.to_numpy() / whole.reindex(pieces["iris"]).to_numpy()})


def address_weights(iris: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """Share of each IRIS's BAN addresses (those inside a bureau) in each bureau."""
    lon, lat = addresses["lon"].to_numpy(), addresses["lat"].to_numpy()
    pairs = pd.DataFrame({"iris": geo.assign_points(lon, lat, iris, "iris").to_numpy(),
                          "bureau_id": geo.assign_points(lon, lat, bureaux, "bureau_id").to_numpy()}).dropna()
    counts = pairs.groupby(["iris", "bureau_id"]).size().rename("n").reset_index()
    counts["weight"] = counts["n"] / counts.groupby("iris")["n"].transform("sum")
    return counts[["iris", "bureau_id", "weight"]].astype({"iris": str, "bureau_id": str})


def iris_weights(iris: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None) -> Weights:
    """By addresses where the territory has them (by area for an IRIS without any), else by area."""
    if addresses is None or not len(addresses):
        return Weights(area_weights(iris, bureaux), "au prorata de la surface (pas d'adresses BAN)")
    by_address = address_weights(iris, bureaux, addresses)
    bare = iris[~iris["iris"].isin(set(by_address["iris"]))]
    by_area = area_weights(bare, bureaux) if len(bare) else by_address.iloc[:0]
    return Weights(pd.concat([by_address, by_area], ignore_index=True),
                   "au prorata des adresses BAN (de la surface pour un IRIS sans adresse)")


def allocate(counts: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """Per bureau, the sum of each IRIS count × the IRIS's weight in the bureau."""
    joined = weights.table.join(counts, on="iris", how="inner")
    columns = [c for c in counts.columns if pd.api.types.is_numeric_dtype(counts[c])]
    return joined[columns].mul(joined["weight"], axis=0).groupby(joined["bureau_id"]).sum(min_count=1)


def source_text(year: int, weights: Weights) -> str:
    """« INSEE, recensement 2021 (tables IRIS) ; IRIS → bureaux au prorata … » (shown with each value)."""
    return (f"INSEE, recensement {year} (bases infracommunales IRIS) ; IRIS → bureaux {weights.method} : "
            "répartition spatiale, pas la table « Liaison IRIS / Bureaux de vote »")


def share_indicator(share: Share, per_bureau: pd.DataFrame, year: int, weights: Weights) -> Indicator:
    """One share per bureau (no value where the denominator is zero)."""
    top = per_bureau[list(share.numerator)].sum(axis=1, min_count=1)
    bottom = per_bureau[share.denominator].where(per_bureau[share.denominator] > 0)
    return Indicator(share.id, share.label, share.unit, source_text(year, weights), year,
                     f"{share.formula} × 100, comptes des IRIS répartis sur les bureaux",
                     values=(100 * top / bottom).round(2))


def adults_french(population: pd.DataFrame) -> pd.Series:
    """Per IRIS: residents of 18 or more × the IRIS's share of French nationals (the census does
    not cross age and nationality at IRIS level: the share is taken the same at every age)."""
    adults = population[AGES_18P].sum(axis=1)
    french = population["P_POP_FR"] / population["P_POP"].where(population["P_POP"] > 0)
    return (adults * french.fillna(0.0)).rename("adults_fr")


def gap_indicator(adults: pd.Series, registered: pd.Series, year: int, roll: str, weights: Weights) -> Indicator:
    """(adult French residents allocated to the bureau − registered voters) ÷ those residents × 100."""
    residents = adults.where(adults > 0)
    gap = 100 * (residents - registered.reindex(adults.index)) / residents
    return Indicator(GAP_ID, GAP_LABEL, "% des majeurs français recensés", source_text(year, weights), year,
                     f"(majeurs français recensés en {year} répartis sur le bureau − inscrits {roll}) ÷ majeurs "
                     f"français × 100. Estimation, pas une mesure : les IRIS sont plus grands que les bureaux, le "
                     f"recensement ({year}) n'est pas la liste électorale ({roll}), la part de Français de l'IRIS "
                     "est supposée la même à tout âge. Négatif : plus d'inscrits que de majeurs français recensés "
                     "(inscrits partis ou venus d'ailleurs).",
                     values=gap.round(2))


def missing(indicator_id: str, label: str, reason: str) -> Indicator:
    """A census criterion declared unavailable, with the reason the app shows."""
    return Indicator(indicator_id, label, "", "", None, "", reason=reason)


def census_indicators(tables: Mapping[str, pd.DataFrame], iris: gpd.GeoDataFrame | None,
                      bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None,
                      registered: pd.Series, roll: str, why: Why) -> list[Indicator]:
    """Every census criterion: computed from the tables present, else missing with ``why``."""
    if iris is None or not len(iris):
        def both(table: str) -> str:
            return why([table, "iris_contours"] if table not in tables else ["iris_contours"])
        return [missing(s.id, s.label, both(s.table)) for s in SHARES] + [missing(GAP_ID, GAP_LABEL, both("iris_population"))]
    weights = iris_weights(iris, geo.make_valid(bureaux), addresses)
    allocated = {sid: allocate(t, weights) for sid, t in tables.items()}
    out = [unplaced(share_indicator(s, allocated[s.table], tables[s.table].attrs["year"], weights), tables[s.table], iris)
           if s.table in tables else missing(s.id, s.label, why([s.table])) for s in SHARES]
    if "iris_population" not in tables:
        return [*out, missing(GAP_ID, GAP_LABEL, why(["iris_population"]))]
    population = tables["iris_population"]
    adults = allocate(adults_french(population).to_frame(), weights)["adults_fr"]
    return [*out, unplaced(gap_indicator(adults, registered, population.attrs["year"], roll, weights), population, iris)]


def unplaced(indicator: Indicator, table: pd.DataFrame, iris: gpd.GeoDataFrame) -> Indicator:
    """Say, in the indicator's description, the table's IRIS that have no contour: their people
    are in no bureau (a table and contours of different geography years), never silently lost."""
    lost = sorted(set(table.index) - set(iris["iris"]))
    if lost:
        indicator.description += (f" {len(lost)} IRIS de la table sans contour (géographies d'années différentes ?) : "
                                  f"leurs habitants ne sont comptés dans aucun bureau (ex. {lost[0]}).")
    return indicator


def prefer_available(first: list[Indicator], second: list[Indicator]) -> list[Indicator]:
    """``first`` with the indicators of ``second`` added; for an id in both, the available one wins
    (the first when both are), and two reasons are joined when neither is."""
    by_id = {i.id: i for i in first}
    for other in second:
        mine = by_id.get(other.id)
        if mine is None or (mine.values is None and other.values is not None):
            by_id[other.id] = other
        elif mine.values is None and other.values is None and other.reason not in mine.reason:
            by_id[other.id] = missing(mine.id, mine.label, f"{mine.reason} ; {other.reason}")
    return list(by_id.values())


def registered_of(results: pd.DataFrame, election: str) -> pd.Series:
    """Registered voters per bureau in ``election`` (the roll the gap is measured against)."""
    rows = results[results["election"] == election].drop_duplicates("bureau_id")
    return pd.to_numeric(rows.set_index("bureau_id")["registered"], errors="coerce").astype(float)


def absent_reason(sids: list[str], sources: Mapping[str, Mapping[str, str]], where: str) -> str:
    """Why a census criterion is missing: each file (published name and page), where to put it."""
    def named(sid: str) -> str:
        src = sources.get(sid, {})
        kind = "contours IRIS de l'IGN" if sid == CONTOURS else "table du recensement INSEE"
        return f"{kind} {src.get('file', sid)} ({src.get('page', '')})"
    why = " — sans les contours IRIS, les tables du recensement ne se rapportent pas aux bureaux" if CONTOURS in sids else ""
    return f"{'fichiers absents' if len(sids) > 1 else 'fichier absent'} : {' et '.join(map(named, sids))}{why} ; {where}"


CENSUS_SOURCES = (*BY_SOURCE, CONTOURS)
SHIPPED_FOLDER = "insee_iris"  # raw/insee_iris/: where the shipped builds look for the files


def national_census(ctx: Any, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None,
                    results: pd.DataFrame, roll: str) -> list[Indicator]:
    """The census criteria of a build from national files (``lib.datasets.national.Context``):
    read from the files present, the others declared missing with the file to add."""
    present = [sid for sid in CENSUS_SOURCES if sid in ctx.files]
    tables = {sid: ctx.read(sid) for sid in present if sid != CONTOURS}
    iris = ctx.read(CONTOURS) if CONTOURS in ctx.files else None
    ctx.found.used.extend(present)
    ctx.found.missing.extend(f"{ctx.sources[sid]['title']} ({ctx.sources[sid]['file']})"
                             for sid in CENSUS_SOURCES if sid not in present and sid in ctx.sources)
    return census_indicators(tables, iris, bureaux, addresses, registered_of(results, roll), election_label(roll),
                             lambda sids: absent_reason(sids, ctx.sources, "ajoutez-les au dossier des fichiers nationaux"))


def shipped_census(raw_dir: Path, territory: str, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame | None,
                   results: pd.DataFrame, roll: str) -> tuple[list[Indicator], list[Source]]:
    """The census criteria of a shipped territory, from ``raw/insee_iris/`` when the files are
    there, with the sources to credit; else each declared missing, naming the file to add."""
    sources = load_sources()
    files = locate_census(Path(raw_dir) / SHIPPED_FOLDER)
    crop = Crop(set(bureaux["commune_code"].astype(str)), bounds=tuple(bureaux.total_bounds))
    tables = {sid: read_iris_table(path, crop) for sid, path in files.items() if sid != CONTOURS}
    iris = read_iris_contours(files[CONTOURS], crop) if CONTOURS in files else None
    where = f"déposez-les dans raw/{SHIPPED_FOLDER}/ puis reconstruisez (python -m lib.datasets {territory})"
    found = census_indicators(tables, iris, bureaux, addresses, registered_of(results, roll), election_label(roll),
                              lambda sids: absent_reason(sids, sources, where))
    used = [Source(sid, sources[sid]["title"], sources[sid]["publisher"], sources[sid]["licence"],
                   sources[sid]["page"], [f"{SHIPPED_FOLDER}/{path.name}"])
            for sid, path in files.items() if iris is not None]
    return found, used
