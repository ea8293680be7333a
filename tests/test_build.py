"""Territory datasets built from the real raw files (``raw/``): counts, ids, conservation."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from lib.dataset import load_territory
from lib.datasets import build
from lib.datasets import paris as paris_build
from lib.datasets.carryover import carry_results, transfer_weights
from lib.datasets.stations import distinct_stations, merge_stations, same_station_name
from lib.errors import BuildError

from .helpers import DATA_DIR, RAW_DIR, requires_dataset, synthetic_results

pytestmark = requires_dataset("paris")


@pytest.fixture(scope="module")
def paris():
    return load_territory(DATA_DIR, "paris")


def test_paris_has_903_bureaux_with_well_formed_unique_ids(paris):
    ids = paris.bureaux["bureau_id"]
    assert len(ids) == 903 and ids.is_unique
    assert ids.str.fullmatch(r"75056_\d{4}").all()


def test_paris_carried_2017_totals_equal_the_source_totals(paris):
    source = paris_build.read_results_2017(RAW_DIR)
    for election in ("pres2017t1", "pres2017t2", "leg2017t1", "leg2017t2"):
        src = source[source["election"] == election]
        out = paris.results[paris.results["election"] == election]
        assert out["votes"].sum() == pytest.approx(src["votes"].sum(), rel=0.005)
        src_reg = src.drop_duplicates("bureau_id")["registered"].sum()
        out_reg = out.drop_duplicates("bureau_id")["registered"].sum()
        assert out_reg == pytest.approx(src_reg, rel=0.005)
        assert out["carried"].all()


def test_every_paris_bureau_is_within_1_km_of_a_station(paris):
    distance = paris.indicators["station_distance"]
    assert distance.notna().all()
    assert distance.max() < 1000


def test_fewer_than_1_percent_of_ban_addresses_are_unassigned(paris):
    cov = paris.metadata["coverage"]
    assert cov["addresses_unassigned"] / (cov["addresses"] + cov["addresses_unassigned"]) < 0.01
    assert len(paris.addresses) == cov["addresses"]


def test_missing_indicators_are_declared_with_a_reason_not_invented(paris):
    declared = {i["id"]: i for i in paris.metadata["indicators"]}
    assert declared["poverty_rate"]["available"] is False
    assert "IRIS" in declared["poverty_rate"]["reason"]
    assert "poverty_rate" not in paris.indicators.columns


def test_paris_2026_results_are_flagged_as_shares_only(paris):
    mun = paris.results[paris.results["election"] == "mun2026t1"]
    assert (mun["value_kind"] == "share").all() and mun["votes"].isna().all()
    assert not mun["carried"].any()


def test_abstention_trend_is_declared_with_its_pair(paris):
    assert paris.metadata["abstention_trend"] == {"from": "mun2020t1", "to": "mun2026t1"}
    trend = paris.indicators["abstention_trend"] - (
        paris.indicators["abstention_mun2026t1"] - paris.indicators["abstention_mun2020t1"])
    assert trend.abs().max() < 1e-3


def test_transfer_by_addresses_conserves_totals():
    """Two old bureaux split over three new ones; addresses decide the split."""
    import geopandas as gpd
    import shapely

    old = gpd.GeoDataFrame({"old_id": ["A", "B"]},
                           geometry=[shapely.box(2.30, 48.80, 2.31, 48.81), shapely.box(2.31, 48.80, 2.32, 48.81)],
                           crs="EPSG:4326")
    new = gpd.GeoDataFrame({"bureau_id": ["75056_0001", "75056_0002", "75056_0003"]},
                           geometry=[shapely.box(2.30, 48.80, 2.305, 48.81), shapely.box(2.305, 48.80, 2.315, 48.81),
                                     shapely.box(2.315, 48.80, 2.32, 48.81)], crs="EPSG:4326")
    address_old = pd.Series(["A", "A", "A", "A"])  # B has no address: area fallback
    address_new = pd.Series(["75056_0001", "75056_0001", "75056_0001", "75056_0002"])
    w = transfer_weights(old, new, old_id="old_id", new_id="bureau_id",
                         address_old=address_old, address_new=address_new)
    assert w.groupby("old")["weight"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    a = w[w["old"] == "A"].set_index("new")["weight"]
    assert a["75056_0001"] == pytest.approx(0.75)
    b = w[w["old"] == "B"].set_index("new")["weight"]
    assert b["75056_0002"] == pytest.approx(0.5, rel=1e-3)
    results = synthetic_results(["A", "B"])
    carried = carry_results(results, w)
    assert carried["votes"].sum() == pytest.approx(results["votes"].sum())
    assert carried["carried"].all()


def test_unknown_territory_is_refused_in_french(tmp_path):
    with pytest.raises(BuildError, match="territoire inconnu"):
        build("atlantide", out_dir=tmp_path)


def test_missing_raw_file_stops_the_build_and_keeps_the_previous_dataset(tmp_path):
    previous = tmp_path / "out" / "paris"
    previous.mkdir(parents=True)
    (previous / "metadata.json").write_text(json.dumps({"marker": "previous"}))
    with pytest.raises(BuildError, match="fichier source absent"):
        build("paris", raw_dir=tmp_path / "empty_raw", out_dir=tmp_path / "out")
    assert json.loads((previous / "metadata.json").read_text()) == {"marker": "previous"}


def test_truncated_raw_file_is_reported_with_its_name(tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    gz = raw / "paris_aktiur_2017" / "paris_2017_resultats_par_bureau_long.csv.gz"
    gz.write_bytes(gz.read_bytes()[:5000])
    (raw / "ban_paris" / "adresses-75.csv.gz").write_bytes(
        (RAW_DIR / "ban_paris" / "adresses-75.csv.gz").read_bytes())
    with pytest.raises(BuildError, match="paris_2017_resultats_par_bureau_long"):
        build("paris", raw_dir=raw, out_dir=tmp_path / "out")


def test_station_distances_are_metres_not_degrees(paris):
    # A unit bug (degrees) would give values < 0.1; a CRS bug thousands of km.
    assert np.nanmedian(paris.indicators["station_distance"]) > 50


@pytest.fixture(scope="module")
def antony():
    return load_territory(DATA_DIR, "antony")


@requires_dataset("antony")
def test_antony_has_91_bureaux_of_four_communes(antony):
    assert len(antony.bureaux) == 91
    assert set(antony.bureaux["commune_code"]) == {"92002", "92014", "92019", "92071"}
    assert antony.bureaux["bureau_id"].str.fullmatch(r"920\d{2}_\d{4}").all()


@requires_dataset("antony")
def test_antony_official_results_read_through_the_minint_parser(antony):
    r = antony.results
    one = r[(r["bureau_id"] == "92002_0001") & (r["election"] == "leg2024t1")].set_index("candidate")
    assert one.loc["GAILLARD Brice", "votes"] == 237 and one.loc["GAILLARD Brice", "nuance"] == "UG"
    assert one["registered"].iloc[0] == 965 and one["expressed"].iloc[0] == 789
    assert set(r["election"]) == {"leg2022t2", "leg2024t1", "leg2024t2", "euro2024"}
    assert not r["carried"].any()


@requires_dataset("antony")
def test_antony_declares_missing_addresses_and_uses_population_centres(antony):
    assert antony.addresses is None
    assert "BAN" in antony.metadata["coverage"]["addresses_missing_reason"]
    methods = antony.bureaux["centre_method"]
    assert set(methods) <= {"population", "polygon"} and (methods == "population").mean() > 0.9


@requires_dataset("antony")
def test_antony_filosofi_indicators_are_shares_in_range(antony):
    ind = antony.indicators
    for col in ("social_housing", "poverty_rate", "seniors_share"):
        assert ind[col].between(0, 100).all(), col
    assert antony.metadata["abstention_trend"] == {"from": "leg2022t2", "to": "leg2024t2"}


def test_same_pipeline_builds_both_territories_from_a_fresh_copy(tmp_path):
    meta = build("antony", out_dir=tmp_path)
    assert meta["coverage"]["bureaux"] == 91
    assert load_territory(tmp_path, "antony").name.startswith("Antony")


def test_a_build_reports_one_duration_reading_included(tmp_path, monkeypatch):
    """``build_seconds`` counts reading the raw files too, and the log says the same figure."""
    from lib.datasets import antony

    read = antony.read

    def slow_read(*args, **kwargs):
        time.sleep(0.5)
        return read(*args, **kwargs)

    monkeypatch.setattr(antony, "read", slow_read)
    logs: list[str] = []
    meta = build("antony", out_dir=tmp_path, log=logs.append)
    assert meta["build_seconds"] >= 0.5
    assert logs[-1].endswith(f" en {meta['build_seconds']} s")


@pytest.mark.parametrize(("sncf", "idfm"), [
    ("Paris-St-Lazare", "Gare Saint-Lazare"), ("Paris-Nord", "Gare du Nord"),
    ("Paris Gare du Nord", "Gare du Nord"), ("La Défense", "La Défense (Grande Arche)"),
    ("Livry-Gargan", "Gargan"), ("Épinay-sur-Seine TT", "Épinay-sur-Seine"),
    ("Pont-du-Garigliano-Hôpital-Georges-Pompidou", "Pont du Garigliano - Hôpital Européen G. Pompidou"),
    ("Aéroport-Charles-de-Gaulle 2-TGV", "Aéroport CDG - Terminal 2 (TGV)"),
])
def test_station_names_of_the_same_station_match(sncf, idfm):
    assert same_station_name(sncf, idfm) and same_station_name(idfm, sncf)


@pytest.mark.parametrize(("sncf", "idfm"), [
    ("Magenta", "Gare du Nord"), ("Avenue-Foch", "Porte Dauphine"),
    ("Champ-de-Mars-Tour-Eiffel", "Bir-Hakeim"), ("Évreux-Embranchement", "Évreux Normandie"),
    ("Gare", "Gare de Lyon"),
])
def test_station_names_of_different_stations_do_not_match(sncf, idfm):
    assert not same_station_name(sncf, idfm)


def test_a_train_station_is_the_same_as_a_close_station_of_the_same_name_only():
    idfm = pd.DataFrame({"station_id": ["IDFM:1", "IDFM:2"], "name": ["Gare du Nord", "Porte Dauphine"],
                         "modes": "METRO", "source": "IDFM", "lon": [2.3553, 2.2770], "lat": [48.8809, 48.8714]})
    sncf = pd.DataFrame({"station_id": ["SNCF:1", "SNCF:2", "SNCF:3"],
                         "name": ["Paris-Nord", "Avenue-Foch", "Magenta"], "modes": "TRAIN", "source": "SNCF",
                         "lon": [2.3556, 2.2772, 2.3560], "lat": [48.8806, 48.8716, 48.8812]})
    merged = merge_stations(idfm, sncf)
    assert merged.set_index("station_id")["same_as"].dropna().to_dict() == {"SNCF:1": "IDFM:1"}
    assert distinct_stations(merged)["station_id"].tolist() == ["IDFM:1", "IDFM:2", "SNCF:2", "SNCF:3"]
    assert distinct_stations(merged[merged["station_id"] != "IDFM:1"])["station_id"].tolist() == [
        "IDFM:2", "SNCF:1", "SNCF:2", "SNCF:3"]  # a twin whose namesake was cropped away stays


def test_paris_distances_use_both_points_of_a_station_listed_twice(paris):
    """Gare de Lyon is listed by IDFM and SNCF: the distance is to the nearer of the two points."""
    from lib import geo
    from lib.datasets.stations import read_idfm_stations, read_sncf_stations

    every = pd.concat([read_idfm_stations(RAW_DIR / "idfm_gares" / "emplacement-des-gares-idf.csv.gz"),
                       read_sncf_stations(RAW_DIR / "sncf_gares" / "liste-des-gares.csv.gz")])
    b = paris.bureaux
    nearest = geo.nearest_distance_m(b["centre_lon"].to_numpy(), b["centre_lat"].to_numpy(),
                                     every["lon"].to_numpy(), every["lat"].to_numpy()).round(0)
    got = paris.indicators["station_distance"].reindex(b["bureau_id"]).to_numpy()
    assert np.abs(got - nearest).max() == 0
    assert paris.metadata["coverage"]["stations"] == len(paris.stations) < 430
