"""Impact holdout (Pons 2012 design): strata of five bureaux by score, one kept as control.

After the election, compare official results of visited and control bureaux within strata.
An incomplete last stratum (fewer than ``stratum_size`` bureaux) has no control: holding one back
there would compare unlike bureaux. Reproducible with the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.errors import TerrainError

VISIT, CONTROL = "visiter", "témoin"  # the ``groupe`` of a bureau in a design (stored with saved plans)
DEFAULT_SEED = 2012  # Pons 2012: any seed reproduces its draw; this one is the page's default
STRATUM_SIZE = 5


def holdout(ranked_ids: list[str], *, stratum_size: int = STRATUM_SIZE, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """bureau_id, stratum (1…), group (:data:`VISIT` or :data:`CONTROL`), in rank order."""
    if stratum_size < 2:
        raise TerrainError("une strate doit compter au moins deux bureaux.")
    rng = np.random.default_rng(seed)
    n = len(ranked_ids)
    stratum = np.arange(n) // stratum_size + 1
    group = np.full(n, VISIT, dtype=object)
    for s in range(n // stratum_size):
        group[s * stratum_size + int(rng.integers(stratum_size))] = CONTROL
    return pd.DataFrame({"bureau_id": ranked_ids, "strate": stratum, "groupe": group})


def shown(design: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The design as a campaign reads it (page table and CSV): bureau name and code, stratum, group."""
    return pd.DataFrame({"Bureau": design["bureau_id"].map(labels).fillna(design["bureau_id"]),
                         "Code bureau": design["bureau_id"], "Strate": design["strate"],
                         "Groupe": design["groupe"].map({VISIT: "à visiter", CONTROL: "témoin (non visité)"})})
