"""Impact holdout (Pons 2012 design): strata of five bureaux by score, one kept as control.

After the election, compare official results of visited and control bureaux within strata.
An incomplete last stratum (fewer than ``stratum_size`` bureaux) has no control: holding one back
there would compare unlike bureaux. Reproducible with the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.errors import TerrainError


def holdout(ranked_ids: list[str], *, stratum_size: int = 5, seed: int = 2012) -> pd.DataFrame:
    """bureau_id, stratum (1…), group (« visiter » or « témoin »), in rank order."""
    if stratum_size < 2:
        raise TerrainError("une strate doit compter au moins deux bureaux.")
    rng = np.random.default_rng(seed)
    n = len(ranked_ids)
    stratum = np.arange(n) // stratum_size + 1
    group = np.full(n, "visiter", dtype=object)
    for s in range(n // stratum_size):
        group[s * stratum_size + int(rng.integers(stratum_size))] = "témoin"
    return pd.DataFrame({"bureau_id": ranked_ids, "strate": stratum, "groupe": group})
