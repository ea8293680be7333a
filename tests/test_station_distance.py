"""Distance to the nearest station when it lies beyond the territory's edge (issue 22 item 6): the
national station lists are searched in a growing buffer; only a missing station file makes the
criterion unavailable. Real files: Gouesnou (29061) from Brest métropole's contours, the real
MinInt législatives 2024 rounds and SNCF Réseau's station list."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from lib import geo
from lib.datasets import national
from lib.datasets.citymap import ContourMap
from lib.datasets.stations import read_sncf_stations

from .helpers import RAW_DIR

BREST = RAW_DIR / "brest_lfi"
SNCF = RAW_DIR / "sncf_gares" / "liste-des-gares.csv.gz"
FILES = (BREST / "Legislatives2024_BureauxVoteBrest.geojson", BREST / "Legislatives2024_circos23-tour1.csv",
         BREST / "Legislatives2024_circos23-tour2.csv")


def build_gouesnou(tmp_path, *, with_stations: bool) -> tuple[dict, pd.DataFrame]:
    """Gouesnou (6 bureaux, no station in the commune) built from the real files."""
    folder = tmp_path / "in"
    folder.mkdir()
    for path in (*FILES, *([SNCF] if with_stations else [])):
        shutil.copy(path, folder / path.name)
    meta = national.build(national.Selector("commune", "29061"), folder=folder, out_dir=tmp_path / "out",
                          contour_map=ContourMap(commune="DEPCO", bureau="BVOTE"), log=lambda *_: None)
    indicators = pd.read_parquet(tmp_path / "out" / "commune-29061" / "indicators.parquet")
    return meta, indicators


def station_meta(meta: dict) -> dict:
    return next(i for i in meta["indicators"] if i["id"] == "station_distance")


def test_the_nearest_station_beyond_the_commune_gives_the_distance(tmp_path):
    meta, indicators = build_gouesnou(tmp_path, with_stations=True)
    assert station_meta(meta)["available"] and meta["coverage"]["stations"] == 0  # none within the commune's edge
    bureaux = pd.read_parquet(tmp_path / "out" / "commune-29061" / "bureaux.parquet").set_index("bureau_id")
    every = read_sncf_stations(SNCF)
    expected = geo.nearest_distance_m(bureaux["centre_lon"].to_numpy(), bureaux["centre_lat"].to_numpy(),
                                      every["lon"].to_numpy(), every["lat"].to_numpy()).round(0)
    got = indicators.set_index("bureau_id")["station_distance"].reindex(bureaux.index).to_numpy()
    assert np.array_equal(got, expected) and (got > 5_000).all()


def test_without_a_station_file_the_distance_is_unavailable(tmp_path):
    meta, indicators = build_gouesnou(tmp_path, with_stations=False)
    assert not station_meta(meta)["available"] and "station_distance" not in indicators
    assert "Absent : listes de gares (IDFM, SNCF)" in meta["notes"]


@pytest.mark.parametrize(("lon", "lat"), [(-4.48, 48.39), (-5.10, 48.46), (2.35, 48.85), (9.15, 42.05)])
def test_the_growing_search_finds_the_same_station_as_the_whole_list(lon, lat):
    """Brest (a station within 3 km), Ouessant (an island, tens of km), Paris, central Corsica."""
    from lib.datasets.stations import nearest_station_m

    every = read_sncf_stations(SNCF)
    exact = geo.nearest_distance_m([lon], [lat], every["lon"].to_numpy(), every["lat"].to_numpy())
    assert nearest_station_m(np.array([lon]), np.array([lat]), every) == pytest.approx(exact)


def test_a_point_without_a_centre_gets_no_distance():
    from lib.datasets.stations import nearest_station_m

    every = read_sncf_stations(SNCF)
    got = nearest_station_m(np.array([np.nan, -4.48]), np.array([np.nan, 48.39]), every)
    assert np.isnan(got[0]) and got[1] < 3_000
