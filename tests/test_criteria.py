"""Derived criteria from long results (hand-computed on a two-candidate fixture)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib import criteria as crit
from lib.config import Bloc

from .conftest import synthetic_results

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
