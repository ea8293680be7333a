"""Walk-list benchmark: cutting turfs that fit one outing, planning under capacity, the PDF packet.

Prints (never asserts) for the real Paris addresses of ~10,000 addresses (bureaux in id order,
taken as the priority order) and for a 50-page packet. Targets: 10,000 addresses cut ≤ 2 s;
planning under capacity (the cut is cached by the page; the selection is not) ≤ 50 ms;
50-page PDF ≤ 10 s.

    python bench/bench_walk.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import capacity, walk, walk_exports  # noqa: E402
from lib.config import BYTES_PER_MB, load_settings  # noqa: E402
from lib.dataset import load_territory  # noqa: E402


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    data = load_territory(ROOT / "data", "paris")
    cap = load_settings().capacity
    bureaux = data.bureaux.reset_index(drop=True)
    counts = data.addresses.groupby("bureau_id").size()
    ids, total = [], 0
    for bid, n in counts.items():  # enough bureaux for ~10,000 addresses
        if total >= 10_000:
            break
        ids.append(bid)
        total += n
    addresses = walk.addresses_for(data.addresses, bureaux, ids, registered_per_door=cap.registered_per_door)
    print(f"{len(addresses):,} addresses of {len(ids)} bureaux")
    turfs = summary = None
    for hours in (cap.hours_per_outing, 3.0):
        crew = capacity.Crew(cap.volunteers, cap.outings_per_volunteer, hours, cap.team_size)
        plan = walk.TurfPlan(crew.outing_minutes, cap.registered_per_door, cap.doors_per_hour_collective,
                             cap.doors_per_hour_individual, team_size=cap.team_size)
        (turfs, summary), cut_s = _timed(walk.plan_turfs, data.addresses, bureaux, ids, plan)
        minutes = summary["minutes_estimees"]
        floor = int(np.ceil(summary.groupby("bureaux")["minutes_estimees"].sum() / crew.outing_minutes).sum())
        print(f"  outing {hours:g} h: {len(summary)} turfs in {cut_s:.2f} s [target ≤ 2 s]; longest {minutes.max()} min "
              f"(≤ {crew.outing_minutes:.0f}); mean fill {minutes.mean() / crew.outing_minutes:.0%} of an outing; "
              f"{floor} turfs at least if turfs could be perfectly balanced")
        for volunteers, outings in ((cap.volunteers, cap.outings_per_volunteer), (12, 1), (2_000, 4)):
            team = capacity.Crew(volunteers, outings, hours, cap.team_size)
            cov, plan_s = _timed(capacity.fill_outings, turfs, summary, ids, team)
            _, keep_s = _timed(cov.keep, turfs, summary)
            print(f"    {volunteers} volunteers × {outings}: {len(cov.plan)} turfs planned of {len(summary)} "
                  f"in {1000 * (plan_s + keep_s):.1f} ms [target ≤ 50 ms] — {capacity.coverage_text(cov)[:70]}…")
    _, legacy_s = _timed(walk.cut_turfs, addresses, target=100)
    print(f"  for comparison, the door-target cut (100 doors, no fit check): {legacy_s:.2f} s")
    first50 = summary["turf_id"].head(50)
    pdf, pdf_s = _timed(walk_exports.field_packet_pdf, turfs[turfs["turf_id"].isin(first50)], summary,
                        title="Banc d'essai", provenance={"Territoire": "Paris", "Date": "banc d'essai"})
    print(f"50-turf PDF field packet: {pdf_s:.2f} s, {len(pdf) / BYTES_PER_MB:.2f} MB [target ≤ 10 s]")


if __name__ == "__main__":
    main()
