"""Street-network benchmark (issue 24): routes along the OpenStreetMap streets vs straight lines.

Prints (never asserts), on the real Paris addresses of the bureaux the shipped street layer covers
(Trocadéro – Champ-de-Mars and Gare du Nord extracts: 75 of 903 bureaux, raw/SOURCES.md section 12):

- total walking distance *along the streets*, on the same turfs, of today's order (nearest
  neighbour + 2-opt on straight lines), of the new one (the same on network distances) and with
  OR-Tools' routing solver too (kept when shorter), the gains in %;
- street crossings per turf (consecutive stops on the same street, opposite sides);
- time to cut and route (10,000 addresses: the covered ones, scaled; and the bench_walk set);
- 50-turf packet with streets and names; size of the street layer.

    python bench/bench_streets.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_walk import ROOT, _timed
from lib import walk, walk_exports
from lib.config import BYTES_PER_MB, load_settings
from lib.dataset import load_territory
from lib.streetnet import StreetNetwork


def _walked(turfs: pd.DataFrame, net: StreetNetwork) -> float:
    """Metres walked along the streets in the turfs' stop order."""
    t = turfs.sort_values(["turf_id", "stop"])
    return float(walk.walk_steps(t["turf_id"].to_numpy(), t[["x", "y", "street"]], net).sum())


def _crossings(turfs: pd.DataFrame) -> float:
    """Mean per turf of the times two consecutive stops are on the same street, opposite sides."""
    t = turfs.sort_values(["turf_id", "stop"])
    num = pd.to_numeric(t["number"].astype(str).str.extract(r"^(\d+)")[0], errors="coerce")
    same = (t["turf_id"].eq(t["turf_id"].shift())) & (t["street"].eq(t["street"].shift()))
    cross = same & (num % 2).ne((num % 2).shift())
    return float(cross.groupby(t["turf_id"]).sum().mean())


def _rerouted(turfs: pd.DataFrame, net: StreetNetwork | None, *, solver: bool = False) -> tuple[pd.DataFrame, float]:
    """The same turfs (same addresses each), routed again: isolates the routing from the cut."""
    t0 = time.perf_counter()
    parts = [walk.cut_turfs(rows.drop(columns=["turf_id", "stop", "x", "y", "walk_m"]), target=1.0,
                            counts={str(rows["bureau_id"].iloc[0]): 1}, network=net, solver=solver).assign(turf_id=turf)
             for turf, rows in turfs.groupby("turf_id")]
    return pd.concat(parts, ignore_index=True), time.perf_counter() - t0


def _compare(label: str, data, ids: list[str], plan: walk.TurfPlan, net: StreetNetwork):
    bureaux = data.bureaux.reset_index(drop=True)
    (_, _), old_s = _timed(walk.plan_turfs, data.addresses, bureaux, ids, plan)
    (turfs, summary), new_s = _timed(walk.plan_turfs, data.addresses, bureaux, ids, plan, network=net)
    today, _ = _rerouted(turfs, None)
    heuristic, heur_s = _rerouted(turfs, net)
    solver, solver_s = _rerouted(turfs, net, solver=True)
    old_m, heur_m, new_m = _walked(today, net), _walked(heuristic, net), _walked(solver, net)
    print(f"{label}: {len(turfs):,} addresses of {len(ids)} bureaux, {turfs['turf_id'].nunique()} turfs")
    print(f"  walked along the streets, same turfs: today's order (straight lines) {old_m / 1000:.1f} km; "
          f"NN + 2-opt on the network {heur_m / 1000:.1f} km (gain {100 * (1 - heur_m / old_m):.1f} %, "
          f"routing {heur_s:.2f} s); + OR-Tools when shorter {new_m / 1000:.1f} km "
          f"(gain {100 * (1 - new_m / old_m):.1f} %, routing {solver_s:.2f} s)")
    print(f"  street crossings per turf: {_crossings(today):.2f} today → {_crossings(heuristic):.2f}")
    print(f"  cut + route time: straight lines {old_s:.2f} s, on the network {new_s:.2f} s "
          f"(≈ {new_s * 10_000 / len(turfs):.2f} s per 10,000 addresses) [target ≤ 2 s]; "
          f"turf minutes from the network: {summary['parcours_m'].sum() / 1000:.1f} km in the summary")
    return turfs, summary


def main() -> None:
    data = load_territory(ROOT / "data", "paris")
    cap = load_settings().capacity
    net, net_s = _timed(StreetNetwork.from_streets, data.streets)
    size = (ROOT / "data" / "paris" / "streets.parquet").stat().st_size
    covered = data.metadata["streets"]["covered"]
    print(f"street layer: {len(data.streets):,} lines, {size / BYTES_PER_MB:.2f} MB for {len(covered)} of "
          f"{len(data.bureaux)} bureaux (≈ {size / BYTES_PER_MB * len(data.bureaux) / len(covered):.1f} MB for all "
          f"Paris at this density, extrapolated); network {len(net.x):,} vertices built in {net_s:.2f} s")
    plan = walk.TurfPlan(cap.hours_per_outing * 60, cap.registered_per_door, cap.doors_per_hour_collective,
                         cap.doors_per_hour_individual, team_size=cap.team_size)
    largest = data.addresses[data.addresses["bureau_id"].isin(covered)].groupby("bureau_id").size()
    top10 = largest.sort_values(ascending=False).index[:10].tolist()
    _compare("10 covered bureaux with the most addresses", data, top10, plan, net)
    turfs, summary = _compare("every covered bureau", data, covered, plan, net)
    first50 = summary["turf_id"].head(50)
    pdf, pdf_s = _timed(walk_exports.field_packet_pdf, turfs[turfs["turf_id"].isin(first50)], summary,
                        title="Banc d'essai", provenance={"Territoire": "Paris"}, streets=data.streets, network=net)
    print(f"50-turf packet with streets and names: {pdf_s:.2f} s, {len(pdf) / BYTES_PER_MB:.2f} MB [target ≤ 10 s]")
    counts = data.addresses.groupby("bureau_id").size()
    ids = counts.index[np.cumsum(counts.to_numpy()) <= 10_000].tolist()
    (_, _), s = _timed(walk.plan_turfs, data.addresses, data.bureaux.reset_index(drop=True), ids, plan, network=net)
    print(f"bench_walk's 10,000 addresses (outside the layer: straight lines) with the network given: {s:.2f} s")


if __name__ == "__main__":
    main()
