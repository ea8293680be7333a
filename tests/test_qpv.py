"""QPV (quartiers prioritaires 2024, ANCT) per bureau, on the real Paris and 92-13 rows of the
published GeoJSON (raw/qpv_anct_2024/), hand-checked with shapely on three bureaux each."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from lib import geo
from lib.datasets import antony, qpv
from lib.datasets.raw import RAW_DIR

EXTRACT = RAW_DIR / qpv.SHIPPED_FILE
DATA = Path(__file__).resolve().parent.parent / "data"
ANTONY_COMMUNES = ["92002", "92014", "92019", "92071"]


@pytest.fixture(scope="module")
def zones() -> dict[str, shapely.Geometry]:
    """code_qp → polygon, straight from the file (the hand check does not go through the reader)."""
    features = json.loads(EXTRACT.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code_qp"]: shape(f["geometry"]) for f in features}


def test_the_reader_keeps_the_qpv_listing_one_of_the_territory_communes():
    paris = qpv.read_qpv(EXTRACT, ["75056"])
    south = qpv.read_qpv(EXTRACT, ANTONY_COMMUNES)
    assert len(paris) == 21 and paris["code"].str.startswith("QN075").all()
    assert sorted(south["code"]) == ["QN09203M", "QN09204M", "QN09219N"]  # Les Blagis: 4 communes listed


def test_a_file_without_the_published_columns_is_refused_in_french(tmp_path):
    bad = tmp_path / "qpv.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"x"},'
                   '"geometry":{"type":"Point","coordinates":[2.3,48.8]}}]}', encoding="utf-8")
    with pytest.raises(Exception, match="colonnes manquantes : code_qp"):
        qpv.read_qpv(bad, ["75056"])


@pytest.mark.parametrize(("bureau", "inside", "total"), [
    ("75056_1850", 127, 130),  # Porte Montmartre - Moskova: 3 addresses of 130 outside
    ("75056_1957", 52, 52),  # Stalingrad Riquet: every address inside
    ("75056_0101", 0, 603),  # 1er arrondissement: no QPV
])
def test_paris_share_is_the_share_of_the_bureau_addresses_inside_a_qpv(zones, bureau, inside, total):
    addresses = pd.read_parquet(DATA / "paris" / "addresses.parquet")
    mine = addresses[addresses["bureau_id"] == bureau]
    counted = sum(any(p.intersects(z) for z in zones.values()) for p in shapely.points(mine["lon"], mine["lat"]))
    assert (counted, len(mine)) == (inside, total)
    shipped = pd.read_parquet(DATA / "paris" / "indicators.parquet").set_index("bureau_id")
    assert shipped.at[bureau, "qpv_share"] == pytest.approx(100 * inside / total, abs=0.005)


@pytest.fixture(scope="module")
def south_indicator():
    bureaux = geo.make_valid(antony.read_bureaux(RAW_DIR))
    return bureaux, qpv.qpv_indicator(qpv.read_qpv(EXTRACT, ANTONY_COMMUNES), bureaux, None)


@pytest.mark.parametrize(("bureau", "code", "share"), [
    ("92019_0008", "QN09204M", 86.35),  # Cité Jardins, Châtenay-Malabry
    ("92002_0030", "QN09203M", 60.16),  # Noyer Doré, Antony
    ("92014_0005", "QN09219N", 32.53),  # Les Blagis, Bourg-la-Reine
])
def test_without_addresses_the_share_is_the_bureau_area_inside_a_qpv(zones, south_indicator, bureau, code, share):
    bureaux, found = south_indicator
    metric = gpd.GeoSeries([bureaux.set_index("bureau_id").geometry[bureau], zones[code]], crs=4326).to_crs(2154)
    by_hand = 100 * metric[0].intersection(metric[1]).area / metric[0].area
    assert by_hand == pytest.approx(share, abs=0.005)
    assert found.values[bureau] == pytest.approx(by_hand, abs=0.01)
    assert found.unit == "% de la surface"


def test_each_bureau_names_the_qpv_it_overlaps(south_indicator):
    _, found = south_indicator
    names = found.details["qpv_names"]
    assert names["92014_0005"] == "Les Blagis (QN09219N)" and names["92019_0008"] == "Cité Jardins (QN09204M)"
    assert "92002_0001" not in names


def test_the_shipped_territories_carry_the_criterion_its_names_and_outlines():
    for territory, count in (("paris", 21), ("antony", 3)):
        meta = json.loads((DATA / territory / "metadata.json").read_text(encoding="utf-8"))
        entry = next(i for i in meta["indicators"] if i["id"] == "qpv_share")
        assert entry["available"] and entry["qpv_count"] == count
        assert len(entry["qpv_outlines"]["features"]) == count


def test_a_national_build_without_the_anct_file_says_which_file_to_add():
    ctx = SimpleNamespace(files={}, sources={}, found=SimpleNamespace(used=[], missing=[]))
    found = qpv.national_qpv(ctx, gpd.GeoDataFrame(), None)
    assert found.values is None and qpv.PUBLISHED_FILE in found.reason
