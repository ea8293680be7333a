"""Paris (75056): 2026 bureaux, 2017 results carried over, municipales 2026, BAN, IDFM/SNCF.

Raw files (``raw/``, see ``raw/SOURCES.md``):
- ``paris_joo_yan_2026/paris_2026_t1.geojson.gz``: 2026 bureaux (reference map), municipales
  2026 T1 shares, abstention 2020 and 2026, RPLS social dwellings, Filosofi median income.
- ``paris_aktiur_2017/secteurs-des-bureaux-de-vote.geojson``: 2017 bureaux.
- ``paris_aktiur_2017/paris_2017_resultats_par_bureau_long.csv.gz``: 2017 official results.
- ``ban_paris/adresses-75.csv.gz``: BAN addresses; ``idfm_gares``, ``sncf_gares``: stations.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib import geo
from lib.contract import RESULTS_COLUMNS
from lib.datasets.addresses import read_ban
from lib.datasets.archives import read_text_table, read_vector
from lib.datasets.carryover import (
    calibrate_weights,
    carry_losses,
    carry_results,
    registered_by_bureau,
    transfer_weights,
)
from lib.datasets.census_criteria import prefer_available, shipped_census
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

COMMUNE = "75056"
MUN2026_LISTS = {  # column of the source → list head as printed in the source's column names
    "pct_gregoire": "GRÉGOIRE", "pct_dati": "DATI", "pct_chikirou": "CHIKIROU",
    "pct_bournazel": "BOURNAZEL", "pct_knafo": "KNAFO", "pct_autres": "Autres listes",
}
ELECTIONS_2017 = {("presidentielle_2017", "1"): "pres2017t1", ("presidentielle_2017", "2"): "pres2017t2",
                  ("legislatives_2017", "1"): "leg2017t1", ("legislatives_2017", "2"): "leg2017t2"}

SOURCES = [
    Source("paris_bv_2026", "Secteurs des bureaux de vote 2026 et municipales 2026 (1er tour) par bureau",
           "Ville de Paris ; Ministère de l'Intérieur ; INSEE Filosofi 2021 ; SDES RPLS 2024 "
           "(assemblés par le projet Joo-Yan/ParisSocioElect)",
           "ODbL (Ville de Paris) ; Licence Ouverte 2.0 (MinInt, INSEE, SDES)",
           "https://github.com/Joo-Yan/ParisSocioElect-ElectionsMunicipales2026",
           ["paris_joo_yan_2026/paris_2026_t1.geojson.gz"], note="mun2026t1 mun2020t1"),
    Source("paris_bv_2017", "Secteurs des bureaux de vote 2017", "Ville de Paris (opendata.paris.fr)",
           "ODbL", "https://opendata.paris.fr/explore/dataset/secteurs-des-bureaux-de-vote/",
           ["paris_aktiur_2017/secteurs-des-bureaux-de-vote.geojson"]),
    Source("minint_2017", "Résultats 2017 par bureau de vote (présidentielle, législatives)",
           "Ministère de l'Intérieur (extraits Paris publiés par aktiur/carte-bureaux)",
           "Licence Ouverte", "https://github.com/aktiur/carte-bureaux",
           ["paris_aktiur_2017/paris_2017_resultats_par_bureau_long.csv.gz"],
           note="pres2017t1 pres2017t2 leg2017t1 leg2017t2"),
    Source("ban_75", "Base Adresse Nationale, Paris", "DINUM / IGN (adresse.data.gouv.fr)",
           "Licence Ouverte 2.0", "https://adresse.data.gouv.fr/", ["ban_paris/adresses-75.csv.gz"]),
    IDFM_SOURCE,
    SNCF_SOURCE,
]


def _arrondissement_name(text: str) -> str:
    return "Paris " + text.replace(" arr.", "")


def read_bureaux_2026(raw_dir: Path) -> gpd.GeoDataFrame:
    """The 2026 reference map with the socio-electoral attributes of the same file."""
    path = raw_path(raw_dir, "paris_joo_yan_2026", "paris_2026_t1.geojson.gz")
    gdf = read_vector(path)
    require_columns(gdf, ["code_bv", "arrondissement", "inscrits", "abstentions", "taux_abstention_2020",
                          "revenu_median", "n_hlm", *MUN2026_LISTS], source=str(path))
    gdf["bureau_id"] = COMMUNE + "_" + gdf["code_bv"].astype(str)
    require_bureau_ids(gdf["bureau_id"], source=str(path))
    return gdf.to_crs(geo.WGS84)


def read_results_2017(raw_dir: Path) -> pd.DataFrame:
    """2017 official results on the 2017 bureau ids (``arr-num``), contract columns."""
    path = raw_path(raw_dir, "paris_aktiur_2017", "paris_2017_resultats_par_bureau_long.csv.gz")
    raw = read_text_table(path, sep=",")
    require_columns(raw, ["id_bv_paris", "scrutin", "tour", "inscrits", "votants", "blancs", "nuls",
                          "exprimes", "nom", "prenom", "nuance", "voix"], source=str(path))
    election = [ELECTIONS_2017.get((s, t)) for s, t in zip(raw["scrutin"], raw["tour"], strict=True)]
    out = pd.DataFrame({
        "bureau_id": raw["id_bv_paris"], "election": election,
        "registered": pd.to_numeric(raw["inscrits"]), "voters": pd.to_numeric(raw["votants"]),
        "expressed": pd.to_numeric(raw["exprimes"]), "blank": pd.to_numeric(raw["blancs"]),
        "null": pd.to_numeric(raw["nuls"]),
        "candidate": raw["nom"].str.strip() + " " + raw["prenom"].str.strip(),
        "nuance": raw["nuance"], "votes": pd.to_numeric(raw["voix"]),
    })
    if out["election"].isna().any():
        raise ValueError("unexpected scrutin/tour in the 2017 file")
    return out


def mun2026_results(bureaux: gpd.GeoDataFrame) -> pd.DataFrame:
    """Municipales 2026 T1 in contract form: the source has shares only, no votes."""
    registered = pd.to_numeric(bureaux["inscrits"]).astype(float)
    voters = registered - pd.to_numeric(bureaux["abstentions"]).astype(float)
    frames = []
    for col, candidate in MUN2026_LISTS.items():
        frames.append(pd.DataFrame({
            "bureau_id": bureaux["bureau_id"].to_numpy(), "election": "mun2026t1",
            "registered": registered.to_numpy(), "voters": voters.to_numpy(),
            "expressed": float("nan"), "blank": float("nan"), "null": float("nan"),
            "candidate": candidate, "nuance": pd.NA, "votes": float("nan"),
            "share": pd.to_numeric(bureaux[col]).astype(float).to_numpy(),
            "value_kind": "share", "carried": False,
        }))
    return pd.concat(frames, ignore_index=True)


def read_addresses(raw_dir: Path) -> pd.DataFrame:
    """BAN addresses of Paris in contract columns (bureau assigned later)."""
    return read_ban(raw_path(raw_dir, "ban_paris", "adresses-75.csv.gz"), town="Paris")


def reference_bureaux(b26: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """The 2026 bureaux in the shape :func:`assemble` wants, and the arrondissement names."""
    arr_text = b26["arrondissement"].astype(str)
    bureaux = gpd.GeoDataFrame({
        "bureau_id": b26["bureau_id"], "commune_code": COMMUNE, "commune_name": "Paris",
        "bureau_code": b26["code_bv"].astype(str), "area_code": b26["code_bv"].str[:2],
        "label": arr_text.map(_arrondissement_name) + " — bureau " + b26["code_bv"].astype(str),
    }, geometry=b26.geometry, crs=geo.WGS84)
    area_names = pd.Series(arr_text.map(_arrondissement_name).to_numpy(),
                           index=b26["code_bv"].str[:2].to_numpy()).groupby(level=0).first()
    return bureaux, area_names


def carried_2017(raw_dir: Path, b26: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, addresses: pd.DataFrame,
                 log=print) -> tuple[pd.DataFrame, list[dict]]:
    """2017 results → 2026 bureaux: address overlap as the seed, calibrated to both margins.

    Returns the carried results and the rows no weight carries (the dataset's ``dropped``).
    """
    path17 = raw_path(raw_dir, "paris_aktiur_2017", "secteurs-des-bureaux-de-vote.geojson")
    b17 = geo.make_valid(read_vector(path17).to_crs(geo.WGS84))
    require_columns(b17, ["id_bv"], source=str(path17))
    res17 = read_results_2017(raw_dir)
    lon, lat = addresses["lon"].to_numpy(), addresses["lat"].to_numpy()
    seed = transfer_weights(
        b17, bureaux, old_id="id_bv", new_id="bureau_id",
        address_old=geo.assign_points(lon, lat, b17, "id_bv"),
        address_new=geo.assign_points(lon, lat, bureaux, "bureau_id"))
    weights = calibrate_weights(seed, old_registered=registered_by_bureau(res17),
                                new_registered=pd.to_numeric(b26.set_index("bureau_id")["inscrits"]).astype(float))
    log(f"  report 2017→2026 : {weights['old'].nunique()} bureaux 2017, "
        f"{(weights['method'] == 'area').sum()} pièces pondérées par la surface")
    return carry_results(res17, weights), carry_losses(res17, weights, source="résultats 2017")


def indicators_2026(b26: gpd.GeoDataFrame) -> list[Indicator]:
    """RPLS and Filosofi IRIS figures of the 2026 file; the Filosofi squares are declared missing."""
    by_id = b26.set_index("bureau_id")
    registered = pd.to_numeric(by_id["inscrits"]).astype(float)
    return [
        Indicator("social_housing", "Logements sociaux pour 100 inscrits", "logements / 100 inscrits",
                  "SDES RPLS 2024 (rapporté aux bureaux par ParisSocioElect)", 2024,
                  "logements sociaux RPLS attribués au bureau ÷ inscrits 2026 × 100",
                  values=pd.to_numeric(by_id["n_hlm"]) / registered * 100),
        Indicator("median_income", "Revenu disponible médian", "€ par unité de consommation et par an",
                  "INSEE Filosofi 2021 (IRIS → bureau, interpolation surfacique par ParisSocioElect)", 2021,
                  "médiane du revenu disponible par UC de l'IRIS, pondérée par la surface",
                  values=pd.to_numeric(by_id["revenu_median"])),
        Indicator("poverty_rate", "Ménages pauvres", "", "", None, "",
                  reason="Filosofi par IRIS existe pour Paris mais sans contours IRIS : "
                         "impossible de le rapporter aux bureaux sans inventer"),
        Indicator("mean_living_standard", "Niveau de vie moyen", "", "", None, "",
                  reason="carreaux Filosofi 200 m non disponibles pour Paris"),
        Indicator("seniors_share", "Part des 65 ans et plus", "", "", None, "",
                  reason="carreaux Filosofi 200 m non disponibles pour Paris"),
        Indicator("young_adults_share", "Part des 18-24 ans", "", "", None, "",
                  reason="carreaux Filosofi 200 m non disponibles pour Paris"),
        Indicator("owners_share", "Ménages propriétaires", "", "", None, "",
                  reason="carreaux Filosofi 200 m non disponibles pour Paris"),
    ]


def read(raw_dir: Path, log=print) -> RawTerritory:
    """Read every Paris source into a :class:`RawTerritory`."""
    b26 = geo.make_valid(read_bureaux_2026(raw_dir))
    bureaux, area_names = reference_bureaux(b26)
    addresses = read_addresses(raw_dir)
    log(f"  BAN : {len(addresses)} adresses lues")
    carried, dropped = carried_2017(raw_dir, b26, bureaux, addresses, log)
    results = pd.concat([carried, mun2026_results(b26)], ignore_index=True)[RESULTS_COLUMNS]
    stations = shipped_stations(raw_dir)
    indicators = indicators_2026(b26)
    indicators.append(qpv_indicator(read_qpv(raw_path(raw_dir, QPV_FILE), [COMMUNE]), bureaux, addresses))
    census, census_sources = shipped_census(raw_dir, "paris", bureaux, addresses, results, "mun2026t1")
    indicators = prefer_available(indicators, census)
    by_id = b26.set_index("bureau_id")
    return RawTerritory(
        territory_id="paris", name="Paris",
        reference_map="Secteurs des bureaux de vote 2026 (Ville de Paris)",
        bureaux=bureaux, area_names=area_names, area_kind="arrondissement",
        results=results, registered_election="mun2026t1", sources=[*SOURCES, QPV_SOURCE, *census_sources],
        indicators=indicators, addresses=addresses, stations=stations,
        trend_pair=("mun2020t1", "mun2026t1"),
        extra_abstention={"mun2020t1": pd.to_numeric(by_id["taux_abstention_2020"]).astype(float)},
        dropped=dropped,
        notes=["Résultats 2017 reportés des bureaux 2017 vers les bureaux 2026 : répartition initiale "
               "au prorata des adresses BAN de chaque intersection (surface à défaut), puis calée par "
               "ajustement proportionnel itératif sur les inscrits 2026 de chaque bureau : totaux de "
               "chaque bureau 2017 conservés.",
               "Municipales 2026 : la source ne donne que des pourcentages (pas de voix).",
               "Abstention municipales 2020 : taux de la source, bureaux renumérotés par ParisSocioElect."],
    )
