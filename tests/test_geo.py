"""GIS helpers: distances in metres, département codes, nearest rows."""

from __future__ import annotations

import pandas as pd
import pytest

from lib import geo


def test_nearest_distance_is_in_metres():
    # Two points 0.01° of latitude apart ≈ 1,112 m.
    d = geo.nearest_distance_m([2.35], [48.85], [2.35], [48.86])
    assert d[0] == pytest.approx(1112, rel=0.01)


# Large territories: one shape per département ------------------------------------------------

@pytest.mark.parametrize(("commune", "department"), [("59350", "59"), ("2A004", "2A"), ("97411", "974"),
                                                      ("75056", "75")])
def test_department_of_commune_codes(commune, department):
    assert geo.department_of(pd.Series([commune])).iloc[0] == department


def test_nearest_rows_ranks_by_metres_not_degrees():
    """At 48°N, 0.010° east (≈ 745 m) is nearer than 0.008° north (≈ 890 m): squared degrees say otherwise."""
    stations = pd.DataFrame({"name": ["nord", "est"], "lon": [2.35, 2.36], "lat": [48.858, 48.85]})
    nearest = geo.nearest_rows(stations, 2.35, 48.85, 1)
    assert nearest["name"].tolist() == ["est"]
    assert nearest["distance_m"].iloc[0] == pytest.approx(733, rel=0.03)


def test_nearest_rows_of_no_points_is_empty():
    assert geo.nearest_rows(pd.DataFrame({"lon": [], "lat": []}), 2.35, 48.85, 3).empty
