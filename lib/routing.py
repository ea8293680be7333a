"""A turf's visiting order by OR-Tools' routing solver (open path from a given first stop).

:func:`lib.walk.best_order` runs it beside the nearest neighbour + 2-opt and keeps the shorter
route: the solver's local search (no metaheuristic, a few milliseconds per turf) finds moves 2-opt
does not (relocating a stretch, exchanging two), the heuristic stays the fallback.
"""

from __future__ import annotations

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

DECIMETRES = 10  # the solver works on integers: distances in decimetres


def ortools_order(dist: np.ndarray, first: int) -> np.ndarray | None:
    """Order of the points (an open path starting at ``first``), or None when the solver finds none."""
    n = len(dist)
    ends_at = n  # a free last stop: a dummy end reached at no cost from anywhere
    cost = np.zeros((n + 1, n + 1), dtype=np.int64)
    cost[:n, :n] = np.round(np.nan_to_num(dist, posinf=1e7) * DECIMETRES).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, [first], [ends_at])
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(cost.tolist()))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    solution = model.SolveWithParameters(params)
    if solution is None:
        return None
    order, index = [], model.Start(0)
    while not model.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(model.NextVar(index))
    return np.array(order, dtype=np.int64)
