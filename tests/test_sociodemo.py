"""Socio-demographic criteria from the real Filosofi 2019 200 m squares of 92-13 (18-24 year-olds,
owner households), hand-checked on three bureaux by splitting each square by area with shapely."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from lib import geo
from lib.datasets import antony
from lib.datasets.raw import RAW_DIR

DATA = Path(__file__).resolve().parent.parent / "data"
SQUARES = RAW_DIR / "hds_9213_viz" / "filosofi2019_carreaux_200m_9213.geojson"


@pytest.fixture(scope="module")
def by_hand():
    """Per bureau, the square counts weighted by the share of each square's area inside it."""
    squares = gpd.read_file(SQUARES).to_crs(2154)
    bureaux = geo.make_valid(antony.read_bureaux(RAW_DIR)).set_index("bureau_id").to_crs(2154)

    def counts(bureau: str) -> dict[str, float]:
        shape = bureaux.geometry[bureau]
        out = dict.fromkeys(("ind", "ind_18_24", "men", "men_prop"), 0.0)
        for _, square in squares[squares.intersects(shape)].iterrows():
            weight = square.geometry.intersection(shape).area / square.geometry.area
            for column in out:
                out[column] += weight * float(square[column])
        return out
    return counts


@pytest.mark.parametrize(("bureau", "young", "owners"), [
    ("92002_0001", 9.55, 74.39),  # Antony
    ("92019_0008", 5.92, 7.21),  # Châtenay-Malabry, Cité Jardins
    ("92071_0007", 7.22, 8.85),  # Sceaux, Les Blagis
])
def test_shares_are_the_area_weighted_square_counts(by_hand, bureau, young, owners):
    c = by_hand(bureau)
    assert 100 * c["ind_18_24"] / c["ind"] == pytest.approx(young, abs=0.005)
    assert 100 * c["men_prop"] / c["men"] == pytest.approx(owners, abs=0.005)
    shipped = pd.read_parquet(DATA / "antony" / "indicators.parquet").set_index("bureau_id")
    assert shipped.at[bureau, "young_adults_share"] == pytest.approx(young, abs=0.005)
    assert shipped.at[bureau, "owners_share"] == pytest.approx(owners, abs=0.005)


def test_paris_says_why_it_has_neither():
    meta = json.loads((DATA / "paris" / "metadata.json").read_text(encoding="utf-8"))
    missing = {i["id"]: i for i in meta["indicators"] if not i["available"]}
    assert "recensement" in missing["young_adults_share"]["reason"] and "owners_share" in missing


def test_each_is_a_criterion_with_its_year_and_source():
    meta = json.loads((DATA / "antony" / "metadata.json").read_text(encoding="utf-8"))
    entry = {i["id"]: i for i in meta["indicators"]}
    assert entry["young_adults_share"]["year"] == 2019 and "Filosofi" in entry["owners_share"]["source"]
    from lib.config import load_settings
    assert {"young_adults_share", "owners_share"} <= set(load_settings().criteria)
