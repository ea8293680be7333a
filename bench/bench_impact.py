"""Impact-measurement benchmark and placebo on real Paris results.

Prints (never asserts):
- the time of ``impact.measure_impact`` at Paris scale (≈900 bureaux → 180 full strata, 10,000
  draws, turnout and our share);
- a placebo on real results: a holdout drawn on the bureaux ranked by first-round abstention,
  « effect » measured from the first to the second round of the 2017 presidential election, when no
  canvassing of ours took place. The rejection rate at 5 % over many holdout seeds should be near 5 %
  (bureaux of real cities are spatially correlated, which randomisation inference does not need to
  model: only the draw of the control is random).

    python bench/bench_impact.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import criteria, holdout, impact  # noqa: E402
from lib.dataset import load_territory  # noqa: E402

BEFORE, AFTER, OURS = "pres2017t1", "pres2017t2", ("MACRON Emmanuel",)
PLACEBO_SEEDS = 200


def main() -> None:
    results = load_territory(ROOT / "data", "paris").results
    ranked = criteria.abstention(results, BEFORE).sort_values(ascending=False).index.astype(str).tolist()
    before = impact.Election(results, BEFORE, OURS)
    after = impact.Election(results, AFTER, OURS)

    design = holdout.holdout(ranked, seed=2012)
    t0 = time.perf_counter()
    report = impact.measure_impact(design, after, before)
    elapsed = time.perf_counter() - t0
    t = report.turnout
    print(f"{len(ranked)} bureaux, {t.n_strata} full strata, 10,000 draws, turnout + our share: "
          f"{elapsed:.2f} s")
    for r in (report.turnout, report.our_share):
        print(f"  placebo seed 2012, {r.outcome}: estimate {r.estimate:+.2f} pts, "
              f"95 % CI [{r.ci_low:+.2f}, {r.ci_high:+.2f}], p = {r.p_value:.3f}")

    t0 = time.perf_counter()
    rejected = {"turnout": [], "our_share": []}
    for seed in range(PLACEBO_SEEDS):
        rep = impact.measure_impact(holdout.holdout(ranked, seed=seed), after, before, draws=999)
        for r in (rep.turnout, rep.our_share):
            rejected[r.outcome].append(r.p_value <= 0.05)
    print(f"placebo over {PLACEBO_SEEDS} holdout seeds (999 draws each, {time.perf_counter() - t0:.1f} s): "
          + ", ".join(f"{k} rejected at 5 % in {np.mean(v):.1%}" for k, v in rejected.items()))


if __name__ == "__main__":
    main()
