"""Map wire format: geometry and per-move arrays survive the trip, and a move costs a few bytes per bureau."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lib import geo, mapwire


@pytest.fixture
def outlines(grid_bureaux):
    return geo.dissolve_outlines(grid_bureaux.assign(label=list("abcdef")), by="commune_code",
                                 names=pd.Series({"99001": "Une", "99002": "Deux"}), kind="commune")


@pytest.fixture
def labelled(grid_bureaux):
    return grid_bureaux.assign(label=[f"Bureau {c}" for c in "abcdef"])


def test_pack_unpack_round_trip_keeps_header_and_every_array():
    arrays = {"a": np.arange(7, dtype=np.uint8), "b": np.array([[1.5, 2.5]], dtype=np.float32),
              "c": np.array([70_000, 3], dtype=np.uint32)}
    meta, back = mapwire.unpack(mapwire.pack({"key": "k", "texts": ["é", "<b>"]}, arrays))
    assert meta == {"key": "k", "texts": ["é", "<b>"]}
    for name, arr in arrays.items():
        assert back[name].dtype == arr.dtype and np.array_equal(back[name], arr)


def test_arrays_start_on_8_byte_boundaries_for_zero_copy_views():
    blob = mapwire.pack({"x": 1}, {"a": np.arange(3, dtype=np.uint8), "b": np.arange(3, dtype=np.float64)})
    _, arrays = mapwire.unpack(blob)
    base = len(blob) - sum(a.nbytes + (-a.nbytes) % 8 for a in arrays.values())
    assert base % 8 == 0
    # b follows a's 3 bytes padded to 8
    assert np.array_equal(np.frombuffer(blob, np.float64, 3, base + 8), [0, 1, 2])


def test_ragged_geometry_decodes_back_to_the_same_rings_holes_and_parts():
    donut = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    pair = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(12, 10, 13, 11)])
    arrays = mapwire.ragged([donut, None, pair], "b")
    first = mapwire.rings_of(arrays, "b", 0)
    assert len(first) == 1 and len(first[0]) == 2  # one polygon: exterior + one hole
    assert np.allclose(first[0][1], np.asarray(donut.interiors[0].coords))
    assert mapwire.rings_of(arrays, "b", 1) == []  # a missing geometry owns nothing
    third = mapwire.rings_of(arrays, "b", 2)
    assert [np.allclose(p[0], np.asarray(g.exterior.coords)) for p, g in zip(third, pair.geoms, strict=True)] == [True, True]
    assert arrays["b.xy"].dtype == np.float32


def test_geometry_keeps_bureau_order_labels_and_frames_the_whole_territory(labelled, outlines):
    geom = mapwire.encode_geometry(labelled, outlines)
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
    geom = mapwire.encode_geometry(with_phantom, outlines)
    assert "99002_0099" in list(geom.bureau_ids)  # still drawn (and flagged by lib.anomalies)
    assert geom.meta["frame"] == mapwire.encode_geometry(labelled, outlines).meta["frame"]


def test_a_sub_pixel_sliver_of_a_real_bureau_does_not_frame_the_view(labelled, outlines):
    sliver = shapely.box(656000, 6862000, 656001, 6862001)
    metric = labelled.to_crs("EPSG:2154")
    metric.loc[0, "geometry"] = shapely.MultiPolygon([metric.geometry[0], sliver])
    geom = mapwire.encode_geometry(metric.to_crs("EPSG:4326"), outlines)
    assert geom.meta["frame"] == mapwire.encode_geometry(labelled, outlines).meta["frame"]


def test_a_small_but_visible_bureau_far_away_still_frames_the_view(labelled, outlines):
    """An island bureau is real: 50 m wide is visible, so the frame reaches it."""
    island = gpd.GeoDataFrame({"bureau_id": ["99002_0099"], "commune_code": ["99002"], "label": ["Île"]},
                              geometry=[shapely.box(656000, 6862000, 656050, 6862050)],
                              crs="EPSG:2154").to_crs("EPSG:4326")
    geom = mapwire.encode_geometry(pd.concat([labelled, island], ignore_index=True), outlines)
    assert geom.meta["frame"][2] >= island.total_bounds[2] - 1e-5


def test_geometry_blob_round_trip_keeps_key_meta_and_arrays(labelled, outlines):
    geom = mapwire.encode_geometry(labelled, outlines)
    back = mapwire.geometry_from_blob(mapwire.geometry_blob(geom))
    assert back.key == geom.key and back.meta == geom.meta
    assert all(np.array_equal(back.arrays[k], v) for k, v in geom.arrays.items())


def test_fingerprint_changes_with_the_geometry(labelled, outlines):
    one = mapwire.encode_geometry(labelled, outlines)
    moved = labelled.assign(geometry=labelled.geometry.translate(0.01, 0))
    assert mapwire.encode_geometry(moved, outlines).key != one.key


def _table(ids: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    table = pd.DataFrame({"score": [91.6, 12.2, np.nan, 50.0], "rank": pd.array([1, 3, None, 2], dtype="Int64"),
                          "missing": ["", "", "Revenu", "Revenu"],
                          "top_ids": [("abstention", "income"), ("income",), (), ("nope", "abstention")]},
                         index=ids)
    rgba = np.array([[177, 0, 38, 220], [255, 255, 178, 220], [189, 189, 189, 200], [253, 141, 60, 220]],
                    dtype=np.uint8)
    return table, rgba


def test_move_round_trip_gives_colour_rounded_score_rank_top_criteria_and_missing():
    ids = ["b1", "b2", "b3", "b4"]
    table, rgba = _table(ids)
    order = np.array(["b4", "b1", "b3", "b2"])  # the map's order is the geometry's, not the table's
    meta, arrays = mapwire.encode_move(table, rgba, order, ["abstention", "income"])
    meta, arrays = mapwire.unpack(mapwire.pack(meta, arrays))
    back = mapwire.decode_move(meta, arrays, order, ["abstention", "income"])
    assert back.loc["b1", "colour"] == (177, 0, 38, 220) and back.loc["b3", "colour"] == (189, 189, 189, 200)
    assert back.loc["b1", "score"] == 92 and np.isnan(back.loc["b3", "score"])
    assert back["rank"].tolist() == [2, 1, pd.NA, 3]
    assert back.loc["b1", "top_ids"] == ("abstention", "income")
    assert back.loc["b4", "top_ids"] == ("abstention",)  # an unknown criterion id is dropped
    assert back.loc["b4", "missing"] == "Revenu" and back.loc["b1", "missing"] == ""
    assert back.loc["b3", "missing"] == "données manquantes : Revenu"  # unscored: the sentence the tooltip shows


def test_an_atypical_bureau_is_named_as_such_in_its_tooltip_text():
    ids = ["b1", "b2", "b3", "b4"]
    table, rgba = _table(ids)
    table["atypical"] = [False, False, True, False]
    meta, arrays = mapwire.encode_move(table, rgba, np.array(ids), ["abstention", "income"])
    back = mapwire.decode_move(meta, arrays, ids, ["abstention", "income"])
    assert back.loc["b3", "missing"] == "bureau atypique, écarté (voir Accueil)"


def test_move_refuses_a_map_bureau_without_a_score_row():
    table, rgba = _table(["b1", "b2", "b3", "b4"])
    with pytest.raises(ValueError, match="missing from the scores"):
        mapwire.encode_move(table, rgba, np.array(["b1", "zz"]), [])


def test_a_move_costs_a_few_bytes_per_bureau():
    n = 70_000
    rng = np.random.default_rng(0)
    ids = [f"{i:06d}" for i in range(n)]
    table = pd.DataFrame({"score": rng.uniform(0, 100, n), "rank": pd.array(np.arange(1, n + 1), dtype="Int64"),
                          "missing": "", "top_ids": [("a", "b")] * n}, index=ids)
    rgba = np.array([[1, 2, 3, 255], [4, 5, 6, 255]], dtype=np.uint8)[rng.integers(0, 2, n)]
    meta, arrays = mapwire.encode_move(table, rgba, np.asarray(ids), ["a", "b"])
    size = len(mapwire.pack(meta, arrays))
    assert size <= 8 * n + 1024  # 1 colour + 1 score + 4 rank + 1 top pair + 1 missing, and the header
    assert arrays["rank"].dtype == np.uint32 and arrays["colour"].dtype == np.uint8


def test_ranks_of_a_city_fit_in_two_bytes():
    assert mapwire.smallest_uint(903) is np.uint16 and mapwire.smallest_uint(70_000) is np.uint32


def test_disk_cache_is_reused_while_the_sources_are_unchanged_and_rebuilt_after(tmp_path, labelled, outlines):
    (tmp_path / "bureaux.parquet").write_bytes(b"v1")
    calls = []

    def build():
        calls.append(1)
        return mapwire.encode_geometry(labelled, outlines)

    first = mapwire.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    again = mapwire.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    assert len(calls) == 1 and again.key == first.key
    assert np.array_equal(again.arrays["bureaux.xy"], first.arrays["bureaux.xy"])
    (tmp_path / "bureaux.parquet").write_bytes(b"v2")
    mapwire.cached_geometry(tmp_path, ["bureaux.parquet"], build)
    assert len(calls) == 2


def test_a_corrupt_cache_file_is_rebuilt_not_fatal(tmp_path, labelled, outlines):
    (tmp_path / mapwire.CACHE_NAME).write_bytes(b"garbage")
    geom = mapwire.cached_geometry(tmp_path, [], lambda: mapwire.encode_geometry(labelled, outlines))
    assert geom.n_bureaux == 6
