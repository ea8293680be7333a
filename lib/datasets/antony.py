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
from lib.contract import RESULTS_COLUMNS
from lib.datasets.archives import read_vector
from lib.datasets.census_criteria import prefer_available, shipped_census
from lib.datasets.filosofi import (
    FILOSOFI_COUNTS,
    areal_filosofi,
    filosofi_indicators,
    filosofi_weight_points,
)
from lib.datasets.qpv import SHIPPED_FILE as QPV_FILE
from lib.datasets.qpv import SOURCE as QPV_SOURCE
from lib.datasets.qpv import qpv_indicator, read_qpv
from lib.datasets.raw import (
    Indicator,
    RawTerritory,
    Source,
    raw_path,
    require_bureau_ids,
    require_columns,
)
from lib.datasets.stations import IDFM_SOURCE, SNCF_SOURCE, shipped_stations

FOLDER = "hds_9213_viz"
RESULT_FILES = {  # election id → (file, layout)
    "leg2022t2": ("legislatives2022_t2_9213.csv", "long"),
    "leg2024t1": ("legislatives2024_t1_9213.csv", "wide"),
    "leg2024t2": ("legislatives2024_t2_9213.csv", "wide"),
    "euro2024": ("europeennes2024_9213.csv", "wide"),
}

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
    IDFM_SOURCE,
    SNCF_SOURCE,
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


def read_bureaux(raw_dir: Path) -> gpd.GeoDataFrame:
    """The Etalab contours of the four communes, labelled with their polling places."""
    path = raw_path(raw_dir, FOLDER, "bv_contours_etalab_9213.geojson")
    contours = read_vector(path).to_crs(geo.WGS84)
    require_columns(contours, ["codeBureauVote", "codeCommune", "nomCommune", "numeroBureauVote"],
                    source=str(path))
    require_bureau_ids(contours["codeBureauVote"], source=str(path))
    places = _polling_places(raw_dir)
    code = contours["numeroBureauVote"].astype(str)
    label = contours["nomCommune"] + " — bureau " + code
    place = contours["codeBureauVote"].map(places)
    label = label.where(place.isna(), label + " (" + place.fillna("") + ")")
    return gpd.GeoDataFrame({
        "bureau_id": contours["codeBureauVote"], "commune_code": contours["codeCommune"],
        "commune_name": contours["nomCommune"], "bureau_code": code,
        "area_code": contours["codeCommune"], "label": label,
    }, geometry=contours.geometry, crs=geo.WGS84)


def read(raw_dir: Path, log=print) -> RawTerritory:
    """Read every 92-13 source into a :class:`RawTerritory`."""
    bureaux = read_bureaux(raw_dir)
    results = read_results(raw_dir)
    area_names = bureaux.groupby("commune_code")["commune_name"].first()

    sq_path = raw_path(raw_dir, FOLDER, "filosofi2019_carreaux_200m_9213.geojson")
    squares = read_vector(sq_path).to_crs(geo.WGS84)
    require_columns(squares, FILOSOFI_COUNTS, source=str(sq_path))
    indicators = [
        *filosofi_indicators(areal_filosofi(squares, geo.make_valid(bureaux))),
        Indicator("median_income", "Revenu disponible médian", "", "", None, "",
                  reason="les carreaux Filosofi ne donnent pas de médiane ; Filosofi par IRIS "
                         "existe mais sans contours IRIS dans les données"),
        qpv_indicator(read_qpv(raw_path(raw_dir, QPV_FILE), area_names.index), geo.make_valid(bureaux), None),
    ]
    census, census_sources = shipped_census(raw_dir, "antony", bureaux, None, results, "leg2024t2")
    indicators = prefer_available(indicators, census)
    stations = shipped_stations(raw_dir)
    return RawTerritory(
        territory_id="antony", name="Antony et voisines (92-13)",
        reference_map="Contours des bureaux de vote Etalab (REU, 2022+)",
        bureaux=bureaux, area_names=area_names, area_kind="commune", results=results,
        registered_election="leg2024t2", sources=[*SOURCES, QPV_SOURCE, *census_sources], indicators=indicators,
        addresses=None,
        addresses_missing_reason="pas de fichier BAN des Hauts-de-Seine dans les données : "
                                 "listes de porte-à-porte indisponibles pour ce territoire",
        weight_points=filosofi_weight_points(squares), stations=stations, trend_pair=("leg2022t2", "leg2024t2"),
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
