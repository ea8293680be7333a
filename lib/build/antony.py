"""Antony and neighbours (circonscription 92-13): Etalab 2022+ bureaux, MinInt 2022-2024, Filosofi 200 m.

Raw files (``raw/hds_9213_viz/``, row crops of national official files, see ``raw/SOURCES.md``):
contours ``bv_contours_etalab_9213.geojson``; results ``legislatives2022_t2_9213.csv`` (long),
``legislatives2024_t1_9213.csv``, ``legislatives2024_t2_9213.csv``, ``europeennes2024_9213.csv``
(official wide layouts); ``filosofi2019_carreaux_200m_9213.geojson``. No BAN file for the 92:
addresses are declared missing, and bureau centres are weighted by the Filosofi population.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib import geo, minint
from lib.build.common import (
    Indicator,
    RawTerritory,
    Source,
    merge_stations,
    raw_path,
    read_idfm_stations,
    read_sncf_stations,
    read_vector,
    require_bureau_ids,
    require_columns,
)
from lib.build.paris import SOURCES as PARIS_SOURCES
from lib.contract import RESULTS_COLUMNS

FOLDER = "hds_9213_viz"
RESULT_FILES = {  # election id → (file, layout)
    "leg2022t2": ("legislatives2022_t2_9213.csv", "long"),
    "leg2024t1": ("legislatives2024_t1_9213.csv", "wide"),
    "leg2024t2": ("legislatives2024_t2_9213.csv", "wide"),
    "euro2024": ("europeennes2024_9213.csv", "wide"),
}
FILOSOFI_COUNTS = ["ind", "men", "men_pauv", "ind_snv", "log_av45", "log_45_70", "log_70_90",
                   "log_ap90", "log_inc", "log_soc", "ind_65_79", "ind_80p"]

SOURCES = [
    Source("etalab_bv", "Proposition de contours des bureaux de vote (d'après le REU)",
           "Etalab / data.gouv.fr (extrait emmanuelle/viz-9213)", "Licence Ouverte 2.0",
           "https://www.data.gouv.fr/fr/datasets/proposition-de-contours-des-bureaux-de-vote/",
           [f"{FOLDER}/bv_contours_etalab_9213.geojson"],
           note="Contours approximatifs (Voronoï des adresses du REU), pas des limites officielles."),
    Source("minint_leg2022", "Législatives 2022, 2nd tour, résultats par bureau",
           "Ministère de l'Intérieur (export OpenDataSoft)", "Licence Ouverte 2.0",
           "https://www.data.gouv.fr/fr/pages/donnees-des-elections/",
           [f"{FOLDER}/legislatives2022_t2_9213.csv"], note="leg2022t2"),
    Source("minint_leg2024", "Législatives 2024, résultats par bureau (T1 provisoires, T2 définitifs)",
           "Ministère de l'Intérieur", "Licence Ouverte 2.0",
           "https://www.data.gouv.fr/fr/pages/donnees-des-elections/",
           [f"{FOLDER}/legislatives2024_t1_9213.csv", f"{FOLDER}/legislatives2024_t2_9213.csv"],
           note="leg2024t1 leg2024t2"),
    Source("minint_euro2024", "Européennes 2024, résultats définitifs par bureau",
           "Ministère de l'Intérieur", "Licence Ouverte 2.0",
           "https://www.data.gouv.fr/fr/pages/donnees-des-elections/",
           [f"{FOLDER}/europeennes2024_9213.csv"], note="euro2024"),
    Source("filosofi_200m", "Filosofi 2019, données carroyées 200 m", "INSEE", "Licence Ouverte 2.0",
           "https://www.insee.fr/fr/statistiques/7655475",
           [f"{FOLDER}/filosofi2019_carreaux_200m_9213.geojson"]),
    *[s for s in PARIS_SOURCES if s.id in ("idfm_gares", "sncf_gares")],
]


def read_results(raw_dir: Path) -> pd.DataFrame:
    """The four elections in contract form, through the same parsers as user uploads."""
    frames = []
    for election, (name, layout) in RESULT_FILES.items():
        path = raw_path(raw_dir, FOLDER, name)
        table = minint.read_table(path, name=str(path))
        parse = minint.parse_wide if layout == "wide" else minint.parse_long
        frames.append(parse(table, election=election, name=str(path)))
    return pd.concat(frames, ignore_index=True)[RESULTS_COLUMNS]


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


def read(raw_dir: Path, log=print) -> RawTerritory:
    """Read every 92-13 source into a :class:`RawTerritory`."""
    path = raw_path(raw_dir, FOLDER, "bv_contours_etalab_9213.geojson")
    contours = read_vector(path).to_crs(geo.WGS84)
    require_columns(contours, ["codeBureauVote", "codeCommune", "nomCommune", "numeroBureauVote"],
                    source=str(path))
    require_bureau_ids(contours["codeBureauVote"], source=str(path))
    results = read_results(raw_dir)
    places = _polling_places(raw_dir)
    code = contours["numeroBureauVote"].astype(str)
    label = contours["nomCommune"] + " — bureau " + code
    place = contours["codeBureauVote"].map(places)
    label = label.where(place.isna(), label + " (" + place.fillna("") + ")")
    bureaux = gpd.GeoDataFrame({
        "bureau_id": contours["codeBureauVote"], "commune_code": contours["codeCommune"],
        "commune_name": contours["nomCommune"], "bureau_code": code,
        "area_code": contours["codeCommune"], "label": label,
    }, geometry=contours.geometry, crs=geo.WGS84)
    area_names = contours.groupby("codeCommune")["nomCommune"].first()

    sq_path = raw_path(raw_dir, FOLDER, "filosofi2019_carreaux_200m_9213.geojson")
    squares = read_vector(sq_path).to_crs(geo.WGS84)
    require_columns(squares, FILOSOFI_COUNTS, source=str(sq_path))
    agg = areal_filosofi(squares, geo.make_valid(bureaux))
    dwellings = agg[["log_av45", "log_45_70", "log_70_90", "log_ap90", "log_inc"]].sum(axis=1)
    centroids = squares.to_crs(geo.LAMBERT93).centroid.to_crs(geo.WGS84)
    weight_points = pd.DataFrame({"lon": centroids.x, "lat": centroids.y,
                                  "weight": pd.to_numeric(squares["ind"], errors="coerce").fillna(0)})

    stations = merge_stations(read_idfm_stations(raw_path(raw_dir, "idfm_gares", "emplacement-des-gares-idf.csv.gz")),
                              read_sncf_stations(raw_path(raw_dir, "sncf_gares", "liste-des-gares.csv.gz")))
    filosofi = "INSEE Filosofi 2019, carreaux 200 m (pondération surfacique)"
    indicators = [
        Indicator("social_housing", "Part de logements sociaux", "% des logements", filosofi, 2019,
                  "log_soc ÷ (log_av45 + log_45_70 + log_70_90 + log_ap90 + log_inc) × 100",
                  values=agg["log_soc"] / dwellings * 100),
        Indicator("poverty_rate", "Ménages pauvres", "% des ménages", filosofi, 2019,
                  "men_pauv ÷ men × 100 (ménages sous le seuil de pauvreté à 60 %)",
                  values=agg["men_pauv"] / agg["men"] * 100),
        Indicator("mean_living_standard", "Niveau de vie moyen", "€ par personne et par an", filosofi, 2019,
                  "ind_snv ÷ ind (somme des niveaux de vie winsorisés ÷ individus)",
                  values=agg["ind_snv"] / agg["ind"]),
        Indicator("seniors_share", "Part des 65 ans et plus", "% des habitants", filosofi, 2019,
                  "(ind_65_79 + ind_80p) ÷ ind × 100",
                  values=(agg["ind_65_79"] + agg["ind_80p"]) / agg["ind"] * 100),
        Indicator("median_income", "Revenu disponible médian", "", "", None, "",
                  reason="les carreaux Filosofi ne donnent pas de médiane ; Filosofi par IRIS "
                         "existe mais sans contours IRIS dans les données"),
    ]
    return RawTerritory(
        territory_id="antony", name="Antony et voisines (92-13)",
        reference_map="Contours des bureaux de vote Etalab (REU, 2022+)",
        bureaux=bureaux, area_names=area_names, area_kind="commune", results=results,
        registered_election="leg2024t2", sources=SOURCES, indicators=indicators,
        addresses=None,
        addresses_missing_reason="pas de fichier BAN des Hauts-de-Seine dans les données : "
                                 "listes de porte-à-porte indisponibles pour ce territoire",
        weight_points=weight_points, stations=stations, trend_pair=("leg2022t2", "leg2024t2"),
        notes=["Contours Etalab : approximation (Voronoï des adresses du REU), pas des limites officielles.",
               "Législatives 2024 T1 : résultats provisoires du Ministère (fichier définitif non disponible).",
               "Centres des bureaux pondérés par la population Filosofi (pas d'adresses BAN).",
               "Tendance d'abstention : législatives 2022 T2 → 2024 T2 (seul 2nd tour 2022 disponible)."],
    )


def _polling_places(raw_dir: Path) -> pd.Series:
    """Polling-place names (``nomBureauVote`` added by the extract), for readable labels."""
    path = raw_path(raw_dir, FOLDER, RESULT_FILES["leg2024t1"][0])
    table = minint.read_table(path, name=str(path))
    if "nomBureauVote" not in table.columns or "id_bv" not in table.columns:
        return pd.Series(dtype="string")
    names = table["nomBureauVote"].astype("string").str.replace(r"^\d+\s+", "", regex=True).str.title()
    return pd.Series(names.to_numpy(), index=table["id_bv"].to_numpy())
