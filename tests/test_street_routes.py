"""Routes along the streets, on real data: the Paris BAN addresses of bureaux 1613 and 1614 (16e,
inside the shipped OpenStreetMap Trocadéro extract) and the walkable network of the street layer."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from lib import walk, walk_exports
from lib.dataset import load_territory
from lib.geo import lonlat_to_l93
from lib.routing import ortools_order
from lib.streetnet import SNAP_MAX_M, StreetNetwork, street_key

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
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy(), rows["street"])
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
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy(), rows["street"])
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
