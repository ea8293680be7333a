"""What each map kind shows on a territory's geometry, a few bytes per bureau per rerun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import geo
from lib.maps import geometry, styles, views, wire


@pytest.fixture
def geom(grid_bureaux):
    """The 3×2 grid's geometry (bureaux 99001_0001…99002_0006, two communes)."""
    bureaux = grid_bureaux.assign(label=[f"Bureau {k}" for k in "ABCDEF"])
    outlines = geo.dissolve_outlines(bureaux, by="commune_code", names=pd.Series({"99001": "Une", "99002": "Deux"}),
                                     kind="commune")
    return geometry.encode_geometry(bureaux, outlines)


def _table(ids: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    table = pd.DataFrame({"score": [91.6, 12.2, np.nan, 50.0], "rank": pd.array([1, 3, None, 2], dtype="Int64"),
                          "missing": ["", "", "Revenu", "Revenu"],
                          "top_ids": [("abstention", "income"), ("income",), (), ("nope", "abstention")]},
                         index=ids)
    rgba = np.array([[177, 0, 38, 220], [255, 255, 178, 220], [189, 189, 189, 200], [253, 141, 60, 220]],
                    dtype=np.uint8)
    return table, rgba


class FourBureaux:
    """A geometry stand-in holding four ids in the map's own order (not the table's)."""

    bureau_ids = np.array(["b4", "b1", "b3", "b2"])
    n_bureaux = 4


def _round_trip(view: views.MapView) -> views.MapView:
    meta, arrays = wire.unpack(wire.pack(view.meta, view.arrays))
    return views.MapView(meta, arrays)


def test_priority_view_round_trip_gives_colour_rounded_score_rank_top_criteria_and_missing():
    table, rgba = _table(["b1", "b2", "b3", "b4"])
    view = _round_trip(views.priority_view(FourBureaux, table, rgba, ["abstention", "income"]))
    back = views.decode_priority(view, FourBureaux, ["abstention", "income"])
    assert back.loc["b1", "colour"] == (177, 0, 38, 220) and back.loc["b3", "colour"] == (189, 189, 189, 200)
    assert back.loc["b1", "score"] == 92 and np.isnan(back.loc["b3", "score"])
    assert back["rank"].tolist() == [2, 1, pd.NA, 3]
    assert back.loc["b1", "top_ids"] == ("abstention", "income")
    assert back.loc["b4", "top_ids"] == ("abstention",)  # an unknown criterion id is dropped
    assert back.loc["b4", "missing"] == "Revenu" and back.loc["b1", "missing"] == ""
    assert back.loc["b3", "missing"] == "données manquantes : Revenu"  # unscored: the sentence the tooltip shows


def test_an_atypical_bureau_is_named_as_such_in_its_tooltip_text():
    table, rgba = _table(["b1", "b2", "b3", "b4"])
    table["atypical"] = [False, False, True, False]
    view = views.priority_view(FourBureaux, table, rgba, ["abstention", "income"])
    assert views.decode_priority(view, FourBureaux, ["abstention", "income"])["missing"]["b3"] == "bureau atypique, écarté (voir Accueil)"


def test_a_map_bureau_without_a_score_row_is_refused():
    table, rgba = _table(["b1", "b2", "b3", "zz"])
    with pytest.raises(ValueError, match="missing from the table"):
        views.priority_view(FourBureaux, table, rgba, [])


def test_a_priority_rerun_costs_a_few_bytes_per_bureau():
    n = 70_000
    rng = np.random.default_rng(0)
    ids = np.array([f"{i:06d}" for i in range(n)])
    table = pd.DataFrame({"score": rng.uniform(0, 100, n), "rank": pd.array(np.arange(1, n + 1), dtype="Int64"),
                          "missing": "", "top_ids": [("a", "b")] * n}, index=ids)
    rgba = np.array([[1, 2, 3, 255], [4, 5, 6, 255]], dtype=np.uint8)[rng.integers(0, 2, n)]
    france = type("France", (), {"bureau_ids": ids, "n_bureaux": n})
    view = views.priority_view(france, table, rgba, ["a", "b"])
    assert len(wire.pack(view.meta, view.arrays)) <= 8 * n + 1024  # colour, score, rank (4), top pair, header
    assert view.arrays["rank"].dtype == np.uint32 and view.arrays["colour"].dtype == np.uint8


def test_the_first_ranks_are_numbered_at_their_bureaux():
    table, rgba = _table(["b1", "b2", "b3", "b4"])
    view = views.priority_view(FourBureaux, table, rgba, [], numbered=2)
    at = view.arrays["numbers.at"].tolist()
    assert {FourBureaux.bureau_ids[i]: int(v) for i, v in zip(at, view.arrays["numbers.value"], strict=True)} == \
        {"b1": 1, "b4": 2}


def test_the_home_map_tones_bureaux_by_area_and_names_their_registered_voters(geom, grid_bureaux):
    bureaux = grid_bureaux.assign(area_code=["a", "a", "a", "a", "b", "b"], registered=[1200.0, 1, np.nan, 5, 6, 7],
                                  commune_name=["Une"] * 4 + ["Deux"] * 2)
    view = views.territory_view(geom, bureaux)
    texts = [view.meta["texts"][i] for i in view.arrays["tip"]]
    assert texts[0] == "1\u202f200 inscrits\nUne" and texts[1] == "1 inscrit\nUne"
    assert texts[2].startswith("inscrits inconnus")
    colours = [tuple(view.meta["palette"][i]) for i in view.arrays["colour"]]
    assert colours[0] == colours[3] != colours[4] == colours[5]


def test_the_coverage_map_says_not_planned_and_frames_on_the_plan(geom):
    coverage = pd.DataFrame({"adresses": [10, 4], "faites": [10, 1], "part": [1.0, 0.25]},
                            index=pd.Index(["99001_0001", "99002_0005"], name="bureau_id"))
    view = views.coverage_view(geom, coverage, frame_on=["99001_0001"])
    texts = dict(zip(geom.bureau_ids, [view.meta["texts"][i] for i in view.arrays["tip"]], strict=True))
    assert texts["99001_0001"].startswith("100 % fait") and texts["99001_0003"] == "non planifié"
    colour = dict(zip(geom.bureau_ids, [view.meta["palette"][i] for i in view.arrays["colour"]], strict=True))
    assert colour["99001_0001"] == styles.COVERAGE_FULL and colour["99001_0003"] == styles.NOT_PLANNED
    assert view.meta["frame"] == views.bureau_bounds(geom, [0])


def _turfs(grid_bureaux) -> pd.DataFrame:
    """Three turfs: T01 and T02 side by side in bureau A, T03 far east in bureau E."""
    centre = grid_bureaux.geometry.to_crs(2154).centroid.to_crs(4326)
    rows = []
    for turf, bureau, k in (("T01", 0, 0), ("T02", 0, 1), ("T03", 4, 0)):
        for stop in (1, 2):
            rows.append({"turf_id": turf, "stop": stop, "bureau_id": grid_bureaux["bureau_id"][bureau],
                         "lon": centre.x[bureau] + 0.0003 * k + 0.0001 * stop, "lat": centre.y[bureau],
                         "label": f"{stop} rue X"})
    return pd.DataFrame(rows)


def test_the_turf_map_frames_on_the_chosen_bureaux_and_outlines_them(geom, grid_bureaux):
    view, _ = views.turf_view(geom, _turfs(grid_bureaux), ["99001_0001", "99002_0005"])
    assert view.meta["frame"] == views.bureau_bounds(geom, [0, 4])
    assert sorted(geom.bureau_ids[view.arrays["focus"]]) == ["99001_0001", "99002_0005"]


def test_neighbouring_turfs_get_different_colours(geom, grid_bureaux):
    _, colours = views.turf_view(geom, _turfs(grid_bureaux), ["99001_0001"])
    assert colours["T01"] != colours["T02"]
    assert set(map(tuple, colours.values())) <= set(map(tuple, styles.TURF_COLOURS))


def test_the_turf_map_carries_each_address_in_walking_order_and_one_route_per_turf(geom, grid_bureaux):
    turfs = _turfs(grid_bureaux).sample(frac=1, random_state=1)
    view, _ = views.turf_view(geom, turfs, ["99001_0001"])
    assert len(view.arrays["points.xy"]) == 6 and view.arrays["paths.start"].tolist() == [0, 2, 4]
    tips = [view.meta["points"]["texts"][i] for i in view.arrays["points.tip"]]
    assert tips[:2] == ["T01 · 1. 1 rue X", "T01 · 2. 2 rue X"]


def test_door_statuses_are_coloured_named_and_framed_on_the_addresses(geom, grid_bureaux):
    stops = _turfs(grid_bureaux).assign(status=["ouvert", "", "refus", "absent", "a_revoir", ""])
    view = views.door_status_view(geom, stops, {"": "pas encore", "ouvert": "Ouvert", "refus": "Refus",
                                                "absent": "Absent", "a_revoir": "À revoir"})
    tips = [view.meta["points"]["texts"][i] for i in view.arrays["points.tip"]]
    assert tips[0].endswith("\nOuvert") and tips[1].endswith("\npas encore")
    assert view.meta["points"]["palette"][view.arrays["points.colour"][0]] == styles.DOOR_STATUS_COLOURS["ouvert"]
    x0, y0, x1, y1 = view.meta["frame"]
    assert x0 <= stops["lon"].min() and x1 >= stops["lon"].max() and y0 <= stops["lat"].min() <= y1


def test_a_department_takes_the_colour_of_its_median_bureau(grid_bureaux):
    bureaux = grid_bureaux.assign(commune_code=["91001"] * 4 + ["92002"] * 2, label=[f"Bureau {k}" for k in "ABCDEF"])
    groups = geometry.encode_departments(bureaux)
    ids = bureaux["bureau_id"].to_numpy()
    table = pd.DataFrame({"score": [10.0, 50.0, 90.0, 30.0, 70.0, np.nan], "class_id": [0, 1, 2, 0, 2, np.nan]},
                         index=ids)
    rgba = np.array([[k, 0, 0, 255] for k in range(6)], dtype=np.uint8)
    members = pd.Series(["dep:91"] * 4 + ["dep:92"] * 2, index=ids)
    view = views.department_view(groups, members, table, rgba, pd.Series(bureaux["label"].to_numpy(), index=ids),
                                 no_data="#bdbdbd")
    colour = [view.meta["palette"][i] for i in view.arrays["colour"]]
    texts = [view.meta["texts"][i] for i in view.arrays["tip"]]
    # 91: scores 10, 50, 90, 30 → lower median 30 (bureau D, colour 3); 92: only E is scored (70).
    assert colour == [[3, 0, 0, 255], [4, 0, 0, 255]]
    assert texts[0].startswith("Score médian 30/100\n1 bureau en priorité maximale") and "Bureau C (90)" in texts[0]


def test_the_potential_map_colours_each_category_outlines_moved_bureaux_and_says_which_way(geom):
    from lib.potential import Potential

    frame = pd.DataFrame({"gap": [7.5, -6.0], "category": ["bastion", "difficile"], "previous_gap": [1.0, -7.0],
                          "previous_category": ["favorable", "difficile"], "movement": ["↑", "="],
                          "label": ["bastion ↑", "difficile"]}, index=pd.Index(["99001_0001", "99001_0002"]))
    view = views.potential_view(geom, Potential(frame, previous="Législatives 2022"))
    colour = dict(zip(geom.bureau_ids, [view.meta["palette"][i] for i in view.arrays["colour"]], strict=True))
    assert colour["99001_0001"] == styles.POTENTIAL_COLOURS["bastion"]
    assert colour["99001_0003"] == styles.NO_CATEGORY
    texts = dict(zip(geom.bureau_ids, [view.meta["texts"][i] for i in view.arrays["tip"]], strict=True))
    assert texts["99001_0001"] == "bastion (7,5 pts vs notre moyenne)\n↑ depuis Législatives 2022 (favorable)"
    assert view.arrays["focus"].tolist() == geom.positions(["99001_0001"]).tolist()


def test_qpv_outlines_are_drawn_as_one_closed_path_per_ring_in_their_own_colour(geom):
    square = {"type": "MultiPolygon", "coordinates": [[[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.0]]]]}
    outlines = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": square}] * 2}
    view = _round_trip(views.with_qpv_outlines(views.text_view(geom, pd.Series(dtype=object), pd.Series(dtype=str),
                                                                no_data=[1, 1, 1, 1]), outlines))
    assert view.arrays["paths.start"].tolist() == [0, 4] and view.arrays["paths.xy"].shape == (8, 2)
    assert view.meta["paths"]["palette"] == [styles.QPV_OUTLINE]
    assert views.with_qpv_outlines(view, None) is view
