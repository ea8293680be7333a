"""Carry-over 2017 → 2026 (Paris): carried registered ÷ 2026 registered, before/after calibration.

Prints, for the 2026 bureaux that take a piece of a split 2017 bureau, how many fall in each
ratio band with the address weights alone (``transfer_weights``) and after iterative
proportional fitting (``calibrate_weights``), and the worst cases. A residual ratio far from 1
after calibration is the whole group's (old and new bureaux linked by pieces) electorate change
between 2017 and 2026, which no redistribution can change: the group ratio is printed too.

    /work/main/.venv/bin/python -m bench.carry_report
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from lib import geo
from lib.datasets import paris
from lib.datasets.archives import read_vector
from lib.datasets.carryover import (
    calibrate_weights,
    carry_groups,
    carry_ratio,
    registered_by_bureau,
    transfer_weights,
)
from lib.datasets.raw import RAW_DIR

BANDS = [0, 0.75, 0.9, 1.1, 1.15, np.inf]
LABELS = ["< 0,75", "0,75–0,9", "0,9–1,1", "1,1–1,15", "> 1,15"]


def _inputs() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Seed weights, 2017 and 2026 registered voters, read as the Paris build reads them."""
    b26 = geo.make_valid(paris.read_bureaux_2026(RAW_DIR))
    b17 = geo.make_valid(read_vector(RAW_DIR / "paris_aktiur_2017" / "secteurs-des-bureaux-de-vote.geojson")
                         .to_crs(geo.WGS84))
    addresses = paris.read_addresses(RAW_DIR)
    lon, lat = addresses["lon"].to_numpy(), addresses["lat"].to_numpy()
    seed = transfer_weights(b17, b26, old_id="id_bv", new_id="bureau_id",
                            address_old=geo.assign_points(lon, lat, b17, "id_bv"),
                            address_new=geo.assign_points(lon, lat, b26, "bureau_id"))
    reg26 = pd.to_numeric(b26.set_index("bureau_id")["inscrits"]).astype(float)
    return seed, registered_by_bureau(paris.read_results_2017(RAW_DIR)), reg26


def _group_ratio(weights: pd.DataFrame, old: pd.Series, new: pd.Series) -> pd.Series:
    """Per new bureau: old registered ÷ new registered of its whole connected group."""
    w = weights.assign(group=carry_groups(weights), carried=weights["old"].map(old) * weights["weight"])
    per_new = w.groupby("new").agg(group=("group", "first"), carried=("carried", "sum"))
    per_new["own"] = per_new.index.map(new)
    totals = per_new.groupby("group")[["carried", "own"]].transform("sum")
    return totals["carried"] / totals["own"]


def main() -> None:
    seed, old, new = _inputs()
    started = time.perf_counter()
    fitted = calibrate_weights(seed, old_registered=old, new_registered=new)
    seconds = time.perf_counter() - started
    table, outside = {}, {}
    for name, weights in (("adresses", seed), ("calé (IPF)", fitted)):
        ratio = carry_ratio(weights, old_registered=old, new_registered=new)
        table[name] = pd.cut(ratio, BANDS, labels=LABELS, right=False).value_counts(sort=False)
        outside[name] = ratio[(ratio < 0.75) | (ratio > 1.15)]
    print(f"Bureaux 2026 recevant une part d'un bureau 2017 découpé : {int(table['adresses'].sum())} "
          f"sur {seed['new'].nunique()} ; calage en {seconds:.2f} s ; Paris entier : "
          f"{old.sum() / new.sum():.3f} inscrits 2017 par inscrit 2026")
    print(pd.DataFrame(table).rename_axis("inscrits reportés ÷ inscrits 2026").to_string())
    groups = _group_ratio(fitted, old, new)
    for name, ratio in outside.items():
        print(f"\nHors 0,75–1,15 — {name} (ratio ; ratio du groupe lié, que le calage ne peut changer) :")
        for bid, r in ratio.items():
            print(f"  {bid}  {r:5.2f}  (groupe : {groups.get(bid, float('nan')):.2f})")
    rows_ok = fitted.groupby("old")["weight"].sum()
    print(f"\nSomme des poids par bureau 2017 : min {rows_ok.min():.12f}, max {rows_ok.max():.12f}")


if __name__ == "__main__":
    main()
