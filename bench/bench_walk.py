"""Walk-list benchmark: cutting and ordering turfs, and building the PDF field packet.

Prints (never asserts) for the real Paris addresses of the top-ranked bureaux (~10,000
addresses) and for a 50-page packet. Targets: 10,000 addresses ≤ 2 s; 50-page PDF ≤ 10 s.

    python bench/bench_walk.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import walk, walk_exports  # noqa: E402
from lib.config import BYTES_PER_MB  # noqa: E402
from lib.dataset import load_territory  # noqa: E402


def main() -> None:
    data = load_territory(ROOT / "data", "paris")
    bureaux = data.bureaux.reset_index(drop=True)
    counts = data.addresses.groupby("bureau_id").size()
    ids, total = [], 0
    for bid, n in counts.items():  # enough bureaux for ~10,000 addresses
        if total >= 10_000:
            break
        ids.append(bid)
        total += n
    addresses = walk.addresses_for(data.addresses, bureaux, ids, registered_per_door=1.6)
    t0 = time.perf_counter()
    turfs = walk.cut_turfs(addresses, target=100)
    cut_s = time.perf_counter() - t0
    summary = walk.turf_summary(turfs)
    within = ((summary["portes_estimees"] - 100).abs() <= 25).mean()
    print(f"{len(addresses):,} addresses of {len(ids)} bureaux → {len(summary)} turfs in {cut_s:.2f} s "
          f"[target ≤ 2 s]; {within:.0%} of turfs within ±25 % of 100 doors "
          f"(min {summary['portes_estimees'].min()}, max {summary['portes_estimees'].max()})")
    first50 = summary["turf_id"].head(50)
    t0 = time.perf_counter()
    pdf = walk_exports.field_packet_pdf(turfs[turfs["turf_id"].isin(first50)], summary, title="Banc d'essai",
                                        provenance={"Territoire": "Paris", "Date": "banc d'essai"})
    pdf_s = time.perf_counter() - t0
    print(f"50-turf PDF field packet: {pdf_s:.2f} s, {len(pdf) / BYTES_PER_MB:.2f} MB [target ≤ 10 s]")


if __name__ == "__main__":
    main()
