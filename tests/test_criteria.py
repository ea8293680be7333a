"""Derived criteria from long results (hand-computed on a two-candidate fixture)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib import criteria as crit
from lib.config import Bloc

from .helpers import synthetic_results

IDS = ["99001_0001", "99001_0002", "99001_0003"]


@pytest.fixture
def results() -> pd.DataFrame:
    return pd.concat([synthetic_results(IDS, "pres2022t1"), synthetic_results(IDS, "leg2024t1")])


def test_our_share_is_summed_share_of_expressed(results):
    share = crit.our_share(results, "leg2024t1", ["DUPONT Ana"])
    # bureau 1: 100 / 585 expressed
    assert share["99001_0001"] == pytest.approx(100 / 585 * 100)


def test_abstention_is_share_of_registered_not_voting(results):
    assert crit.abstention(results, "leg2024t1")["99001_0002"] == pytest.approx(100 * (1 - 620 / 1000))


def test_closeness_is_100_minus_the_gap_to_the_best_opponent(results):
    mine = crit.our_share(results, "leg2024t1", ["DUPONT Ana"])["99001_0001"]
    assert crit.closeness(results, "leg2024t1", ["DUPONT Ana"])["99001_0001"] == pytest.approx(
        100 - abs(mine - (100 - mine)))


def test_blocs_pick_candidates_by_nuance_or_name():
    cands = pd.DataFrame({"candidate": ["GRÉGOIRE", "DATI", "X Y"], "nuance": [pd.NA, pd.NA, "UG"]})
    gauche = Bloc("gauche", "Gauche", ("UG",), ("GREGOIRE",))
    assert crit.bloc_members(cands, [gauche]) == ["GRÉGOIRE", "X Y"]


def test_candidates_list_is_sorted_by_territory_share(results):
    table = crit.candidates(results, "leg2024t1")
    assert table["candidate"].tolist() == ["MARTIN Léo", "DUPONT Ana"]
    assert table["share"].sum() == pytest.approx(100)


# build_criteria: the registry of derived criteria and the reasons for what is unavailable ---------

def territory(results: pd.DataFrame, indicators: pd.DataFrame | None = None):
    """A minimal TerritoryData around long results (ids of the synthetic fixture)."""
    import geopandas as gpd
    import shapely

    from lib.dataset import TerritoryData

    ids = sorted(results["bureau_id"].unique())
    bureaux = gpd.GeoDataFrame({"bureau_id": ids}, geometry=[shapely.box(0, 0, 1, 1)] * len(ids), crs=4326)
    elections = [{"id": e, "label": e, "has_results": True} for e in results["election"].unique()]
    meta = {"elections": elections, "indicators": [{"id": "median_income", "available": False,
                                                    "reason": "pas de Filosofi ici"}]}
    ind = indicators if indicators is not None else pd.DataFrame(index=pd.Index(ids, name="bureau_id"))
    return TerritoryData("t", meta, bureaux.set_index("bureau_id", drop=False), results, ind,
                         pd.DataFrame(), gpd.GeoDataFrame())


def criteria_config():
    from lib.config import load_settings

    return load_settings().criteria


def test_every_derived_criterion_of_the_config_has_a_computation():
    derived = [cid for cid, c in criteria_config().items() if c.kind == "derived"]
    assert derived and all(cid in crit.DERIVED for cid in derived)


def test_build_criteria_computes_derived_values_for_our_side(results):
    frame = crit.build_criteria(territory(results), crit.Choices("leg2024t1", ("DUPONT Ana",)), criteria_config())
    assert frame.values.loc["99001_0001", "our_share"] == pytest.approx(100 / 585 * 100)
    assert frame.values.loc["99001_0001", "lmp_potential"] == pytest.approx(0.4 * 100 / 585 * 100)


def test_without_our_side_the_side_criteria_say_why(results):
    frame = crit.build_criteria(territory(results), crit.Choices("leg2024t1", ()), criteria_config())
    assert "abstention" in frame.values.columns
    for cid in crit.needs_our_side():
        assert frame.unavailable[cid] == "cochez au moins un candidat ou une liste de notre camp"


def test_a_missing_indicator_carries_the_dataset_reason(results):
    frame = crit.build_criteria(territory(results), crit.Choices("leg2024t1", ()), criteria_config())
    assert frame.unavailable["median_income"] == "pas de Filosofi ici"


def test_vote_reserve_needs_two_different_elections(results):
    choices = crit.Choices("leg2024t1", ("DUPONT Ana",), high="leg2024t1", low="leg2024t1")
    frame = crit.build_criteria(territory(results), choices, criteria_config())
    assert "deux élections différentes" in frame.unavailable["vote_reserve"]


def test_our_share_is_missing_where_our_side_did_not_stand(results):
    """A second round we contest only in some bureaux: elsewhere « pas de candidat », not 0 %."""
    runoff = results[~((results["bureau_id"] == "99001_0003") & (results["candidate"] == "DUPONT Ana"))]
    share = crit.our_share(runoff, "leg2024t1", ["DUPONT Ana"])
    assert share["99001_0001"] > 0
    assert pd.isna(share["99001_0003"])


def test_unavailable_criteria_missing_the_same_file_are_one_line():
    reasons = {"gap": "fichier A absent", "renters": "fichier B absent", "workers": "fichier A absent"}
    assert crit.same_reasons(["income", "gap", "renters", "workers"], reasons) == [
        (["gap", "workers"], "fichier A absent"), (["renters"], "fichier B absent")]
