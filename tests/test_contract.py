"""The data contract refuses broken datasets with a message naming the file and the problem."""

from __future__ import annotations

import json
import shutil

import pytest
import shapely

from lib.contract import CONTRACT_VERSION, check_bureaux, check_results, malformed_ids
from lib.dataset import load_territory
from lib.errors import DataContractError

from .helpers import DATA_DIR, requires_dataset, synthetic_results


def test_malformed_ids_are_detected():
    import pandas as pd

    ids = pd.Series(["75056_0327", "2A004_0001", "75056-0327", "7505_0001", "75056_12"])
    assert malformed_ids(ids).tolist() == ["75056-0327", "7505_0001", "75056_12"]


def test_bureaux_check_reports_invalid_geometry_and_duplicates(grid_bureaux):
    broken = grid_bureaux.assign(
        commune_name="X", bureau_code="0001", area_code="99001", label="x", registered=1.0,
        n_addresses=1, centre_lon=2.3, centre_lat=48.8, centre_method="polygon")
    broken.loc[0, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # bow-tie
    broken.loc[1, "bureau_id"] = broken.loc[0, "bureau_id"]
    problems = " ; ".join(check_bureaux(broken))
    assert "géométrie(s) invalide(s)" in problems and "en double" in problems


def test_results_check_flags_unknown_bureaux_and_shares_over_100(grid_bureaux):
    results = synthetic_results(grid_bureaux["bureau_id"].tolist())
    results.loc[0, "share"] = 140.0
    results.loc[1, "bureau_id"] = "99009_0001"
    problems = " ; ".join(check_results(results, grid_bureaux["bureau_id"]))
    assert "supérieure à 100" in problems and "absents de bureaux.parquet" in problems


@requires_dataset("paris")
def test_loading_a_deliberately_broken_dataset_names_the_file(tmp_path):
    shutil.copytree(DATA_DIR / "paris", tmp_path / "paris")
    meta = json.loads((tmp_path / "paris" / "metadata.json").read_text())
    (tmp_path / "paris" / "results.parquet").write_bytes(b"not a parquet file")
    (tmp_path / "paris" / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(DataContractError) as err:
        load_territory(tmp_path, "paris")
    assert "results.parquet" in str(err.value) and "illisible" in str(err.value)


@requires_dataset("paris")
def test_loading_a_dataset_with_a_missing_column_is_refused(tmp_path):
    import geopandas as gpd

    shutil.copytree(DATA_DIR / "paris", tmp_path / "paris")
    bureaux = gpd.read_parquet(tmp_path / "paris" / "bureaux.parquet").drop(columns=["registered"])
    bureaux.to_parquet(tmp_path / "paris" / "bureaux.parquet")
    with pytest.raises(DataContractError, match="colonnes manquantes : registered"):
        load_territory(tmp_path, "paris")


def test_unknown_territory_folder_says_how_to_build_it(tmp_path):
    with pytest.raises(DataContractError, match=r"python -m lib\.datasets nowhere"):
        load_territory(tmp_path, "nowhere")


def _metadata(**extra):
    base = {"contract_version": CONTRACT_VERSION, "territory_id": "t", "name": "T", "built_at": "2026-01-01",
            "reference_map": "m", "sources": [], "elections": [], "indicators": [], "coverage": {},
            "anomalies": [], "dropped": []}
    return {**base, **extra}


def test_metadata_check_accepts_well_formed_anomalies_and_dropped_rows():
    from lib.contract import check_metadata

    meta = _metadata(anomalies=[{"bureau_id": "75056_1599", "kind": "tiny_contour", "message": "1 m²",
                                 "exclude": True}],
                     dropped=[{"source": "résultats", "rows": 47, "reason": "sans contour"}])
    assert check_metadata(meta) == []


def test_metadata_check_refuses_unknown_anomaly_kinds_and_non_boolean_exclusion():
    from lib.contract import check_metadata

    meta = _metadata(anomalies=[{"bureau_id": "a", "kind": "ghost", "message": "x", "exclude": True},
                                {"bureau_id": "b", "kind": "tiny_contour", "message": "x", "exclude": "yes"},
                                {"bureau_id": "c", "kind": "tiny_contour"}])
    problems = " ; ".join(check_metadata(meta))
    assert "inconnu : 'ghost'" in problems and "vrai/faux : b" in problems and "mal formée" in problems


def test_metadata_check_refuses_dropped_rows_without_count_or_reason():
    from lib.contract import check_metadata

    meta = _metadata(dropped=[{"source": "BAN", "rows": "many", "reason": "x"},
                              {"source": "résultats", "rows": 3, "reason": " "}])
    problems = " ; ".join(check_metadata(meta))
    assert "nombre de lignes positif : BAN" in problems and "sans raison : résultats" in problems


def test_a_version_1_dataset_without_anomalies_is_refused_with_the_rebuild_command():
    from lib.contract import check_metadata

    old = {k: v for k, v in _metadata(contract_version=1).items() if k not in ("anomalies", "dropped")}
    assert "clés manquantes : anomalies, dropped" in check_metadata(old)[0]
    assert "python -m lib.datasets" in check_metadata({**_metadata(), "contract_version": 1})[0]
