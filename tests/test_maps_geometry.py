"""A territory's screen geometry: encoded once, framed on what is visible, cached beside the dataset."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lib import geo
from lib.maps import geometry
from lib.maps.styles import STYLE


@pytest.fixture
def outlines(grid_bureaux):
    return geo.dissolve_outlines(grid_bureaux.assign(label=list("abcdef")), by="commune_code",
                                 names=pd.Series({"99001": "Une", "99002": "Deux"}), kind="commune")


@pytest.fixture
def labelled(grid_bureaux):
    return grid_bureaux.assign(label=[f"Bureau {c}" for c in "abcdef"])


def test_geometry_keeps_bureau_order_labels_and_frames_the_whole_territory(labelled, outlines):
    geom = geometry.encode_geometry(labelled, outlines)
    assert list(geom.bureau_ids) == list(labelled["bureau_id"])
    assert geom.meta["labels"] == list(labelled["label"])
    x0, y0, x1, y1 = geom.meta["frame"]
    minx, miny, maxx, maxy = labelled.total_bounds
    assert x0 <= minx + 1e-5 and y0 <= miny + 1e-5 and x1 >= maxx - 1e-5 and y1 >= maxy - 1e-5
    assert geom.meta["names"] == list(outlines["name"])


def test_a_sub_pixel_phantom_far_away_is_drawn_but_does_not_frame_the_view(labelled, outlines):
    """Like Paris's 75056_1599: 1 m², 4 km outside the city; the city stays centred."""
    phantom_box = shapely.box(656000, 6862000, 656001, 6862001)  # Lambert-93, 4 km east of the grid
    phantom = gpd.GeoDataFrame({"bureau_id": ["99002_0099"], "commune_code": ["99002"], "label": ["Fantôme"]},
                               geometry=[phantom_box], crs="EPSG:2154").to_crs("EPSG:4326")
    with_phantom = pd.concat([labelled, phantom], ignore_index=True)
    geom = geometry.encode_geometry(with_phantom, outlines)
    assert "99002_0099" in list(geom.bureau_ids)  # still drawn (and flagged by lib.anomalies)
    assert geom.meta["frame"] == geometry.encode_geometry(labelled, outlines).meta["frame"]


def test_a_sub_pixel_sliver_of_a_real_bureau_does_not_frame_the_view(labelled, outlines):
    sliver = shapely.box(656000, 6862000, 656001, 6862001)
    metric = labelled.to_crs("EPSG:2154")
    metric.loc[0, "geometry"] = shapely.MultiPolygon([metric.geometry[0], sliver])
    geom = geometry.encode_geometry(metric.to_crs("EPSG:4326"), outlines)
    assert geom.meta["frame"] == geometry.encode_geometry(labelled, outlines).meta["frame"]


def test_a_small_but_visible_bureau_far_away_still_frames_the_view(labelled, outlines):
    """An island bureau is real: 50 m wide is visible, so the frame reaches it."""
    island = gpd.GeoDataFrame({"bureau_id": ["99002_0099"], "commune_code": ["99002"], "label": ["Île"]},
                              geometry=[shapely.box(656000, 6862000, 656050, 6862050)],
                              crs="EPSG:2154").to_crs("EPSG:4326")
    geom = geometry.encode_geometry(pd.concat([labelled, island], ignore_index=True), outlines)
    assert geom.meta["frame"][2] >= island.total_bounds[2] - 1e-5


def test_geometry_blob_round_trip_keeps_key_meta_and_arrays(labelled, outlines):
    geom = geometry.encode_geometry(labelled, outlines)
    back = geometry.geometry_from_blob(geometry.geometry_blob(geom))
    assert back.key == geom.key and back.meta == geom.meta
    assert all(np.array_equal(back.arrays[k], v) for k, v in geom.arrays.items())


def test_fingerprint_changes_with_the_geometry(labelled, outlines):
    one = geometry.encode_geometry(labelled, outlines)
    moved = labelled.assign(geometry=labelled.geometry.translate(0.01, 0))
    assert geometry.encode_geometry(moved, outlines).key != one.key


def test_disk_cache_is_reused_while_the_sources_are_unchanged_and_rebuilt_after(tmp_path, labelled, outlines):
    (tmp_path / "bureaux.parquet").write_bytes(b"v1")
    calls = []

    def build():
        calls.append(1)
        return geometry.encode_geometry(labelled, outlines)

    first = geometry.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    again = geometry.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    assert len(calls) == 1 and again.key == first.key
    assert np.array_equal(again.arrays["bureaux.xy"], first.arrays["bureaux.xy"])
    (tmp_path / "bureaux.parquet").write_bytes(b"v2")
    geometry.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    assert len(calls) == 2


def test_a_corrupt_cache_file_is_rebuilt_not_fatal(tmp_path, labelled, outlines):
    (tmp_path / geometry.CACHE_NAME).write_bytes(b"garbage")
    geom = geometry.cached_geometry(tmp_path, [], lambda: geometry.encode_geometry(labelled, outlines))
    assert geom.n_bureaux == 6


def test_ragged_geometry_decodes_back_to_the_same_rings_holes_and_parts():
    donut = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    pair = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(12, 10, 13, 11)])
    arrays = geometry.ragged([donut, None, pair], "b")
    first = geometry.rings_of(arrays, "b", 0)
    assert len(first) == 1 and len(first[0]) == 2  # one polygon: exterior + one hole
    assert np.allclose(first[0][1], np.asarray(donut.interiors[0].coords))
    assert geometry.rings_of(arrays, "b", 1) == []  # a missing geometry owns nothing
    third = geometry.rings_of(arrays, "b", 2)
    assert [np.allclose(p[0], np.asarray(g.exterior.coords)) for p, g in zip(third, pair.geoms, strict=True)] == [True, True]
    assert arrays["b.xy"].dtype == np.float32


def test_each_bureau_has_an_anchor_inside_it_for_its_rank_number(labelled, outlines):
    geom = geometry.encode_geometry(labelled, outlines)
    anchors = geom.arrays["bureaux.anchor"]
    assert anchors.shape == (6, 2)
    assert all(shape.contains(shapely.Point(*xy)) for shape, xy in zip(labelled.geometry, anchors.tolist(), strict=True))


def test_the_style_of_every_layer_travels_with_the_geometry(labelled, outlines):
    """The browser draws with what Python says: no colour or width is written twice."""
    geom = geometry.encode_geometry(labelled, outlines)
    assert geom.meta["style"] == STYLE
    assert {"outlines", "selection", "stations", "names", "tooltip", "points", "routes"} <= set(STYLE)


@pytest.fixture
def two_departments(grid_bureaux):
    """The grid's six bureaux spread over two départements: A–D in 91, E–F in 92."""
    return grid_bureaux.assign(commune_code=["91001"] * 4 + ["92002"] * 2, label=[f"Bureau {k}" for k in "ABCDEF"])


def test_a_large_territory_can_be_drawn_one_shape_per_department(two_departments):
    geom = geometry.encode_departments(two_departments)
    assert list(geom.bureau_ids) == ["dep:91", "dep:92"]
    assert geom.meta["labels"] == ["Département 91 · 4 bureaux", "Département 92 · 2 bureaux"]
    assert 2 < geom.arrays["bureaux.xy"][0, 0] < 3 and 48 < geom.arrays["bureaux.xy"][0, 1] < 49  # lon/lat degrees


def test_the_department_map_frames_where_most_bureaux_are(two_departments):
    far = two_departments.copy()
    far.loc[far.index[-1], "geometry"] = shapely.box(55.2, -21.3, 55.3, -21.2)  # one bureau in Réunion
    geom = geometry.encode_departments(far.assign(commune_code=["91001"] * 5 + ["97411"]))
    x0, y0, x1, y1 = geom.meta["frame"]
    assert 48 < y0 < y1 < 50 and 1 < x0 < x1 < 4


def test_a_style_change_rebuilds_the_cached_geometry(tmp_path, labelled, outlines, monkeypatch):
    (tmp_path / "bureaux.parquet").write_bytes(b"v1")
    calls = []

    def build():
        calls.append(1)
        return geometry.encode_geometry(labelled, outlines)

    geometry.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    monkeypatch.setitem(STYLE, "numbers", {**STYLE["numbers"], "size_px": 40})
    again = geometry.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    assert len(calls) == 2 and again.meta["style"]["numbers"]["size_px"] == 40
