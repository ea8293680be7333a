"""Walk lists: from priority bureaux to compact, ordered turfs that each fit one outing of a team.

Units of work, in metres (Lambert-93):

1. *Blocks*: addresses of one street side (odd/even numbers) in number order, cut into runs of at
   most :data:`BLOCK_ADDRESSES` addresses: a street's numbers stay together, and a volunteer
   walks one pavement at a time. The doors of one address (its number on its street) stay in one block.
2. *Turfs*: each bureau's blocks are split by recursive bisection along the longer axis, at the
   cumulative size that gives each half its share of turfs. Turfs never span bureaux: results are
   read per bureau, and the holdout design needs whole bureaux. :func:`fit_turfs` sizes them in
   minutes (knocking at the housing's rate + walking the route) so each fits one outing.
3. *Route*: a turf's addresses on one side of a street form one stretch; nearest neighbour then
   2-opt over stretch centres, starting near ``start`` (a station, a meeting point); each stretch
   is walked in number order, reversed when that is shorter. Distances are along the streets when
   the territory has them (:mod:`lib.streetnet`), where going from one side of a wide street to the
   other means walking to an intersection and back: the route walks one side's run, crosses at a
   corner, then walks the other's (:func:`street_crossings` counts those crossings).

Voters per address are an *estimate*: the bureau's registered voters spread evenly over its
addresses (the REU address table is not public). Columns say so: ``est_voters``, ``est_doors``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import TerrainError
from lib.geo import lonlat_to_l93
from lib.routing import ortools_order
from lib.streetnet import GroupWalks, StreetNetwork, crosses, house_number, street_sides

BLOCK_ADDRESSES = 12
BLOCKS_PER_TURF = 8  # blocks per turf: the finer, the better turfs balance (a stretch is routed whole anyway)
WALK_SPEED_M_PER_MIN = 70.0  # ~4.2 km/h including crossings


def choose_bureaux(table: pd.DataFrame, *, mode: str, n: int | None = None,
                   classes: Sequence[int] | None = None, ids: Sequence[str] | None = None) -> list[str]:
    """Bureau ids in rank order: the top ``n``, every bureau in ``classes`` (0-based), or ``ids``."""
    ranked = table.dropna(subset=["score"]).sort_values(["rank", "score"], ascending=[True, False])
    if mode == "top_n":
        return ranked.index[: max(int(n or 0), 0)].astype(str).tolist()
    if mode == "top_classes":
        wanted = set(classes or ())
        return ranked.index[ranked["class_id"].isin(wanted)].astype(str).tolist()
    if mode == "manual":
        keep = set(ids or ())
        in_rank = [b for b in ranked.index.astype(str) if b in keep]
        return in_rank + sorted(keep - set(in_rank))
    raise TerrainError(f"mode de sélection inconnu « {mode} ».")


def estimate_voters(addresses: pd.DataFrame, bureaux: pd.DataFrame, *,
                    registered_per_door: float) -> pd.DataFrame:
    """Add ``est_voters`` (bureau registered / its addresses), ``est_doors`` and ``housing``.

    ``housing`` is « collectif » when an address holds 3 estimated doors or more: apartment
    buildings, where doors are close together and a volunteer knocks faster.
    """
    if registered_per_door <= 0:
        raise TerrainError("le nombre d'inscrits par porte doit être positif.")
    per_bureau = addresses.groupby("bureau_id").size()
    registered = bureaux.set_index("bureau_id")["registered"] if "bureau_id" in bureaux else bureaux["registered"]
    voters = (registered.reindex(per_bureau.index) / per_bureau).rename("est_voters")
    out = addresses.merge(voters, left_on="bureau_id", right_index=True, how="left")
    out["est_doors"] = np.maximum(1.0, np.round(out["est_voters"].fillna(0) / registered_per_door, 1))
    out["housing"] = np.where(out["est_doors"] >= 3, "collectif", "individuel")
    return out


def _number_key(number: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numeric part of a house number and its parity (``12bis`` → 12, even)."""
    values = np.nan_to_num(house_number(number)).astype(np.int64)
    return values, values % 2


def _blocks(frame: pd.DataFrame, sizes: np.ndarray, block_size: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block number, number-order rank and street side per address.

    A block is a run of one street side of one bureau (odd or even numbers) in number order, cut when its
    size reaches ``block_size`` (per address: its bureau's turf size ÷ BLOCKS_PER_TURF) or BLOCK_ADDRESSES
    addresses: small enough for turfs to balance, large enough that a street's numbers stay together.
    Rows of one address (its doors: the same number on the same street) are never cut apart.
    """
    num, parity = _number_key(frame["number"])
    street = (frame["bureau_id"].astype(str) + "|" + frame["street"].astype(str).str.lower()).to_numpy()
    address = _address_key(frame)
    order = np.lexsort((frame["number"].astype(str).to_numpy(), num, parity, street))
    side = pd.Series(street[order]).astype(str) + "|" + pd.Series(parity[order]).astype(str)
    side_code = pd.factorize(side)[0]
    size_sorted = sizes[order]
    within = pd.Series(size_sorted).groupby(side_code).cumsum().to_numpy() - size_sorted
    count = pd.Series(np.ones(len(order))).groupby(side_code).cumcount().to_numpy()
    chunk = np.maximum(within // np.maximum(block_size[order], 1e-9), count // BLOCK_ADDRESSES).astype(np.int64)
    chunk = pd.Series(chunk).groupby(address[order]).transform("first").to_numpy()  # an address's rows are adjacent
    key = side_code.astype(np.int64) * 1_000_000 + chunk
    block_sorted = pd.factorize(key)[0]
    block = np.empty(len(order), dtype=np.int64)
    block[order] = block_sorted
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    side_of = np.empty(len(order), dtype=np.int64)
    side_of[order] = side_code
    return block, rank, side_of


def _address_key(frame: pd.DataFrame) -> np.ndarray:
    """One key per address of a bureau: its number on its street (the rows of its doors share it)."""
    return (frame["bureau_id"].astype(str) + "|" + frame["street"].astype(str).str.lower() + "|"
            + frame["number"].astype(str)).to_numpy()


def _split(sizes: np.ndarray, x: np.ndarray, y: np.ndarray, k: int) -> list[np.ndarray]:
    """Recursive bisection of weighted points into ``k`` groups of balanced size."""
    idx = np.arange(len(sizes))
    if k <= 1 or len(idx) <= 1:
        return [idx]
    axis = x if np.ptp(x) >= np.ptp(y) else y
    order = np.argsort(axis, kind="stable")
    k_left = k // 2
    cum = np.cumsum(sizes[order])
    cut = int(np.searchsorted(cum, cum[-1] * k_left / k)) + 1
    cut = min(max(cut, 1), len(order) - 1)
    left, right = order[:cut], order[cut:]
    out = [left[g] for g in _split(sizes[left], x[left], y[left], k_left)]
    out += [right[g] for g in _split(sizes[right], x[right], y[right], k - k_left)]
    return out


def _tour_length(xy: np.ndarray, order: np.ndarray) -> float:
    pts = xy[order]
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def route_order(xy: np.ndarray, start: np.ndarray | None = None, *, max_passes: int = 20,
                dist: np.ndarray | None = None) -> np.ndarray:
    """Open path through ``xy`` (metres): nearest neighbour from ``start``, then 2-opt; on ``dist``
    (walking distances along the streets, :mod:`lib.streetnet`) when given, else straight lines."""
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    if dist is None:
        dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    first = int(np.argmin(np.hypot(*(xy - start).T))) if start is not None else 0
    order = [first]
    visited = np.zeros(n, dtype=bool)
    visited[first] = True
    for _ in range(n - 1):
        d = np.where(visited, np.inf, dist[order[-1]])
        nxt = int(np.argmin(d))
        order.append(nxt)
        visited[nxt] = True
    route = np.array(order)
    for _ in range(max_passes):  # 2-opt on an open path (the first stop stays first)
        improved = False
        for i in range(1, n - 1):
            a, b, c, d = route[i - 1], route[i], route[i + 1:], route[i + 2:]
            join, drop = np.zeros(len(c)), np.zeros(len(c))  # the last stop has no next one
            join[:-1], drop[:-1] = dist[c[:-1], d], dist[b, d]
            gain = dist[a, b] + join - dist[a, c] - drop
            j = int(np.argmax(gain))
            if gain[j] > 1e-6:
                route[i:i + j + 2] = route[i:i + j + 2][::-1]
                improved = True
        if not improved:
            break
    return route


def path_length(dist: np.ndarray, order: np.ndarray) -> float:
    """Length of an open path visiting ``order`` on the distance matrix ``dist``."""
    return float(dist[order[:-1], order[1:]].sum()) if len(order) > 1 else 0.0


def best_order(xy: np.ndarray, start: np.ndarray | None = None, dist: np.ndarray | None = None) -> np.ndarray:
    """The shorter of nearest neighbour + 2-opt and OR-Tools' routing solver from the same first stop."""
    if dist is None:
        dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    heuristic = route_order(xy, start, dist=dist)
    if len(xy) <= 3:
        return heuristic
    solved = ortools_order(dist, int(heuristic[0]))
    if solved is None or path_length(dist, solved) >= path_length(dist, heuristic) - 1e-6:
        return heuristic
    return solved


def cut_turfs(addresses: pd.DataFrame, *, target: float, size_col: str = "est_doors",
              start: tuple[float, float] | None = None, counts: Mapping[str, int] | None = None,
              grain: Mapping[str, int] | None = None, network: StreetNetwork | None = None,
              solver: bool = False, walks: GroupWalks | None = None) -> pd.DataFrame:
    """Split addresses into turfs of about ``target`` (sum of ``size_col``), ordered for walking.

    ``counts`` sets how many turfs a bureau is cut into (default: its size ÷ ``target``, rounded).
    Returns the addresses with ``turf_id`` (``T01``…, as wide as the count so that text order is
    numeric order), ``stop`` (1…n within the turf), ``x``/``y`` (Lambert-93 metres) and ``walk_m``
    (metres walked from the previous stop: along the streets of ``network`` when given). ``solver``
    also tries OR-Tools' routing solver on each turf (off by default: measured in bench_streets.py on
    the 7,494 Trocadéro addresses, it shortens the walk by 0.3 % and more than doubles the cut's time). ``walks`` (from :func:`fit_turfs`, rows in
    the column ``_walk_row``) spares snapping the addresses again. Every address lands in exactly one turf.
    """
    if target <= 0:
        raise TerrainError("la taille cible d'une équipe doit être positive.")
    if addresses.empty:
        return addresses.assign(turf_id=pd.Series(dtype=str), stop=pd.Series(dtype=int),
                                x=pd.Series(dtype=float), y=pd.Series(dtype=float), walk_m=pd.Series(dtype=float))
    if walks is not None:  # projected once for the whole cut
        x, y = walks.x[addresses["_walk_row"].to_numpy()], walks.y[addresses["_walk_row"].to_numpy()]
    else:
        x, y = lonlat_to_l93(addresses["lon"].to_numpy(), addresses["lat"].to_numpy())
    sizes = addresses[size_col].to_numpy(dtype=float)
    bureau = addresses["bureau_id"].astype(str).to_numpy()
    total = pd.Series(sizes).groupby(bureau).sum()
    k = {b: max(1, int((counts or {}).get(b, round(s / target)))) for b, s in total.items()}
    per_block = total.to_numpy() / np.array([k[b] * (grain or {}).get(b, BLOCKS_PER_TURF) for b in total.index])
    block, rank, side = _blocks(addresses, sizes, per_block[total.index.get_indexer(bureau)])
    frame = addresses.reset_index(drop=True).assign(x=x, y=y, _block=block, _rank=rank, _side=side)
    if walks is None and network is not None:
        walks = GroupWalks(network, bureau, x, y, frame["street"], frame["number"])
        frame["_walk_row"] = np.arange(len(frame))
    start_xy = np.array(lonlat_to_l93(np.array([start[0]]), np.array([start[1]]))).ravel() if start else None
    blocks = frame.groupby("_block").agg(size=(size_col, "sum"), x=("x", "mean"), y=("y", "mean"),
                                         bureau=("bureau_id", "first"))
    turf_of_block = np.empty(len(blocks), dtype=np.int64)
    turf_no = 0
    for bureau_id, group in blocks.groupby("bureau", sort=False):
        pos = group.index.to_numpy()
        for members in _split(group["size"].to_numpy(), group["x"].to_numpy(), group["y"].to_numpy(),
                              k[str(bureau_id)]):
            turf_of_block[pos[members]] = turf_no
            turf_no += 1
    frame["_turf"] = turf_of_block[frame["_block"].to_numpy()]
    frame["_border"] = _route_stretches(frame, start_xy, walks, solver=solver)
    frame = frame.sort_values(["_turf", "_border", "_rank"], kind="stable")
    frame["_rank"] = _orient_stretches(frame, start_xy)
    frame = frame.sort_values(["_turf", "_border", "_rank"], kind="stable")
    width = max(2, len(str(turf_no)))
    frame["turf_id"] = [f"T{t + 1:0{width}d}" for t in frame["_turf"]]
    frame["stop"] = frame.groupby("_turf").cumcount() + 1
    frame["walk_m"] = walk_steps(frame["_turf"].to_numpy(), frame, walks=walks)
    return frame.drop(columns=["_block", "_rank", "_side", "_turf", "_border", "_walk_row"],
                      errors="ignore").reset_index(drop=True)


def walk_steps(turf: np.ndarray, stops: pd.DataFrame, network: StreetNetwork | None = None, *,
               walks: GroupWalks | None = None) -> np.ndarray:
    """Per stop (``x``, ``y``, ``street``, in walking order), the metres walked from the previous stop
    of the same turf (0 for a turf's first stop): along the streets with ``walks`` (a cut's matrices,
    rows = the frame's index) or ``network``, else in straight lines."""
    x, y = stops["x"].to_numpy(dtype=float), stops["y"].to_numpy(dtype=float)
    step = np.r_[0.0, np.hypot(np.diff(x), np.diff(y))]
    bounds = np.flatnonzero(np.r_[True, turf[1:] != turf[:-1], True])
    step[bounds[:-1]] = 0.0
    if walks is None and network is not None:
        walks = GroupWalks(network, turf, x, y, stops["street"], stops.get("number"))
        rows = np.arange(len(stops))
    else:
        rows = stops["_walk_row"].to_numpy() if "_walk_row" in stops else stops.index.to_numpy()
    if walks is not None:
        spans = [(s0, e0) for s0, e0 in itertools.pairwise(bounds) if e0 - s0 > 1]
        for (s0, e0), walked in zip(spans, walks.steps_many([rows[s0:e0] for s0, e0 in spans]), strict=True):
            step[s0 + 1:e0] = walked
    return step


def _route_stretches(frame: pd.DataFrame, start_xy: np.ndarray | None, walks: GroupWalks | None = None, *,
                     solver: bool = False) -> np.ndarray:
    """Per address, the walking order of its stretch in its turf. A stretch is every address of the
    turf on one side of a street, walked at once (up one pavement, down the other): the route
    (nearest neighbour + 2-opt over stretch centres, on the walking distances along the streets
    when ``walks`` holds them; OR-Tools' too with ``solver``, kept when shorter) never zigzags
    across a street."""
    units = frame.groupby(["_turf", "_side"], sort=True).agg(x=("x", "mean"), y=("y", "mean")).reset_index()
    xy, turf = units[["x", "y"]].to_numpy(), units["_turf"].to_numpy()
    where = pd.MultiIndex.from_frame(units[["_turf", "_side"]]).get_indexer(
        pd.MultiIndex.from_frame(frame[["_turf", "_side"]]))
    bounds = np.flatnonzero(np.r_[True, turf[1:] != turf[:-1], True])
    order = np.empty(len(units), dtype=np.int64)
    middle = frame["_walk_row"].to_numpy()[_stretch_rows(frame, xy, where)] if walks is not None else None
    spans = list(itertools.pairwise(bounds))
    dists = walks.between_many([middle[s0:e0] for s0, e0 in spans]) if walks is not None else [None] * len(spans)
    for (s0, e0), dist in zip(spans, dists, strict=True):
        pick = best_order(xy[s0:e0], start_xy, dist) if solver else route_order(xy[s0:e0], start_xy, dist=dist)
        order[s0 + pick] = np.arange(e0 - s0)
    return order[where]


def _stretch_rows(frame: pd.DataFrame, centre: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Per stretch (one turf's street side, centres ``centre``; ``unit``: each row's stretch), the
    position of its address nearest its centre: where the walk reaches it, on its street."""
    gap = np.hypot(frame["x"].to_numpy() - centre[unit, 0], frame["y"].to_numpy() - centre[unit, 1])
    order = np.lexsort((gap, unit))
    return order[np.flatnonzero(np.r_[True, np.diff(unit[order]) != 0])]


def _orient_stretches(frame: pd.DataFrame, start_xy: np.ndarray | None) -> np.ndarray:
    """Walk each stretch of a street side in number order, or reversed when its far end is nearer
    the previous stop."""
    rank = frame["_rank"].to_numpy().copy()
    xy = frame[["x", "y"]].to_numpy()
    keys = (frame["_turf"].to_numpy(), frame["_border"].to_numpy())
    starts = np.flatnonzero(np.r_[True, (np.diff(keys[0]) != 0) | (np.diff(keys[1]) != 0)])
    ends = np.r_[starts[1:], len(frame)]
    last = start_xy
    for s0, e0 in zip(starts, ends, strict=True):
        if s0 == 0 or keys[0][s0] != keys[0][s0 - 1]:
            last = start_xy  # a new turf starts from the meeting point again
        if last is not None and e0 - s0 > 1 and (
                np.hypot(*(xy[e0 - 1] - last)) < np.hypot(*(xy[s0] - last))):
            rank[s0:e0] = rank[s0:e0][::-1]
            last = xy[s0]
        else:
            last = xy[e0 - 1]
    return rank


def street_crossings(turfs: pd.DataFrame, network: StreetNetwork) -> pd.Series:
    """Per turf (index ``turf_id``), how often its route crosses a wide street: a walk from one stop
    to the next on the same wide street (:attr:`StreetNetwork.wide`) from one side (odd numbers)
    to the other (even) counts 1. The side rule keeps it low (one crossing per wide street walked
    both ways) and makes each at an intersection; a narrow street's crossings are free, not counted."""
    t = turfs.sort_values(["turf_id", "stop"])
    side, turf = street_sides(network, t["street"], t["number"]), t["turf_id"].to_numpy()
    legs = np.r_[False, crosses(side[:-1], side[1:]) & (turf[1:] == turf[:-1])]
    return pd.Series(legs.astype(int), index=t.index).groupby(turf, sort=True).sum().rename_axis("turf_id")


def route_length_m(turf: pd.DataFrame) -> float:
    """Walking length of a turf in its stop order (straight lines between stops), metres."""
    xy = turf.sort_values("stop")[["x", "y"]].to_numpy()
    return _tour_length(xy, np.arange(len(xy)))


def knock_minutes(frame: pd.DataFrame, *, doors_per_hour_collective: float, doors_per_hour_individual: float,
                  team_size: int) -> np.ndarray:
    """Minutes a team spends at each address: its doors at the rate of its housing (apartment
    buildings or houses), the team's volunteers knocking in parallel. Walking between addresses
    is counted apart, from the route (:func:`turf_minutes`)."""
    if min(doors_per_hour_collective, doors_per_hour_individual) <= 0:
        raise TerrainError("les portes par heure doivent être positives.")
    if team_size < 1:
        raise TerrainError("une équipe compte au moins un bénévole.")
    collective = (frame["housing"] == "collectif").to_numpy() if "housing" in frame else np.zeros(len(frame), bool)
    rate = np.where(collective, doors_per_hour_collective, doors_per_hour_individual)
    return 60.0 * frame["est_doors"].to_numpy(dtype=float) / rate / team_size


def turf_minutes(turfs: pd.DataFrame, *, doors_per_hour_collective: float, doors_per_hour_individual: float,
                 team_size: int) -> pd.DataFrame:
    """Per turf (index ``turf_id``): knocking minutes, route metres (``walk_m`` from the cut — along
    the streets when the territory has them — else straight lines between stops, in stop order) and
    ``minutes``, knocking plus walking at WALK_SPEED_M_PER_MIN.

    The one time model of a turf: the cut checks its turfs against an outing with it, and the
    summary, packet and capacity planner show it.
    """
    t = turfs.sort_values(["turf_id", "stop"])
    ids = t["turf_id"].to_numpy()
    step = (t["walk_m"].to_numpy(dtype=float).copy() if "walk_m" in t
            else np.r_[0.0, np.hypot(*np.diff(t[["x", "y"]].to_numpy(dtype=float), axis=0).T)])
    step[np.r_[True, ids[1:] != ids[:-1]]] = 0.0  # no walk from one turf's last stop to the next turf
    knock = knock_minutes(t, doors_per_hour_collective=doors_per_hour_collective,
                          doors_per_hour_individual=doors_per_hour_individual, team_size=team_size)
    out = pd.DataFrame({"knock": knock, "metres": step}).groupby(ids, sort=True).sum()
    out["minutes"] = out["knock"] + out["metres"] / WALK_SPEED_M_PER_MIN
    return out.rename_axis("turf_id")


SUMMARY_COLUMNS = ["turf_id", "bureaux", "adresses", "portes_estimees", "inscrits_estimes", "parcours_m",
                   "minutes_estimees"]


def turf_summary(turfs: pd.DataFrame, *, doors_per_hour_collective: float = 25.0,
                 doors_per_hour_individual: float = 12.0, team_size: int = 2) -> pd.DataFrame:
    """One row per turf: bureaux, addresses, estimated doors and voters, route and time.

    Time is for a team of ``team_size`` volunteers knocking in parallel and walking together.
    """
    if turfs.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    times = turf_minutes(turfs, doors_per_hour_collective=doors_per_hour_collective,
                         doors_per_hour_individual=doors_per_hour_individual, team_size=team_size)
    by = turfs.groupby("turf_id", sort=True)
    pairs = turfs[["turf_id", "bureau_id"]].astype({"bureau_id": str}).drop_duplicates().sort_values("bureau_id")
    out = pd.DataFrame({"bureaux": pairs.groupby("turf_id", sort=True)["bureau_id"].agg(", ".join),
                        "adresses": by.size(), "portes_estimees": by["est_doors"].sum().round().astype(int),
                        "inscrits_estimes": by["est_voters"].sum().round().astype(int),
                        "parcours_m": times["metres"].round().astype(int),
                        "minutes_estimees": times["minutes"].round().astype(int)})
    return out.rename_axis("turf_id").reset_index()[SUMMARY_COLUMNS]


def addresses_for(addresses: pd.DataFrame, bureaux: pd.DataFrame, bureau_ids: Sequence[str], *,
                  registered_per_door: float, opposed: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Addresses of the chosen bureaux with voter/door estimates, opposed addresses removed.

    Estimates are computed on *all* the bureau's addresses first, so removing opposed addresses
    does not inflate the others' estimates.
    """
    chosen = addresses[addresses["bureau_id"].isin(list(bureau_ids))]
    estimated = estimate_voters(chosen, bureaux, registered_per_door=registered_per_door)
    return estimated[~estimated["address_id"].astype(str).isin(opposed)].reset_index(drop=True)


@dataclass(frozen=True)
class TurfPlan:
    """Everything a cut depends on besides the bureaux and the addresses left out."""

    outing_minutes: float  # every turf fits one outing of a team
    registered_per_door: float
    doors_per_hour_collective: float
    doors_per_hour_individual: float
    start: tuple[float, float] | None = None  # lon, lat of the meeting point
    team_size: int = 2  # a binôme, as config.toml [capacity] team_size

    @property
    def pace(self) -> dict[str, float]:
        """The time model's keywords (:func:`turf_minutes`)."""
        return {"doors_per_hour_collective": self.doors_per_hour_collective,
                "doors_per_hour_individual": self.doors_per_hour_individual, "team_size": self.team_size}


FIRST_FILL = 0.85  # first guess of the share of an outing spent knocking, the rest walking
FIT_SLACK = 1e-6  # minutes: float noise, not a longer outing
FINE_GRAIN = 16  # blocks per turf at the finest, tried before one more turf
RECUTS = 6  # a bureau cut again at most this often; its turfs still too long are then halved along their route


def fit_turfs(addresses: pd.DataFrame, plan: TurfPlan, bureau_order: Sequence[str] = (), *,
              network: StreetNetwork | None = None, solver: bool = False) -> pd.DataFrame:
    """Turfs that each fit one outing of a team, numbered in priority order.

    Each bureau is cut into as few turfs as its knocking time needs at FIRST_FILL of an outing each;
    a bureau with a turf still too long once walked (knocking + walking) is cut again, with finer
    blocks first (turfs balance better), then into more turfs, RECUTS times at most (each cut
    routes the bureau again). A turf still too long after that is halved along its route. Only an
    address longer than an outing by itself stays longer: an address is never split.

    Turfs are numbered ``T01``… bureau by bureau in ``bureau_order`` (bureaux not in it last), each
    bureau's turfs in walking order: a capacity plan is then the first turfs.
    """
    if plan.outing_minutes <= 0:
        raise TerrainError("la durée d'une sortie doit être positive.")
    if addresses.empty:
        return cut_turfs(addresses, target=1.0)
    frame = addresses.assign(_minutes=knock_minutes(addresses, **plan.pace))
    walks = None
    if network is not None:  # snapped and cut once, whatever the retries below
        frame = frame.reset_index(drop=True).assign(_walk_row=np.arange(len(addresses)))
        walks = GroupWalks(network, frame["bureau_id"].astype(str).to_numpy(),
                           *lonlat_to_l93(frame["lon"].to_numpy(), frame["lat"].to_numpy()), frame["street"],
                           frame["number"])
    need = frame.groupby("bureau_id")["_minutes"].sum()
    size = frame.groupby("bureau_id").size()
    counts = {b: max(1, math.ceil(m / (plan.outing_minutes * FIRST_FILL))) for b, m in need.items()}
    grain = dict.fromkeys(need.index, BLOCKS_PER_TURF)
    recuts = dict.fromkeys(need.index, 0)
    parts, pending = [], list(need.index)
    while pending:
        cut = cut_turfs(frame[frame["bureau_id"].isin(pending)], target=plan.outing_minutes, size_col="_minutes",
                        start=plan.start, counts=counts, grain=grain, network=network, solver=solver, walks=walks)
        times = turf_minutes(cut, **plan.pace).join(cut.groupby("turf_id")["bureau_id"].first())
        long = times[times["minutes"] > plan.outing_minutes + FIT_SLACK]["bureau_id"].value_counts()
        walked = times.groupby("bureau_id")["minutes"].sum()
        retry = [b for b in long.index if counts[b] < size[b] and recuts[b] < RECUTS]
        for b in retry:  # finer blocks balance better; then one more turf per long turf
            recuts[b] += 1
            if grain[b] < FINE_GRAIN:
                grain[b] *= 2
                continue
            grain[b] = BLOCKS_PER_TURF
            counts[b] = min(int(size[b]), max(counts[b] + int(long[b]),
                                              math.ceil(walked[b] / (plan.outing_minutes * FIRST_FILL))))
        parts.append(cut[~cut["bureau_id"].isin(retry)].assign(_part=len(parts)))
        pending = retry
    turfs = pd.concat(parts, ignore_index=True).sort_values(["_part", "turf_id", "stop"], kind="stable")
    turfs = turfs.assign(_key=turfs["_part"].astype(str) + ":" + turfs["turf_id"], _seq=np.arange(len(turfs)))
    return _number_by_priority(_halve_long(turfs, plan), bureau_order)


def _halve_long(turfs: pd.DataFrame, plan: TurfPlan) -> pd.DataFrame:
    """Cut every turf still longer than an outing in two along its route, until each fits or is one
    address. The halves keep the stop order: street sides stay in number order, and the cut falls
    between two addresses, never between the doors of one."""
    turfs = turfs.reset_index(drop=True)
    address = pd.Series(_address_key(turfs))
    while True:
        times = turf_minutes(turfs.assign(turf_id=turfs["_key"]), **plan.pace)
        many = address.groupby(turfs["_key"].to_numpy()).nunique().reindex(times.index) > 1
        long = times.index[(times["minutes"] > plan.outing_minutes + FIT_SLACK) & many]
        if not len(long):
            return turfs
        for key in long:
            rows = turfs.index[turfs["_key"] == key]
            knock = turfs.loc[rows, "_minutes"].cumsum().to_numpy()
            keys = address[rows].to_numpy()
            between = np.flatnonzero(keys[1:] != keys[:-1]) + 1  # where one address ends and the next starts
            cut = int(between[np.argmin(np.abs(between - (np.searchsorted(knock, knock[-1] / 2) + 1)))])
            turfs.loc[rows[cut:], "_key"] = f"{key}/{cut}"


def _number_by_priority(turfs: pd.DataFrame, bureau_order: Sequence[str]) -> pd.DataFrame:
    """Name turfs ``T01``… by bureau priority, then walking order, and number their stops 1…n."""
    rank = {str(b): i for i, b in enumerate(bureau_order)}
    first = turfs.groupby("_key").agg(bureau=("bureau_id", "first"), seq=("_seq", "min"))
    first["rank"] = [rank.get(str(b), len(rank)) for b in first["bureau"]]
    keys = first.sort_values(["rank", "bureau", "seq"]).index
    width = max(2, len(str(len(keys))))
    names = pd.Series([f"T{i + 1:0{width}d}" for i in range(len(keys))], index=keys)
    out = turfs.assign(turf_id=turfs["_key"].map(names)).sort_values(["turf_id", "_seq"], kind="stable")
    out["stop"] = out.groupby("turf_id").cumcount() + 1
    return out.drop(columns=["_key", "_seq", "_part", "_minutes"]).reset_index(drop=True)


def plan_turfs(addresses: pd.DataFrame, bureaux: pd.DataFrame, bureau_ids: Sequence[str], plan: TurfPlan, *,
               opposed: frozenset[str] = frozenset(),
               network: StreetNetwork | None = None, solver: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Addresses of the chosen bureaux (in priority order) cut into routed turfs that each fit one
    outing, numbered in that order, and one summary row per turf."""
    chosen = addresses_for(addresses, bureaux, bureau_ids, registered_per_door=plan.registered_per_door,
                           opposed=opposed)
    turfs = fit_turfs(chosen, plan, bureau_ids, network=network, solver=solver)
    return turfs, turf_summary(turfs, **plan.pace)
