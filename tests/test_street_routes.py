"""Routes along the streets, on real data: the Paris BAN addresses of bureaux 1613 and 1614 (16e,
inside the shipped OpenStreetMap Trocadéro graph) and that graph's walkable network."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from lib import walk
from lib.dataset import load_territory
from lib.geo import lonlat_to_l93
from lib.routing import ortools_order
from lib.streetnet import SNAP_MAX_M, StreetNetwork

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
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy())
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
        lon, lat = net.path_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy())
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
