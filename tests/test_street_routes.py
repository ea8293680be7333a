"""Routes along the streets, on real data: the Paris BAN addresses of bureaux 1613 and 1614 (16e,
inside the shipped OpenStreetMap Trocadéro extract) and the walkable network of the street layer."""

from __future__ import annotations

import dataclasses
import functools
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from lib import walk, walk_exports
from lib.dataset import load_territory
from lib.geo import lonlat_to_l93
from lib.routing import ortools_order
from lib.streetnet import SNAP_MAX_M, GroupWalks, StreetNetwork, street_key

PROJECT_DATA = Path(__file__).parent.parent / "data"
BUREAUX = ["75056_1613", "75056_1614"]
PLAN = walk.TurfPlan(outing_minutes=120, registered_per_door=1.6, doors_per_hour_collective=25.0,
                     doors_per_hour_individual=12.0)


@functools.cache
def paris():
    data = load_territory(PROJECT_DATA, "paris")
    return data, StreetNetwork.from_streets(data.streets)


@functools.cache
def turfs(with_network: bool = True):
    data, net = paris()
    cut, _ = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), BUREAUX, PLAN,
                             network=net if with_network else None)
    return cut


def _edges(net: StreetNetwork) -> set[tuple[int, int]]:
    coo = net.graph.tocoo()
    return set(zip(coo.row.tolist(), coo.col.tolist(), strict=True))


def test_route_between_stops_only_follows_street_edges():
    _data, net = paris()
    edges = _edges(net)
    for _turf, rows in turfs().groupby("turf_id"):
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy(), rows["street"], rows["number"])
        px, py = lonlat_to_l93(lon, lat)
        node, offset = net.snap(px, py)
        on_street = offset < 0.5  # the drawn vertices that are street vertices
        for i in range(len(px) - 1):
            if on_street[i] and on_street[i + 1] and node[i] != node[i + 1]:
                assert (node[i], node[i + 1]) in edges  # never a shortcut through a block
            else:  # a stop joins its street: never farther than the snap distance
                assert np.hypot(px[i + 1] - px[i], py[i + 1] - py[i]) <= SNAP_MAX_M + 1


def test_walking_distance_is_never_shorter_than_the_crow_flies():
    data, net = paris()
    rows = data.addresses[data.addresses["bureau_id"] == BUREAUX[0]]
    x, y = lonlat_to_l93(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    along = net.distances(x, y)
    straight = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    assert (along >= straight - 1e-6).all()
    assert (along > 1.2 * straight + 20).any()  # some pairs need a detour round a block


def test_turf_durations_come_from_the_walk_along_the_streets():
    on_streets = walk.turf_summary(turfs(True))
    _data, net = paris()
    for turf, rows in turfs(True).groupby("turf_id"):
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy(), rows["street"], rows["number"])
        px, py = lonlat_to_l93(lon, lat)
        drawn = float(np.hypot(np.diff(px), np.diff(py)).sum())
        summary_m = on_streets.set_index("turf_id").loc[turf, "parcours_m"]
        assert summary_m == pytest.approx(drawn, abs=2 + 0.01 * drawn)


def test_every_address_is_routed_exactly_once_on_the_network():
    cut = turfs(True)
    data, _ = paris()
    expected = data.addresses[data.addresses["bureau_id"].isin(BUREAUX)]["address_id"]
    assert sorted(cut["address_id"]) == sorted(expected)


def test_solver_order_is_never_longer_than_the_heuristic():
    data, net = paris()
    rows = data.addresses[data.addresses["bureau_id"] == BUREAUX[1]].head(40)
    x, y = lonlat_to_l93(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    dist = net.distances(x, y)
    heuristic = walk.route_order(np.c_[x, y], dist=dist)
    best = walk.best_order(np.c_[x, y], dist=dist)
    assert sorted(best) == list(range(len(x))) and best[0] == heuristic[0]
    assert walk.path_length(dist, best) <= walk.path_length(dist, heuristic) + 1e-6
    solved = ortools_order(dist, int(heuristic[0]))
    assert solved is not None and sorted(solved) == list(range(len(x)))


def test_an_address_snaps_to_its_own_street_not_the_one_behind_the_block():
    data, net = paris()
    rows = data.addresses[data.addresses["bureau_id"].isin(BUREAUX)]
    x, y = lonlat_to_l93(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    node, offset = net.snap(x, y, rows["street"])
    keys = street_key(rows["street"]).to_numpy()
    known = np.array([k in net.on_street for k in keys]) & (offset <= SNAP_MAX_M)
    assert known.mean() > 0.8
    assert all(n in set(net.on_street[k]) for n, k in zip(node[known], keys[known], strict=True))


def test_packet_map_names_the_streets_and_credits_openstreetmap():
    data, net = paris()
    cut = turfs()
    first = cut[cut["turf_id"] == "T01"]
    summary = walk.turf_summary(first)
    pdf = walk_exports.field_packet_pdf(first, summary, title="T", provenance={"Territoire": "Paris"},
                                        streets=data.streets, network=net)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "contributeurs d'OpenStreetMap" in text and "ODbL" in text
    assert any(str(street) in text for street in set(first["street"]))  # the turf's own street, named
    plain = walk_exports.field_packet_pdf(first, summary, title="T", provenance={"Territoire": "Paris"})
    assert "OpenStreetMap" not in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(plain)).pages)


def test_gpx_track_walks_along_the_streets():
    _data, net = paris()
    cut = turfs()
    gpx = walk_exports.turfs_gpx(cut[cut["turf_id"] == "T01"], {"Territoire": "Paris"}, net).decode()
    points = np.array([[float(m[1]), float(m[0])] for m in
                       re.findall(r'<trkpt lat="([\d.]+)" lon="([\d.]+)"', gpx)])
    stops = (cut["turf_id"] == "T01").sum()
    assert len(points) > stops  # the walk between stops, not only the stops
    px, py = lonlat_to_l93(points[:, 0], points[:, 1])
    _node, offset = net.snap(px, py)
    assert (offset[1:-1] < 1.0).sum() >= len(points) - 2 * stops  # every point but the stops is a street vertex
    assert "OpenStreetMap" in gpx


def test_walk_page_says_which_bureaux_have_streets():
    data, _net = paris()
    from lib.streetmap import coverage_note

    assert "le long des rues" in coverage_note(data.metadata, BUREAUX)
    assert "vol d'oiseau" in coverage_note(data.metadata, ["75056_0101"])  # Paris Centre: not in the extract
    assert "pour 2 de ces 3 bureaux" in coverage_note(data.metadata, [*BUREAUX, "75056_0101"])
    assert "Pas de rues" in coverage_note({}, BUREAUX)


def test_turf_map_draws_the_streets_and_the_routes_along_them():
    from lib.maps import views
    from lib.maps.geometry import load_screen_geometry

    data, net = paris()
    cut = turfs()
    geom = load_screen_geometry(data, PROJECT_DATA)
    view, _ = views.turf_view(geom, cut, BUREAUX, streets=data.streets, routes=walk_exports.route_lines(cut, net))
    names = set(view.meta["streets"]["names"])
    assert set(cut["street"]) & names  # the turfs' own streets are named on the map
    assert "OpenStreetMap" in view.meta["streets"]["credit"]
    assert len(view.arrays["streets.start"]) == len(view.arrays["streets.kind"]) > 100
    assert len(view.arrays["paths.xy"]) > len(cut)  # routes along the streets, not stop to stop
    bare, _ = views.turf_view(geom, cut, BUREAUX)
    assert "streets" not in bare.meta and len(bare.arrays["paths.xy"]) == len(cut)


def test_turfs_outside_the_street_layer_are_drawn_stop_to_stop():
    data, net = paris()
    outside, _ = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), ["75056_0101"], PLAN,
                                 network=net)  # Paris Centre: not in the Trocadéro extract
    lines = walk_exports.route_lines(outside, net)
    assert all(len(lines[t]) == n for t, n in outside.groupby("turf_id").size().items())


WIDE_STREETS = ["Rue de la Tour", "Rue de Passy"]  # tertiary in the OSM extract: wide, crossed at corners


def _facing(street: str = "Rue de la Tour", bureau: str = BUREAUX[1]):
    """An odd and an even address of a wide street facing each other mid-block (nearest such pair
    whose vertices are not intersections), and the network."""
    data, net = paris()
    rows = data.addresses[(data.addresses["bureau_id"] == bureau) & (data.addresses["street"] == street)]
    x, y = lonlat_to_l93(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    node, _ = net.snap(x, y, rows["street"])
    odd = walk._number_key(rows["number"])[1] == 1
    plain = net.degree[node] < 3
    gap = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    gap[~(odd & plain)[:, None] | ~(~odd & plain)[None, :]] = np.inf
    i, j = np.unravel_index(np.argmin(gap), gap.shape)
    return rows.iloc[[i, j]], net


def test_the_trocadero_wide_streets_are_the_primary_secondary_and_tertiary_ones():
    _data, net = paris()
    assert {street_key(pd.Series(WIDE_STREETS)).tolist()[0], "avenue kleber"} <= net.wide
    assert "rue eugene manuel" not in net.wide  # residential: crossed anywhere


def test_a_walk_across_a_wide_street_goes_round_by_an_intersection():
    pair, net = _facing()
    x, y = lonlat_to_l93(pair["lon"].to_numpy(), pair["lat"].to_numpy())
    sided = GroupWalks(net, np.zeros(2), x, y, pair["street"], pair["number"]).steps(np.arange(2))[0]
    anywhere = GroupWalks(net, np.zeros(2), x, y, pair["street"]).steps(np.arange(2))[0]
    assert sided > anywhere + 10  # to the corner and back, not straight across
    lon, lat = net.path_lonlat(x, y, pair["street"], pair["number"])
    px, py = lonlat_to_l93(lon, lat)
    node, offset = net.snap(px, py)
    assert (net.degree[node[offset < 0.5]] >= 3).any()  # the drawn walk passes an intersection
    assert float(np.hypot(np.diff(px), np.diff(py)).sum()) == pytest.approx(sided, abs=1.0)


def test_a_wide_street_is_walked_one_side_in_number_order_then_the_other():
    cut = turfs().sort_values(["turf_id", "stop"])
    both_sides = 0
    for _turf, rows in cut[cut["street"].isin(WIDE_STREETS)].groupby(["turf_id", "street"]):
        number, parity = walk._number_key(rows["number"])
        assert (np.diff(parity) != 0).sum() <= 1  # one side's run, then the other's
        for side in (0, 1):
            run = number[parity == side]
            assert (np.diff(run) >= 0).all() or (np.diff(run) <= 0).all()  # in number order, either way
        both_sides += len(set(parity)) == 2
    assert both_sides >= 3


def test_street_crossings_count_legs_from_one_side_of_a_wide_street_to_the_other():
    _data, net = paris()
    stops = pd.DataFrame({"turf_id": ["T1"] * 6 + ["T2"] * 3, "stop": [1, 2, 3, 4, 5, 6, 1, 2, 3],
                          "street": ["Rue de la Tour"] * 4 + ["Rue Eugène Manuel"] * 2 + ["Rue de la Tour"] * 3,
                          "number": ["1", "3", "4", "2", "5", "6", "8", "7", "9"]})
    # T1: 3 → 4 crosses the wide street (1); 5 → 6 on a narrow street does not count; T2 starts
    # on the even side after T1's odd stop (another turf: not a leg); 8 → 7 crosses (1)
    assert walk.street_crossings(stops, net).to_dict() == {"T1": 1, "T2": 1}


def test_fast_distances_equal_the_plain_search_on_the_whole_network():
    data, net = paris()
    rows = data.addresses[data.addresses["bureau_id"].isin(BUREAUX)].reset_index(drop=True)
    x, y = lonlat_to_l93(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    walks = GroupWalks(net, rows["bureau_id"].to_numpy(), x, y, rows["street"])
    for bureau in BUREAUX:
        sample = np.flatnonzero(rows["bureau_id"] == bureau)[::3]
        plain = net.distances(x[sample], y[sample], rows["street"].iloc[sample])
        assert np.abs(walks.between(sample) - plain).max() <= 1.0
        order = sample[np.argsort(rows["number"].iloc[sample].astype(str).to_numpy())]
        expected = net.distances(x[order], y[order], rows["street"].iloc[order])
        assert np.abs(walks.steps(order) - np.diag(expected, 1)).max() <= 1.0


def test_the_doors_of_one_address_are_never_split_across_turfs():
    data, net = paris()
    rows = data.addresses[data.addresses["bureau_id"] == BUREAUX[1]]
    doors = rows[rows["street"] == "Rue de la Tour"].iloc[[5] * 30]  # one building, 30 door rows
    big = pd.concat([rows, doors], ignore_index=True)
    cut, _ = walk.plan_turfs(big, data.bureaux.reset_index(drop=True), [BUREAUX[1]],
                             dataclasses.replace(PLAN, outing_minutes=45), network=net)
    mine = cut[cut["address_id"] == doors["address_id"].iloc[0]]
    assert mine["turf_id"].nunique() == 1 and len(mine) == 31
    assert (np.diff(np.sort(mine["stop"].to_numpy())) == 1).all()  # consecutive stops


def test_a_bureau_whose_turfs_keep_running_long_is_cut_again_a_few_times_then_halved(monkeypatch):
    data, net = paris()
    calls = []
    cut_turfs = walk.cut_turfs
    monkeypatch.setattr(walk, "cut_turfs", lambda *a, **k: calls.append(1) or cut_turfs(*a, **k))
    etoile = "75056_1661"  # round the Étoile: long detours along the streets, bisection keeps missing
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), [etoile], PLAN, network=net)
    assert len(calls) <= walk.RECUTS + 1  # each cut routes the whole bureau again
    assert (summary["minutes_estimees"] <= PLAN.outing_minutes).all()
    assert sorted(turfs["address_id"]) == sorted(data.addresses.loc[data.addresses["bureau_id"] == etoile, "address_id"])
