"""Walk lists: from priority bureaux to compact, ordered turfs of about a target size.

Units of work, in metres (Lambert-93):

1. *Blocks*: addresses of one street side (odd/even numbers) in number order, cut into runs of at
   most :data:`BLOCK_ADDRESSES` addresses: a street's numbers stay together, and a volunteer
   walks one pavement at a time.
2. *Turfs*: each bureau's blocks are split by recursive bisection along the longer axis, at the
   cumulative size that gives each half its share of turfs. Turfs never span bureaux: results are
   read per bureau, and the holdout design needs whole bureaux.
3. *Route*: nearest neighbour then 2-opt over block centres, starting near ``start`` (a station,
   a meeting point); each block is walked in number order, reversed when that is shorter.

Voters per address are an *estimate*: the bureau's registered voters spread evenly over its
addresses (the REU address table is not public). Columns say so: ``est_voters``, ``est_doors``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lib.errors import TerrainError
from lib.geo import lonlat_to_l93

BLOCK_ADDRESSES = 8
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
    digits = pd.to_numeric(number.astype(str).str.extract(r"^(\d+)")[0], errors="coerce").fillna(0)
    values = digits.to_numpy(dtype=np.int64)
    return values, values % 2


def _blocks(frame: pd.DataFrame) -> pd.Series:
    """Block id per address: street side, number order, runs of at most BLOCK_ADDRESSES."""
    num, parity = _number_key(frame["number"])
    keyed = frame.assign(_num=num, _par=parity, _street=frame["street"].astype(str).str.lower())
    keyed = keyed.sort_values(["_street", "_par", "_num", "number"], kind="stable")
    position = keyed.groupby(["_street", "_par"]).cumcount() // BLOCK_ADDRESSES
    codes = keyed.groupby(["_street", "_par"], sort=False).ngroup()
    block = codes.astype(str) + "-" + position.astype(str)
    return block.reindex(frame.index)


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


def route_order(xy: np.ndarray, start: np.ndarray | None = None, *, max_passes: int = 20) -> np.ndarray:
    """Open path through ``xy`` (metres): nearest neighbour from ``start``, then 2-opt."""
    n = len(xy)
    if n <= 2:
        return np.arange(n)
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
            a, b = route[i - 1], route[i]
            c, d = route[i + 1:], np.r_[route[i + 2:], -1]
            gain = dist[a, b] + np.where(d >= 0, dist[c, np.maximum(d, 0)], 0) \
                - dist[a, c] - np.where(d >= 0, dist[b, np.maximum(d, 0)], 0)
            j = int(np.argmax(gain))
            if gain[j] > 1e-6:
                route[i:i + j + 2] = route[i:i + j + 2][::-1]
                improved = True
        if not improved:
            break
    return route


def cut_turfs(addresses: pd.DataFrame, *, target: float, size_col: str = "est_doors",
              start: tuple[float, float] | None = None) -> pd.DataFrame:
    """Split addresses into turfs of about ``target`` (sum of ``size_col``), ordered for walking.

    Returns the addresses with ``turf_id`` (``T01``…), ``stop`` (1…n within the turf) and
    ``x``/``y`` (Lambert-93 metres). Every address lands in exactly one turf.
    """
    if target <= 0:
        raise TerrainError("la taille cible d'une équipe doit être positive.")
    if addresses.empty:
        return addresses.assign(turf_id=pd.Series(dtype=str), stop=pd.Series(dtype=int))
    x, y = lonlat_to_l93(addresses["lon"].to_numpy(), addresses["lat"].to_numpy())
    frame = addresses.assign(x=x, y=y, _block=_blocks(addresses))
    start_xy = np.array(lonlat_to_l93(np.array([start[0]]), np.array([start[1]]))).ravel() if start else None
    pieces = []
    turf_no = 0
    for _bureau_id, group in frame.groupby("bureau_id", sort=False):
        blocks = group.groupby("_block").agg(size=(size_col, "sum"), x=("x", "mean"), y=("y", "mean"))
        total = float(blocks["size"].sum())
        k = max(1, round(total / target))
        groups = _split(blocks["size"].to_numpy(), blocks["x"].to_numpy(), blocks["y"].to_numpy(), k)
        for members in groups:
            turf_no += 1
            block_ids = blocks.index[members]
            turf = group[group["_block"].isin(block_ids)]
            pieces.append(_order_turf(turf, blocks.loc[block_ids], f"T{turf_no:02d}", start_xy))
    out = pd.concat(pieces, ignore_index=True)
    return out.drop(columns=["_block"])


def _order_turf(turf: pd.DataFrame, blocks: pd.DataFrame, turf_id: str,
                start_xy: np.ndarray | None) -> pd.DataFrame:
    """Walking order: route over block centres, each block in number order or reversed."""
    centre = blocks[["x", "y"]].to_numpy()
    route = route_order(centre, start_xy)
    num, _ = _number_key(turf["number"])
    turf = turf.assign(_num=num)
    ordered, last = [], start_xy
    for b in blocks.index[route]:
        rows = turf[turf["_block"] == b].sort_values(["_num", "number"])
        if last is not None and len(rows) > 1:
            first_xy = rows[["x", "y"]].to_numpy()[0]
            last_xy = rows[["x", "y"]].to_numpy()[-1]
            if np.hypot(*(last_xy - last)) < np.hypot(*(first_xy - last)):
                rows = rows.iloc[::-1]
        ordered.append(rows)
        last = rows[["x", "y"]].to_numpy()[-1]
    result = pd.concat(ordered).drop(columns=["_num"])
    return result.assign(turf_id=turf_id, stop=np.arange(1, len(result) + 1))


def route_length_m(turf: pd.DataFrame) -> float:
    """Walking length of a turf in its stop order (straight lines between stops), metres."""
    xy = turf.sort_values("stop")[["x", "y"]].to_numpy()
    return _tour_length(xy, np.arange(len(xy)))


def turf_summary(turfs: pd.DataFrame, *, doors_per_hour_collective: float = 25.0,
                 doors_per_hour_individual: float = 12.0) -> pd.DataFrame:
    """One row per turf: bureaux, addresses, estimated doors and voters, route and time."""
    rows = []
    for turf_id, t in turfs.groupby("turf_id", sort=True):
        length = route_length_m(t)
        doors = float(t["est_doors"].sum())
        collective = float(t.loc[t["housing"] == "collectif", "est_doors"].sum()) if "housing" in t else 0.0
        knock_min = 60 * (collective / doors_per_hour_collective
                          + (doors - collective) / doors_per_hour_individual)
        rows.append({"turf_id": turf_id, "bureaux": ", ".join(sorted(t["bureau_id"].astype(str).unique())),
                     "adresses": len(t), "portes_estimees": round(doors), "inscrits_estimes": round(float(t["est_voters"].sum())),
                     "parcours_m": round(length), "minutes_estimees": round(knock_min + length / WALK_SPEED_M_PER_MIN)})
    return pd.DataFrame(rows)
