"""The walkable street network of a territory: distances and paths along the streets.

Built once from the OpenStreetMap street layer (``streets.parquet``, :mod:`lib.datasets.streets`):
nodes are the lines' vertices in Lambert-93 metres (a junction is a vertex shared by two ways),
edges join consecutive vertices, weighted by their length. An address is snapped to its nearest
vertex; the distance between two addresses is the snap offsets plus the shortest path
(:func:`scipy.sparse.csgraph.dijkstra`), so a route goes round a block instead of through it.
Searches are bounded (:data:`SEARCH_LIMIT_M`) and run on the part of the network around the
points only, which keeps a 10,000-address cut within the walk-list budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from lib.fr import fold
from lib.geo import LAMBERT93, l93_to_lonlat

SEARCH_LIMIT_M = 4000.0  # no walk between two stops of a turf is longer
AROUND_M = 400.0  # the network kept around a set of points (a turf's detours stay within it)
SNAP_MAX_M = 150.0  # an address farther than this from any street is off the network: straight line


STEP_M = 15.0  # lines are cut into pieces this long at most: an address snaps near its door


def street_key(names: pd.Series) -> pd.Series:
    """A street name as both BAN and OpenStreetMap write it (:func:`lib.fr.fold`, once per name)."""
    texts = names.fillna("").astype(str)
    unique = texts.unique()
    return texts.map(dict(zip(unique, (fold(u) for u in unique), strict=True)))


@dataclass(frozen=True)
class StreetNetwork:
    """Vertices (Lambert-93 metres), the symmetric matrix of edge lengths between them (both directions
    stored: searches run as « directed », which spares scipy a conversion per search), and which
    vertices lie on which street (by :func:`street_key`)."""

    x: np.ndarray
    y: np.ndarray
    graph: csr_matrix
    tree: cKDTree = field(repr=False)
    on_street: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    _trees: dict[str, cKDTree] = field(repr=False, default_factory=dict, compare=False)

    @classmethod
    def from_streets(cls, streets: gpd.GeoDataFrame) -> StreetNetwork:
        """The network of the street layer (WGS84 lines)."""
        lines = shapely.segmentize(streets.to_crs(LAMBERT93).geometry.values, STEP_M)
        coords, line = shapely.get_coordinates(lines, return_index=True)
        x, y = coords[:, 0], coords[:, 1]
        key = np.round(x, 1) * 1e7 + np.round(y, 1)  # a junction: one vertex, whatever the way
        uniq, node = np.unique(key, return_inverse=True)
        first = np.zeros(len(uniq), dtype=np.int64)
        first[node[::-1]] = np.arange(len(node))[::-1]
        same = line[1:] == line[:-1]
        a, b = node[:-1][same], node[1:][same]
        length = np.hypot(x[1:] - x[:-1], y[1:] - y[:-1])[same]
        keep = a != b
        edges = pd.DataFrame({"a": np.r_[a[keep], b[keep]], "b": np.r_[b[keep], a[keep]],
                              "m": np.r_[length[keep], length[keep]]}).groupby(["a", "b"])["m"].min()
        n = len(uniq)
        graph = csr_matrix((edges.to_numpy(), (edges.index.get_level_values(0), edges.index.get_level_values(1))),
                           shape=(n, n))
        names = pd.DataFrame({"street": street_key(streets["name"]).to_numpy()[line], "node": node})
        names = names[names["street"] != ""].drop_duplicates()
        on_street = {s: g.to_numpy() for s, g in names.groupby("street")["node"]}
        nx, ny = x[first], y[first]
        return cls(nx, ny, graph, cKDTree(np.c_[nx, ny]), on_street)

    def snap(self, x: np.ndarray, y: np.ndarray,
             streets: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Nearest vertex of each point and its distance (metres): on the point's own street when
        ``streets`` names it and that street is within SNAP_MAX_M (a door opens on its street, not
        on the street behind the block), else the nearest vertex of any street."""
        dist, idx = self.tree.query(np.c_[x, y])
        idx = idx.astype(np.int64)
        if streets is None:
            return idx, dist
        near = np.flatnonzero(dist <= SNAP_MAX_M)  # no vertex of its street can be nearer than any vertex
        keys = street_key(pd.Series(streets).reset_index(drop=True).iloc[near])
        for street, rows in pd.Series(near).groupby(keys.to_numpy()).groups.items():
            if street not in self.on_street:
                continue
            if street not in self._trees:
                nodes = self.on_street[street]
                self._trees[street] = cKDTree(np.c_[self.x[nodes], self.y[nodes]])
            rows = near[np.asarray(rows)]
            d, i = self._trees[street].query(np.c_[x[rows], y[rows]])
            ok = d <= SNAP_MAX_M
            idx[rows[ok]] = self.on_street[street][i[ok]]
            dist[rows[ok]] = d[ok]
        return idx, dist

    def _around(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Vertices within AROUND_M of the points' bounding box (sorted)."""
        inside = ((self.x >= x.min() - AROUND_M) & (self.x <= x.max() + AROUND_M)
                  & (self.y >= y.min() - AROUND_M) & (self.y <= y.max() + AROUND_M))
        return np.flatnonzero(inside)

    def distances(self, x: np.ndarray, y: np.ndarray, streets: pd.Series | None = None) -> np.ndarray:
        """Walking distance between every pair of points (metres): along the streets, or in a
        straight line for a pair with a point off the network or with no path between them."""
        node, offset = self.snap(x, y, streets)
        return self.snapped_distances(x, y, node, offset)

    def snapped_distances(self, x: np.ndarray, y: np.ndarray, node: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """:meth:`distances` of points already snapped (:meth:`snap`, once for a whole cut)."""
        straight = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        on = offset <= SNAP_MAX_M
        if on.sum() < 2:
            return straight
        local = self._around(x[on], y[on])
        position = np.searchsorted(local, node[on])
        sources, inverse = np.unique(position, return_inverse=True)
        along = dijkstra(self._sub(local), directed=True, indices=sources, limit=SEARCH_LIMIT_M)[:, sources]
        walk = along[inverse][:, inverse] + offset[on][:, None] + offset[on][None, :]
        np.fill_diagonal(walk, 0.0)
        out = straight.copy()
        block = out[np.ix_(on, on)]
        out[np.ix_(on, on)] = np.where(np.isfinite(walk), np.maximum(walk, block), block)
        return out

    def _sub(self, local: np.ndarray) -> csr_matrix:
        """The network restricted to the vertices ``local`` (sorted)."""
        rows = self.graph[local]
        keep = np.zeros(self.graph.shape[0], dtype=bool)
        keep[local] = True
        coo = rows.tocoo()
        inside = keep[coo.col]
        return csr_matrix((coo.data[inside], (coo.row[inside], np.searchsorted(local, coo.col[inside]))),
                          shape=(len(local), len(local)))

    def path_lonlat(self, x: np.ndarray, y: np.ndarray,
                    streets: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The walking line through the points in order, along the streets (lon, lat), for maps
        and GPX: each leg is the shortest path between the two stops' vertices."""
        node, offset = self.snap(x, y, streets)
        on = offset <= SNAP_MAX_M
        if on.sum() < 2:  # off the street layer: stop to stop
            return l93_to_lonlat(x, y)
        local = self._around(x[on], y[on])
        position = np.where(on, np.searchsorted(local, node), -1)
        sources = np.unique(position[on])
        _, pred = dijkstra(self._sub(local), directed=True, indices=sources, limit=SEARCH_LIMIT_M,
                           return_predecessors=True)
        row = dict(zip(sources.tolist(), range(len(sources)), strict=True))
        px, py = [x[0]], [y[0]]
        for i in range(len(x) - 1):
            leg = (_walk_back(pred[row[position[i]]], position[i + 1], position[i])
                   if on[i] and on[i + 1] else None) or []
            px.extend(self.x[local[leg]])
            py.extend(self.y[local[leg]])
            px.append(x[i + 1])
            py.append(y[i + 1])
        return l93_to_lonlat(np.asarray(px), np.asarray(py))


def _walk_back(pred: np.ndarray, target: int, source: int) -> list[int] | None:
    """Vertices from ``source`` to ``target`` following the predecessors; None when unreachable."""
    out = [target]
    while out[-1] != source:
        prev = pred[out[-1]]
        if prev < 0:
            return None
        out.append(int(prev))
    return out[::-1]


class GroupWalks:
    """Walking distances between the points of each group (a cut's bureaux: turfs never span one).
    Points are snapped once and each group's part of the network is cut once; every turf then runs
    a Dijkstra bounded by its own size (a few hundred metres), which keeps a cut fast."""

    def __init__(self, network: StreetNetwork, group: np.ndarray, x: np.ndarray, y: np.ndarray,
                 streets: pd.Series | None = None) -> None:
        self.network, self.x, self.y = network, np.asarray(x, float), np.asarray(y, float)
        self.node, self.offset = network.snap(self.x, self.y, streets)
        self.group = np.asarray(group)
        self.local: dict[object, tuple[np.ndarray, csr_matrix]] = {}
        for key, rows in pd.Series(np.arange(len(self.group))).groupby(self.group).indices.items():
            on = rows[self.offset[rows] <= SNAP_MAX_M]
            if len(on) >= 2:
                local = network._around(self.x[on], self.y[on])
                self.local[key] = (local, network._sub(local))

    def _search(self, rows: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Distances from each of ``rows`` to every vertex of its group's network, and where each
        row's vertex is in it; None when the group is off the network."""
        if self.group[rows[0]] not in self.local:
            return None
        local, sub = self.local[self.group[rows[0]]]
        position = np.searchsorted(local, self.node[rows])
        position = np.where(local[np.minimum(position, len(local) - 1)] == self.node[rows], position, -1)
        along = dijkstra(sub, directed=True, indices=np.maximum(position, 0), limit=limit)
        along[position < 0] = np.inf
        return along, position

    def between(self, rows: np.ndarray) -> np.ndarray:
        """Distances between points ``rows`` (one group): along the streets, else straight."""
        x, y = self.x[rows], self.y[rows]
        straight = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        found = self._search(rows, limit=1.5 * straight.max() + 200.0)  # a detour round a block or two
        if found is None:
            return straight
        along, position = found
        walk = along[:, np.maximum(position, 0)] + self.offset[rows][:, None] + self.offset[rows][None, :]
        return self._checked(walk, straight, rows, position)

    def steps(self, rows: np.ndarray) -> np.ndarray:
        """Distance from each point of ``rows`` (one group, in walking order) to the next one."""
        x, y = self.x[rows], self.y[rows]
        straight = np.hypot(np.diff(x), np.diff(y))
        found = self._search(rows[:-1], limit=2.0 * straight.max() + 150.0) if len(rows) > 1 else None
        if found is None:
            return straight
        along, start = found
        end = np.searchsorted(self.local[self.group[rows[0]]][0], self.node[rows[1:]])
        walk = along[np.arange(len(rows) - 1), np.minimum(end, along.shape[1] - 1)] + self.offset[rows[:-1]] \
            + self.offset[rows[1:]]
        ok = (start >= 0) & (self.offset[rows[:-1]] <= SNAP_MAX_M) & (self.offset[rows[1:]] <= SNAP_MAX_M)
        return np.where(ok & np.isfinite(walk), np.maximum(walk, straight), straight)

    def _checked(self, walk: np.ndarray, straight: np.ndarray, rows: np.ndarray, position: np.ndarray) -> np.ndarray:
        """Along the streets where both points are on the network and a path was found, else straight."""
        on = (position >= 0) & (self.offset[rows] <= SNAP_MAX_M)
        ok = on[:, None] & on[None, :] & np.isfinite(walk)
        out = np.where(ok, np.maximum(walk, straight), straight)
        np.fill_diagonal(out, 0.0)
        return out
