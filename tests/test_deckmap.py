"""Map payload: only the needed fields travel, compact, offline, escaped."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from lib import deckmap, geo


@pytest.fixture
def map_geometry(grid_bureaux):
    bureaux = grid_bureaux.assign(label=["<img src=x onerror=alert(1)>", "b", "c", "d", "e", "f"])
    outlines = geo.dissolve_outlines(bureaux, by="commune_code",
                                     names=pd.Series({"99001": "Une", "99002": "Deux"}), kind="commune")
    return deckmap.prepare_map_geometry(bureaux, outlines)


def fill_for(geom) -> pd.DataFrame:
    ids = sorted(set(geom.bureau_id))
    return pd.DataFrame({"colour": [[1, 2, 3, 255]] * len(ids), "s": "Score 1/100", "r": "rang 1 / 6",
                         "t": "Pèsent le plus : Abstention"}, index=ids)


def test_bureau_layer_rows_carry_only_id_label_geometry_colour_and_tooltip(map_geometry):
    spec = json.loads(deckmap.deck_spec(map_geometry, fill_for(map_geometry), no_data="#bdbdbd").to_json())
    layer = next(lyr for lyr in spec["layers"] if lyr["id"].startswith(deckmap.BUREAU_LAYER_ID))
    assert set(layer["data"][0]) == {"i", "n", "p", "c", "s", "r", "t"}
    assert len(layer["data"]) == 6


def test_labels_are_html_escaped_for_the_tooltip(map_geometry):
    text = deckmap.deck_spec(map_geometry, fill_for(map_geometry), no_data="#bdbdbd").to_json()
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_spec_is_compact_and_needs_no_network(map_geometry):
    text = deckmap.deck_spec(map_geometry, fill_for(map_geometry), no_data="#bdbdbd").to_json()
    assert text == json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    assert "http" not in text  # no tiles, no fonts, no CDN: the style is an inline data: URL


def test_coordinates_are_integer_offsets_that_decode_back_to_lon_lat(map_geometry, grid_bureaux):
    spec = json.loads(deckmap.deck_spec(map_geometry, fill_for(map_geometry), no_data="#bdbdbd").to_json())
    layer = spec["layers"][0]
    ox, oy = layer["coordinateOrigin"][:2]
    flat = layer["data"][0]["p"]
    lon, lat = ox + flat[0] * deckmap.OFFSET_UNIT, oy + flat[1] * deckmap.OFFSET_UNIT
    minx, miny, maxx, maxy = grid_bureaux.geometry.iloc[0].bounds
    assert minx - 1e-5 <= lon <= maxx + 1e-5 and miny - 1e-5 <= lat <= maxy + 1e-5
    assert all(isinstance(v, int) for v in flat)


def bureau_layer(spec: dict) -> dict:
    return next(lyr for lyr in spec["layers"] if lyr["id"].startswith(deckmap.BUREAU_LAYER_ID))


def test_recolour_trigger_follows_the_colours_not_the_tooltips(map_geometry):
    fill = fill_for(map_geometry)
    before = bureau_layer(json.loads(deckmap.deck_spec(map_geometry, fill, no_data="#bdbdbd").to_json()))
    retitled = bureau_layer(json.loads(deckmap.deck_spec(map_geometry, fill.assign(r="rang 2 / 6"), no_data="#bdbdbd").to_json()))
    recoloured_fill = fill.copy()
    recoloured_fill.iloc[0, 0] = [9, 9, 9, 255]
    recoloured = bureau_layer(json.loads(deckmap.deck_spec(map_geometry, recoloured_fill, no_data="#bdbdbd").to_json()))
    assert retitled["updateTriggers"] == before["updateTriggers"]
    assert recoloured["updateTriggers"]["getFillColor"] != before["updateTriggers"]["getFillColor"]


def test_fixed_geometry_layers_tell_deck_their_data_is_unchanged(map_geometry):
    spec = json.loads(deckmap.deck_spec(map_geometry, fill_for(map_geometry), no_data="#bdbdbd").to_json())
    fixed = {lyr["id"].split("-")[0]: lyr.get("dataComparator") for lyr in spec["layers"]}
    assert fixed["bureaux"] == fixed["outlines"] == deckmap.SAME_DATA
    assert bureau_layer(spec)["_subLayerProps"]["fill"]["dataComparator"] == deckmap.SAME_DATA


def geometry_of(bureaux):
    outlines = geo.dissolve_outlines(bureaux, by="commune_code",
                                     names=pd.Series({"99001": "Une", "99002": "Deux"}), kind="commune")
    return deckmap.prepare_map_geometry(bureaux, outlines)


def test_layer_ids_are_stable_for_a_geometry_and_change_with_it(grid_bureaux):
    whole, again, part = geometry_of(grid_bureaux), geometry_of(grid_bureaux), geometry_of(grid_bureaux.iloc[:3])
    assert whole.layer_id("bureaux") == again.layer_id("bureaux")
    assert part.layer_id("bureaux") != whole.layer_id("bureaux")


@pytest.fixture
def two_departments(grid_bureaux):
    """The six grid bureaux, the first four in département 91, the last two in 92."""
    return grid_bureaux.assign(commune_code=["91001"] * 4 + ["92002"] * 2,
                               label=[f"Bureau {k}" for k in "ABCDEF"])


def department_geometry(bureaux):
    names = pd.Series({"91001": "Une", "92002": "Deux"})
    outlines = geo.dissolve_outlines(bureaux, by="commune_code", names=names, kind="commune")
    return deckmap.prepare_map_geometry(bureaux, outlines, point_threshold=3)


def test_above_the_threshold_the_map_draws_one_shape_per_department(two_departments):
    geom = department_geometry(two_departments)
    assert sorted(set(geom.bureau_id)) == ["dep:91", "dep:92"]
    assert geom.groups["group"].tolist() == ["dep:91"] * 4 + ["dep:92"] * 2
    fill = pd.DataFrame({"colour": [[k, 0, 0, 255] for k in range(6)], "s": "", "r": "", "t": "",
                         "score": [10.0, 50.0, 90.0, 30.0, 70.0, np.nan], "top": [False, False, True, False, True, False]},
                        index=two_departments["bureau_id"].to_numpy())
    layer = bureau_layer(json.loads(deckmap.deck_spec(geom, fill, no_data="#bdbdbd").to_json()))
    assert sorted(row["i"] for row in layer["data"]) == ["dep:91", "dep:92"]


def test_a_department_takes_the_colour_of_its_median_bureau(two_departments):
    geom = department_geometry(two_departments)
    fill = pd.DataFrame({"colour": [[k, 0, 0, 255] for k in range(6)], "s": "", "r": "", "t": "",
                         "score": [10.0, 50.0, 90.0, 30.0, 70.0, np.nan], "top": [False, False, True, False, True, False]},
                        index=two_departments["bureau_id"].to_numpy())
    out = deckmap.group_fill(fill, geom.groups, "#bdbdbd")
    # 91: scores 10, 50, 90, 30 → lower median 30 (bureau D, colour 3); 92: only E is scored (70).
    assert out.at["dep:91", "colour"] == [3, 0, 0, 255]
    assert out.at["dep:92", "colour"] == [4, 0, 0, 255]
    assert out.at["dep:91", "s"] == "Score médian 30/100"
    assert out.at["dep:91", "r"].startswith("1 bureau")
    assert "Bureau C (90)" in out.at["dep:91", "t"]



def test_department_view_frames_where_most_bureaux_are(two_departments):
    far = two_departments.copy()
    far.loc[far.index[-1], "geometry"] = shapely.box(55.2, -21.3, 55.3, -21.2)  # one bureau in Réunion
    far = far.drop(columns=[c for c in ("centre_lon", "centre_lat") if c in far])
    geom = department_geometry(far.assign(commune_code=["91001"] * 5 + ["97411"]))
    assert 48 < geom.view["latitude"] < 50 and 1 < geom.view["longitude"] < 4


def test_department_shapes_are_plain_degrees_not_offsets(two_departments):
    geom = department_geometry(two_departments)
    fill = pd.DataFrame({"colour": [[1, 2, 3, 255]] * 6, "s": "", "r": "", "t": ""},
                        index=two_departments["bureau_id"].to_numpy())
    layer = bureau_layer(json.loads(deckmap.deck_spec(geom, fill, no_data="#bdbdbd").to_json()))
    assert "coordinateSystem" not in layer
    flat = layer["data"][0]["p"]
    assert 2 < flat[0] < 3 and 48 < flat[1] < 49  # lon, lat near Paris
