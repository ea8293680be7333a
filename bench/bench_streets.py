"""Street-network benchmark (issue 24): routes along the OpenStreetMap streets vs straight lines.

Prints (never asserts), on the real Paris addresses of the bureaux the shipped street layer covers
(Trocadéro – Champ-de-Mars and Gare du Nord extracts: 75 of 903 bureaux, raw/SOURCES.md section 12):

- total walking distance *along the streets*, on the same turfs, of today's order (nearest
  neighbour + 2-opt on straight lines), of the new one (the same on network distances) and with
  OR-Tools' routing solver too (kept when shorter), the gains in %;
- wide-street crossings per turf (:func:`lib.walk.street_crossings`), today's order vs the new one;
- time to cut and route (median of RUNS runs): the top 10, every covered bureau (7,494 addresses:
  fewer than 10,000), 10,000 addresses in and out of the layer, and the bench_walk set;
- 50-turf packet with streets and names; size of the street layer.

    python bench/bench_streets.py
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_walk import ROOT, _timed
from lib import walk, walk_exports
from lib.config import BYTES_PER_MB, load_settings
from lib.dataset import load_territory
from lib.streetnet import StreetNetwork

RUNS = 3  # timings: the median of this many runs (the machine may be shared)


def _walked(turfs: pd.DataFrame, net: StreetNetwork, *, sides: bool = True) -> float:
    """Metres walked along the streets in the turfs' stop order (crossing wide streets at
    intersections when ``sides``, anywhere otherwise)."""
    t = turfs.sort_values(["turf_id", "stop"])
    return float(walk.walk_steps(t["turf_id"].to_numpy(), t[["x", "y", "street"] + ["number"] * sides], net).sum())


def _rerouted(turfs: pd.DataFrame, net: StreetNetwork | None, *, solver: bool = False) -> pd.DataFrame:
    """The same turfs (same addresses each), routed again: isolates the routing from the cut."""
    parts = [walk.cut_turfs(rows.drop(columns=["turf_id", "stop", "x", "y", "walk_m"]), target=1.0,
                            counts={str(rows["bureau_id"].iloc[0]): 1}, network=net, solver=solver).assign(turf_id=turf)
             for turf, rows in turfs.groupby("turf_id")]
    return pd.concat(parts, ignore_index=True)


def _median_time(fn, *args, **kwargs) -> tuple[object, float]:
    """The result and the median wall time of RUNS runs."""
    runs = [_timed(fn, *args, **kwargs) for _ in range(RUNS)]
    return runs[-1][0], statistics.median(s for _, s in runs)


def _compare(label: str, data, ids: list[str], plan: walk.TurfPlan, net: StreetNetwork) -> None:
    bureaux = data.bureaux.reset_index(drop=True)
    _, old_s = _median_time(walk.plan_turfs, data.addresses, bureaux, ids, plan)
    (turfs, summary), new_s = _median_time(walk.plan_turfs, data.addresses, bureaux, ids, plan, network=net)
    _, solver_s = _median_time(walk.plan_turfs, data.addresses, bureaux, ids, plan, network=net, solver=True)
    today, heuristic, solver = (_rerouted(turfs, None), _rerouted(turfs, net), _rerouted(turfs, net, solver=True))
    old_m, heur_m, new_m = (_walked(t, net) for t in (today, heuristic, solver))
    old_any, heur_any = _walked(today, net, sides=False), _walked(heuristic, net, sides=False)
    n_turfs = turfs["turf_id"].nunique()
    print(f"{label}: {len(turfs):,} addresses of {len(ids)} bureaux, {n_turfs} turfs")
    print(f"  walked along the streets, same turfs, crossing wide streets at intersections: today's order "
          f"(straight lines) {old_m / 1000:.1f} km; NN + 2-opt on the network {heur_m / 1000:.1f} km "
          f"(gain {100 * (1 - heur_m / old_m):.1f} %); + OR-Tools when shorter {new_m / 1000:.1f} km "
          f"(gain {100 * (1 - new_m / old_m):.1f} %)")
    print(f"  crossing anywhere (no side rule): today's order {old_any / 1000:.1f} km, network order "
          f"{heur_any / 1000:.1f} km (gain {100 * (1 - heur_any / old_any):.1f} %)")
    print(f"  wide-street crossings per turf: {walk.street_crossings(today, net).mean():.2f} today → "
          f"{walk.street_crossings(heuristic, net).mean():.2f} (at an intersection, each)")
    print(f"  cut + route (median of {RUNS}): straight lines {old_s:.2f} s; on the network {new_s:.2f} s; "
          f"with OR-Tools {solver_s:.2f} s; summary route {summary['parcours_m'].sum() / 1000:.1f} km")


def _mixed_10k(data, covered: list[str]) -> list[str]:
    """Every covered bureau, then bureaux outside the street layer (id order) up to 10,000 addresses."""
    counts = data.addresses.groupby("bureau_id").size()
    ids, total = list(covered), int(counts.reindex(covered).sum())
    for bureau, n in counts.drop(covered, errors="ignore").items():
        if total >= 10_000:
            break
        ids.append(bureau)
        total += int(n)
    return ids


def main() -> None:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min) "
          f"on {os.cpu_count()} CPUs")
    data = load_territory(ROOT / "data", "paris")
    cap = load_settings().capacity
    net, net_s = _timed(StreetNetwork.from_streets, data.streets)
    size = (ROOT / "data" / "paris" / "streets.parquet").stat().st_size
    covered = data.metadata["streets"]["covered"]
    print(f"street layer: {len(data.streets):,} lines, {size / BYTES_PER_MB:.2f} MB for {len(covered)} of "
          f"{len(data.bureaux)} bureaux (≈ {size / BYTES_PER_MB * len(data.bureaux) / len(covered):.1f} MB for all "
          f"Paris at this density, extrapolated); network {len(net.x):,} vertices built in {net_s:.2f} s, "
          f"{len(net.wide)} wide streets")
    plan = walk.TurfPlan(cap.hours_per_outing * 60, cap.registered_per_door, cap.doors_per_hour_collective,
                         cap.doors_per_hour_individual, team_size=cap.team_size)
    largest = data.addresses[data.addresses["bureau_id"].isin(covered)].groupby("bureau_id").size()
    top10 = largest.sort_values(ascending=False).index[:10].tolist()
    _compare("10 covered bureaux with the most addresses", data, top10, plan, net)
    _compare("every covered bureau (fewer than 10,000 addresses: all there are)", data, covered, plan, net)
    bureaux = data.bureaux.reset_index(drop=True)
    mixed = _mixed_10k(data, covered)
    (turfs, summary), s = _median_time(walk.plan_turfs, data.addresses, bureaux, mixed, plan, network=net)
    inside = turfs["bureau_id"].isin(covered).sum()
    print(f"10,000 addresses in and out of the layer ({len(turfs):,}: {inside:,} on the streets, the rest in "
          f"straight lines): cut + route {s:.2f} s (median of {RUNS}) [target ≤ 2 s]")
    first50 = summary["turf_id"].head(50)
    pdf, pdf_s = _timed(walk_exports.field_packet_pdf, turfs[turfs["turf_id"].isin(first50)], summary,
                        title="Banc d'essai", provenance={"Territoire": "Paris"}, streets=data.streets, network=net)
    print(f"50-turf packet with streets and names: {pdf_s:.2f} s, {len(pdf) / BYTES_PER_MB:.2f} MB [target ≤ 10 s]")
    counts = data.addresses.groupby("bureau_id").size()
    ids = counts.index[np.cumsum(counts.to_numpy()) <= 10_000].tolist()
    _, s = _median_time(walk.plan_turfs, data.addresses, bureaux, ids, plan, network=net)
    print(f"bench_walk's 10,000 addresses (outside the layer: straight lines) with the network given: {s:.2f} s")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
