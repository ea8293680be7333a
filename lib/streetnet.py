"""The walkable street network of a territory: distances and paths along the streets.

Built once from the OpenStreetMap street layer (``streets.parquet``, :mod:`lib.datasets.streets`):
nodes are the lines' vertices in Lambert-93 metres (a junction is a vertex shared by two ways),
edges join consecutive vertices, weighted by their length. An address is snapped to its nearest
vertex; the distance between two addresses is the snap offsets plus the shortest path
(:func:`scipy.sparse.csgraph.dijkstra`), so a route goes round a block instead of through it.

The network is contracted once (:class:`Compact`: every chain of plain vertices between two
intersections becomes one edge, exact distances, ~7× fewer vertices); a cut (:class:`GroupWalks`)
places each address between its chain's two ends, runs one multi-source Dijkstra per group (a
bureau) from those ends and answers every distance the cut, the routing, the durations and the
drawing need from that one table (paths are rebuilt only for the legs drawn).

**Street sides.** On a *wide* street (:data:`WIDE_HIGHWAYS`, or ≥ :data:`WIDE_LANES` lanes or
≥ :data:`WIDE_WIDTH_M` of width where the layer says so) a volunteer crosses only at an
intersection (a vertex of degree ≥ 3): a walk from one side of it (odd BAN numbers) to the other
(even) is measured, routed and drawn through the nearest intersection, so a turf walks one side's
run, crosses at a corner, then the other side's. On a narrow street (residential, living street,
pedestrian, service, footway…) crossing mid-block is fine and costs nothing.
"""

from __future__ import annotations

import functools
import itertools
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
WIDE_HIGHWAYS = frozenset({"primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link"})
WIDE_LANES = 2  # an OSM ``lanes`` tag at least this: a street crossed at intersections only
WIDE_WIDTH_M = 10.0  # an OSM ``width`` at least this (metres): the same
JUNCTION_DEGREE = 3  # a vertex where this many ways meet: an intersection, where a wide street is crossed


def street_key(names: pd.Series) -> pd.Series:
    """A street name as both BAN and OpenStreetMap write it (:func:`lib.fr.fold`, once per name)."""
    texts = names.fillna("").astype(str)
    unique = texts.unique()
    return texts.map(dict(zip(unique, (fold(u) for u in unique), strict=True)))


def house_number(numbers: pd.Series) -> np.ndarray:
    """Numeric part of BAN house numbers (``12bis`` → 12; none → NaN), parsed once per distinct text."""
    codes, unique = pd.factorize(pd.Series(numbers).astype(str))
    values = pd.to_numeric(pd.Series(unique).str.extract(r"^(\d+)")[0], errors="coerce").to_numpy(dtype=float)
    return np.r_[values, np.nan][codes]


def wide_lines(streets: pd.DataFrame) -> np.ndarray:
    """Per line of the street layer, whether it is a wide street: its highway class, or its
    ``lanes`` / ``width`` tags when the layer has them."""
    wide = streets["highway"].astype(str).isin(WIDE_HIGHWAYS).to_numpy()
    for column, least in (("lanes", WIDE_LANES), ("width", WIDE_WIDTH_M)):
        if column in streets:
            value = pd.to_numeric(streets[column].astype(str).str.extract(r"^\s*([\d.]+)")[0], errors="coerce")
            wide |= (value >= least).to_numpy()
    return wide


@dataclass(frozen=True)
class StreetNetwork:
    """Vertices (Lambert-93 metres), the symmetric matrix of edge lengths between them (both directions
    stored: searches run as « directed », which spares scipy a conversion per search), which
    vertices lie on which street (by :func:`street_key`) and which streets are wide (any of their
    ways is, :func:`wide_lines`: an avenue's service lanes are still the avenue)."""

    x: np.ndarray
    y: np.ndarray
    graph: csr_matrix
    tree: cKDTree = field(repr=False)
    on_street: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    wide: frozenset[str] = frozenset()
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
        keys = street_key(streets["name"]).to_numpy()
        names = pd.DataFrame({"street": keys[line], "node": node})
        names = names[names["street"] != ""].drop_duplicates()
        on_street = {s: g.to_numpy() for s, g in names.groupby("street")["node"]}
        wide = frozenset(keys[wide_lines(streets)]) - {""}
        nx, ny = x[first], y[first]
        return cls(nx, ny, graph, cKDTree(np.c_[nx, ny]), on_street, wide)

    @functools.cached_property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each vertex (2 on a plain stretch of street)."""
        return np.diff(self.graph.indptr)

    @functools.cached_property
    def compact(self) -> Compact:
        """The network contracted to its intersections and dead ends (built once, then shared)."""
        return Compact.of(self)

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
        return _in_box(self.x, self.y, x, y)

    def distances(self, x: np.ndarray, y: np.ndarray, streets: pd.Series | None = None) -> np.ndarray:
        """Walking distance between every pair of points (metres): along the streets, or in a
        straight line for a pair with a point off the network or with no path between them. The
        plain search on the whole network (no contraction, no side rule): the reference the fast
        path of :class:`GroupWalks` is checked against."""
        node, offset = self.snap(x, y, streets)
        straight = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        on = offset <= SNAP_MAX_M
        if on.sum() < 2:
            return straight
        local = self._around(x[on], y[on])
        position = np.searchsorted(local, node[on])
        sources, inverse = np.unique(position, return_inverse=True)
        along = dijkstra(_sub(self.graph, local), directed=True, indices=sources, limit=SEARCH_LIMIT_M)[:, sources]
        walk = along[inverse][:, inverse] + offset[on][:, None] + offset[on][None, :]
        np.fill_diagonal(walk, 0.0)
        out = straight.copy()
        block = out[np.ix_(on, on)]
        out[np.ix_(on, on)] = np.where(np.isfinite(walk), np.maximum(walk, block), block)
        return out

    def path_lonlat(self, x: np.ndarray, y: np.ndarray, streets: pd.Series | None = None,
                    numbers: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The walking line through the points in order, along the streets (lon, lat), for maps
        and GPX: each leg is the shortest path between the two stops' vertices, through an
        intersection when it crosses a wide street (``numbers`` give the sides)."""
        if len(x) < 2:
            return l93_to_lonlat(np.asarray(x, float), np.asarray(y, float))
        return self.lines_lonlat(np.zeros(len(x)), np.zeros(len(x)), x, y, streets, numbers)[0.0]

    def lines_lonlat(self, line: np.ndarray, group: np.ndarray, x: np.ndarray, y: np.ndarray,
                     streets: pd.Series | None = None, numbers: pd.Series | None = None
                     ) -> dict[object, tuple[np.ndarray, np.ndarray]]:
        """:meth:`path_lonlat` of many lines at once (``line``: each point's, points in walking order,
        a line's points together), each line within one ``group`` (a bureau): points snapped once,
        one search per group, one projection back to lon/lat."""
        line = np.asarray(line)
        if not len(line):
            return {}
        group = pd.Series(np.asarray(group)).groupby(line, sort=False).transform("first").to_numpy()  # one each
        walks = GroupWalks(self, group, x, y, streets, numbers)
        bounds = np.flatnonzero(np.r_[True, line[1:] != line[:-1], True])
        drawn = [walks.line(np.arange(s0, e0)) for s0, e0 in itertools.pairwise(bounds)]
        lon, lat = l93_to_lonlat(np.concatenate([d[0] for d in drawn]), np.concatenate([d[1] for d in drawn]))
        cut = np.cumsum([len(d[0]) for d in drawn])[:-1]
        return dict(zip(line[bounds[:-1]].tolist(), zip(np.split(lon, cut), np.split(lat, cut), strict=True),
                        strict=True))


def street_sides(network: StreetNetwork, streets: pd.Series, numbers: pd.Series) -> np.ndarray:
    """Per address, a code of its wide street and side (odd or even BAN number), or -1 when its
    street is narrow, unnamed or its number unknown: where the wide-street rule applies."""
    keys = street_key(pd.Series(streets).reset_index(drop=True))
    digits = house_number(numbers)
    wide = keys.isin(network.wide).to_numpy() & ~np.isnan(digits)
    return np.where(wide, pd.factorize(keys)[0] * 2 + np.nan_to_num(digits).astype(np.int64) % 2, -1)


def crosses(side_a: np.ndarray, side_b: np.ndarray) -> np.ndarray:
    """Whether a walk between addresses of sides ``side_a`` and ``side_b`` (:func:`street_sides`,
    paired) crosses a wide street: both on the same wide street, one odd and one even."""
    return (side_a >= 0) & (side_b >= 0) & (side_a // 2 == side_b // 2) & (side_a != side_b)


def _in_box(vx: np.ndarray, vy: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the vertices (vx, vy) within AROUND_M of the points' bounding box (sorted)."""
    inside = ((vx >= x.min() - AROUND_M) & (vx <= x.max() + AROUND_M)
              & (vy >= y.min() - AROUND_M) & (vy <= y.max() + AROUND_M))
    return np.flatnonzero(inside)


def _sub(graph: csr_matrix, local: np.ndarray) -> csr_matrix:
    """``graph`` restricted to the vertices ``local`` (sorted)."""
    keep = np.zeros(graph.shape[0], dtype=bool)
    keep[local] = True
    coo = graph[local].tocoo()
    inside = keep[coo.col]
    return csr_matrix((coo.data[inside], (coo.row[inside], np.searchsorted(local, coo.col[inside]))),
                      shape=(len(local), len(local)))


def _walk_back(pred: np.ndarray, target: int, source: int) -> list[int] | None:
    """Vertices from ``source`` to ``target`` following the predecessors; None when unreachable."""
    out = [target]
    while out[-1] != source:
        prev = pred[out[-1]]
        if prev < 0:
            return None
        out.append(int(prev))
    return out[::-1]


@dataclass(frozen=True)
class Compact:
    """The network's intersections and dead ends (vertices of degree ≠ 2), every chain of plain
    vertices between two of them contracted into one edge of the chain's length: the same shortest
    distances on a graph ~7× smaller. Each network edge also knows where its chain ends (``reach``:
    that vertex, -1 on a ring of plain vertices; ``reach_m``: metres to it; ``last``: the edge
    arriving there), which places any plain vertex between its chain's two ends. ``first``
    (aligned with ``graph.data``) is the network edge each contracted edge starts with, to draw it."""

    nodes: np.ndarray  # network vertex of each compact vertex (sorted)
    graph: csr_matrix
    first: np.ndarray = field(repr=False)
    succ: np.ndarray = field(repr=False)  # network edge → the next edge of its chain
    dst: np.ndarray = field(repr=False)  # network edge → its end vertex
    reach: np.ndarray = field(repr=False)
    reach_m: np.ndarray = field(repr=False)
    last: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, network: StreetNetwork) -> Compact:
        """Contract ``network`` (pointer jumping along the chains, vectorised)."""
        g = network.graph
        keep = network.degree != 2
        src, dst, w = np.repeat(np.arange(g.shape[0]), network.degree), g.indices.astype(np.int64), g.data
        start = g.indptr[dst]  # a plain vertex's two edges: go on by the one not coming back
        succ = np.where(dst[start] != src, start, np.minimum(start + 1, len(dst) - 1))
        ptr = np.where(keep[dst], -1, succ)
        length, last = w.astype(float).copy(), np.arange(len(w))
        for _ in range(64):  # chains of 2^64 vertices at most; rings of plain vertices never end
            going = ptr >= 0
            if not going.any():
                break
            p = ptr[going]
            length[going] += length[p]
            last[going] = last[p]
            ptr[going] = ptr[p]
        reach = np.where(ptr < 0, dst[last], -1)
        out = keep[src] & (src != reach)
        edges = pd.DataFrame({"a": src[out], "b": reach[out], "m": length[out], "e": np.flatnonzero(out)})
        edges = edges.sort_values(["a", "b", "m"]).drop_duplicates(["a", "b"])
        nodes = np.flatnonzero(keep)
        a, b = np.searchsorted(nodes, edges["a"].to_numpy()), np.searchsorted(nodes, edges["b"].to_numpy())
        indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=len(nodes)))])
        graph = csr_matrix((edges["m"].to_numpy(), b, indptr), shape=(len(nodes), len(nodes)))
        return cls(nodes, graph, edges["e"].to_numpy(), succ, dst, reach, length, last)

    def follow(self, edge: int, stop: int = -1) -> list[int]:
        """Network vertices reached from ``edge`` along its chain, up to ``stop`` or the chain's end."""
        out = [int(self.dst[edge])]
        while out[-1] != stop and out[-1] != self.reach[edge]:
            edge = int(self.succ[edge])
            out.append(int(self.dst[edge]))
        return out

    def expand(self, path: list[int]) -> list[int]:
        """Network vertices along a path of compact vertices (every vertex of each chain)."""
        out = [int(self.nodes[path[0]])]
        for u, v in itertools.pairwise(path):
            lo, hi = self.graph.indptr[u], self.graph.indptr[u + 1]
            out += self.follow(int(self.first[lo + np.flatnonzero(self.graph.indices[lo:hi] == v)[0]]))
        return out


@dataclass
class _Table:
    """One group's search: its part of the compact network (``local``: compact vertices), the
    distance from each chain end of its points (``sources``, positions in ``local``) to every
    vertex of it, and its intersections (positions in ``local``)."""

    local: np.ndarray
    sub: csr_matrix
    sources: np.ndarray
    dist: np.ndarray
    junctions: np.ndarray
    pred: np.ndarray | None = None  # the searches' predecessors, once a line is drawn


class GroupWalks:
    """Walking distances between the points of each group (a cut's bureaux: turfs never span one).
    Points are snapped once and placed on the contracted network (:attr:`StreetNetwork.compact`:
    a point between its chain's two ends); each group is searched once (one multi-source Dijkstra
    from those ends, cached): every turf's matrix, step and line is then a lookup.
    ``numbers`` (BAN house numbers) give the street sides for the wide-street rule."""

    def __init__(self, network: StreetNetwork, group: np.ndarray, x: np.ndarray, y: np.ndarray,
                 streets: pd.Series | None = None, numbers: pd.Series | None = None) -> None:
        self.network, self.x, self.y = network, np.asarray(x, float), np.asarray(y, float)
        self.node, self.offset = network.snap(self.x, self.y, streets)
        self.group = np.asarray(group)
        self.members = pd.Series(np.arange(len(self.group))).groupby(self.group).indices
        self.side = (street_sides(network, streets, numbers) if streets is not None and numbers is not None
                     else np.full(len(self.x), -1))  # per point on a wide street: its street and side
        self._place(network.compact)
        self.row = np.full((len(self.x), 2), -1)  # per point, its two ends' rows in its group's table
        self.tables: dict[object, _Table | None] = {}

    def _place(self, c: Compact) -> None:
        """Each point's two chain ends (network vertices, metres), the edges leading to them, and
        its chain (``chain``: an id, -1 at an intersection; ``pos``: metres from the chain's end
        reached by its lower ``last`` edge)."""
        v, plain = self.node, self.network.degree[self.node] == 2
        self.edge = np.where(plain[:, None], self.network.graph.indptr[v][:, None] + np.arange(2), -1)
        self.end = np.where(plain[:, None], c.reach[self.edge], v[:, None])
        self.end_m = np.where(plain[:, None], c.reach_m[self.edge], 0.0)
        self.on = (self.offset <= SNAP_MAX_M) & (self.end >= 0).all(axis=1)
        ends = np.sort(c.last[self.edge], axis=1)
        self.chain = np.where(plain, ends[:, 0] * len(c.dst) + ends[:, 1], -1)
        self.pos = np.where(c.last[self.edge[:, 0]] == ends[:, 0], self.end_m[:, 0], self.end_m[:, 1])

    def _table(self, key: object) -> _Table | None:
        """The group's search (computed once); None when fewer than two of its points are on the network."""
        if key not in self.tables:
            rows = self.members[key]
            on = rows[self.on[rows]]
            if len(on) < 2:
                self.tables[key] = None
                return None
            c = self.network.compact
            ends = np.searchsorted(c.nodes, self.end[on])
            local = np.union1d(_in_box(self.network.x[c.nodes], self.network.y[c.nodes], self.x[on], self.y[on]),
                               ends.ravel())
            sources, inverse = np.unique(np.searchsorted(local, ends), return_inverse=True)
            self.row[on] = inverse.reshape(-1, 2)
            sub = _sub(c.graph, local)
            dist = dijkstra(sub, directed=True, indices=sources, limit=SEARCH_LIMIT_M)
            junctions = np.flatnonzero(self.network.degree[c.nodes[local]] >= JUNCTION_DEGREE)
            self.tables[key] = _Table(local, sub, sources, dist, junctions)
        return self.tables[key]

    def _reach(self, t: _Table, a: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Metres from points ``a`` to the compact vertices ``columns`` (positions in ``t.local``),
        per point (rows) and column, by the nearer of each point's two chain ends."""
        ra = self.row[a]
        return np.minimum(self.end_m[a, :1] + t.dist[ra[:, 0]][:, columns],
                          self.end_m[a, 1:] + t.dist[ra[:, 1]][:, columns])

    def _pairs(self, t: _Table, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Walking distance from points ``a`` to points ``b`` (paired, one group, both on the
        network): along the streets, through an intersection when they face each other across a
        wide street."""
        ra, rb, ma, mb = self.row[a], self.row[b], self.end_m[a], self.end_m[b]
        walk = (ma[:, [0, 0, 1, 1]] + t.dist[ra[:, [0, 0, 1, 1]], t.sources[rb[:, [0, 1, 0, 1]]]]
                + mb[:, [0, 1, 0, 1]]).min(axis=1)  # by either chain end of each point
        same = (self.chain[a] >= 0) & (self.chain[a] == self.chain[b])
        walk[same] = np.minimum(walk[same], np.abs(self.pos[a[same]] - self.pos[b[same]]))
        walk[self.node[a] == self.node[b]] = 0.0
        cross = np.flatnonzero(self.crossing(a, b))
        if len(cross) and len(t.junctions):
            via = (self._reach(t, a[cross], t.junctions) + self._reach(t, b[cross], t.junctions)).min(axis=1)
            walk[cross] = np.where(np.isfinite(via), via, walk[cross])
        return walk + self.offset[a] + self.offset[b]

    def crossing(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether walking from points ``a`` to points ``b`` (paired) crosses a wide street (:func:`crosses`)."""
        return crosses(self.side[a], self.side[b])

    def _lookup(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """:meth:`_pairs` of many lists of paired points ``(a, b)`` (each list within one group, every
        point on the network) at once: one lookup per group, not per list (inf off the network)."""
        out = [np.empty(0)] * len(pairs)
        by_group: dict[object, list[int]] = {}
        for k, (a, _) in enumerate(pairs):
            if len(a):
                by_group.setdefault(self.group[a[0]], []).append(k)
        for key, ks in by_group.items():
            t = self._table(key)
            a, b = np.concatenate([pairs[k][0] for k in ks]), np.concatenate([pairs[k][1] for k in ks])
            walk = self._pairs(t, a, b) if t is not None else np.full(len(a), np.inf)
            for k, part in zip(ks, np.split(walk, np.cumsum([len(pairs[k][0]) for k in ks])[:-1]), strict=True):
                out[k] = part
        return out

    def between(self, rows: np.ndarray) -> np.ndarray:
        """Distances between points ``rows`` (one group): along the streets, else straight."""
        return self.between_many([rows])[0]

    def between_many(self, parts: list[np.ndarray]) -> list[np.ndarray]:
        """:meth:`between` of each set of points of ``parts`` (a cut's turfs), looked up together."""
        outs, spots, pairs = [], [], []
        for rows in parts:
            x, y = self.x[rows], self.y[rows]
            outs.append(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]))
            inside = np.flatnonzero(self.on[rows]) if len(rows) > 1 else np.empty(0, dtype=np.int64)
            spots.append(inside)
            pairs.append((np.repeat(rows[inside], len(inside)), np.tile(rows[inside], len(inside))))
        for out, inside, walk in zip(outs, spots, self._lookup(pairs), strict=True):
            if len(inside) > 1:
                block = out[inside[:, None], inside]
                walk = walk.reshape(len(inside), len(inside))
                out[inside[:, None], inside] = np.where(np.isfinite(walk), np.maximum(walk, block), block)
                np.fill_diagonal(out, 0.0)
        return outs

    def steps(self, rows: np.ndarray) -> np.ndarray:
        """Distance from each point of ``rows`` (one group, in walking order) to the next one."""
        return self.steps_many([rows])[0]

    def steps_many(self, parts: list[np.ndarray]) -> list[np.ndarray]:
        """:meth:`steps` of each walk of ``parts`` (a cut's turfs in stop order), looked up together."""
        outs, legs, pairs = [], [], []
        for rows in parts:
            outs.append(np.hypot(np.diff(self.x[rows]), np.diff(self.y[rows])))
            ok = np.flatnonzero(self.on[rows[:-1]] & self.on[rows[1:]])
            legs.append(ok)
            pairs.append((rows[ok], rows[ok + 1]))
        for straight, ok, walk in zip(outs, legs, self._lookup(pairs), strict=True):
            found = np.isfinite(walk)
            straight[ok[found]] = np.maximum(walk[found], straight[ok[found]])
        return outs

    def line(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The walking line through points ``rows`` (one group) in order, Lambert-93: each leg along
        the network vertices of its shortest path (through an intersection across a wide street)."""
        x, y = self.x[rows], self.y[rows]
        t = self._table(self.group[rows[0]]) if len(rows) > 1 else None
        if t is None:
            return x, y
        if t.pred is None:  # paths only once a line is drawn
            _, t.pred = dijkstra(t.sub, directed=True, indices=t.sources, limit=SEARCH_LIMIT_M, return_predecessors=True)
        pred = t.pred
        px, py = [x[0]], [y[0]]
        for i in range(len(rows) - 1):
            leg = self._leg(t, pred, rows[i], rows[i + 1]) if self.on[rows[i]] and self.on[rows[i + 1]] else []
            px.extend(self.network.x[leg])
            py.extend(self.network.y[leg])
            px.append(x[i + 1])
            py.append(y[i + 1])
        return np.asarray(px), np.asarray(py)

    def _leg(self, t: _Table, pred: np.ndarray, a: int, b: int) -> list[int]:
        """Network vertices of the walk from point ``a`` to point ``b`` (the path :meth:`_pairs` measures)."""
        if self.crossing(np.array([a]), np.array([b]))[0] and len(t.junctions):
            to_a, to_b = self._reach(t, np.array([a]), t.junctions)[0], self._reach(t, np.array([b]), t.junctions)[0]
            k = int(np.argmin(to_a + to_b))
            if np.isfinite(to_a[k] + to_b[k]):
                return self._out(t, pred, a, int(t.junctions[k])) + self._out(t, pred, b, int(t.junctions[k]))[::-1][1:]
        if self.node[a] == self.node[b]:
            return [int(self.node[a])]
        best = min((self.end_m[a, i] + t.dist[self.row[a, i], t.sources[self.row[b, j]]] + self.end_m[b, j], i, j)
                   for i in range(2) for j in range(2))
        if self.chain[a] >= 0 and self.chain[a] == self.chain[b] and abs(self.pos[a] - self.pos[b]) <= best[0]:
            toward = int(np.argmax(self.network.compact.last[self.edge[a]] == min(self.network.compact.last[self.edge[a]])))
            i = toward if self.pos[b] < self.pos[a] else 1 - toward
            return [int(self.node[a]), *self.network.compact.follow(int(self.edge[a, i]), int(self.node[b]))]
        if not np.isfinite(best[0]):
            return []
        _, i, j = best
        end_b = int(t.sources[self.row[b, j]])
        return self._out(t, pred, a, end_b, i) + self._chain(b, j)[::-1][1:]

    def _chain(self, p: int, i: int) -> list[int]:
        """Network vertices from point ``p``'s vertex to its chain end ``i`` (just the vertex at an intersection)."""
        if self.edge[p, i] < 0:
            return [int(self.node[p])]
        return [int(self.node[p]), *self.network.compact.follow(int(self.edge[p, i]))]

    def _out(self, t: _Table, pred: np.ndarray, p: int, target: int, i: int | None = None) -> list[int]:
        """Network vertices from point ``p`` to the compact vertex ``target`` (a position in ``t.local``)
        by its chain end ``i`` (the nearer when None)."""
        if i is None:
            i = int(np.argmin(self.end_m[p] + t.dist[self.row[p], target]))
        path = _walk_back(pred[self.row[p, i]], target, int(t.sources[self.row[p, i]])) or []
        return self._chain(p, i) + (self.network.compact.expand(t.local[path].tolist())[1:] if path else [])
