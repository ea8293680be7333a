"""Priority classes over mapclassify: one entry point, a registry of schemes, safe edge cases.

Class 0 is the lowest priority, ``k - 1`` the highest. Bureaux without a score get no class
(<NA>) and the no-data colour.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from lib import fr
from lib.errors import TerrainError

SCHEMES = {
    "quantiles": mapclassify.Quantiles,
    "fisher_jenks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
}
SCHEME_LABELS = {
    "quantiles": "Quantiles (effectifs égaux)",
    "fisher_jenks": "Seuils naturels (Fisher-Jenks)",
    "equal_interval": "Intervalles égaux",
}
MIN_K, MAX_K = 3, 7
JENKS_SAMPLE = 200  # exact Fisher-Jenks is O(n²·k) without numba: 900 scores take ~2.6 s, 5,000 ~90 s


@dataclass(frozen=True)
class Classes:
    """Class of each bureau and the class bounds."""

    class_of: pd.Series  # Int64, <NA> for unscored bureaux
    lower: tuple[float, ...]
    bins: tuple[float, ...]  # upper bounds
    counts: tuple[int, ...]
    k: int
    note: str = ""


def classify_scores(scores: pd.Series, scheme: str = "quantiles", k: int = 5) -> Classes:
    """Class every scored bureau with ``scheme`` into ``k`` classes (fewer when data cannot fill k)."""
    if scheme not in SCHEMES:
        raise TerrainError(f"méthode de classes inconnue « {scheme} » ; choix : {', '.join(SCHEMES)}.")
    if not MIN_K <= int(k) <= MAX_K:
        raise TerrainError(f"le nombre de classes doit être entre {MIN_K} et {MAX_K} (reçu : {k}).")
    values = scores.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(values)
    class_of = pd.Series(pd.array([pd.NA] * len(values), dtype="Int64"), index=scores.index)
    if not ok.any():
        return Classes(class_of, (), (), (), 0, "Aucun bureau n'a de score : rien à classer.")
    distinct = np.unique(values[ok])
    if np.ptp(values[ok]) < 1e-9:  # scores are 0–100: a smaller span is one value
        distinct = distinct[:1]
    note = ""
    k_eff = int(k)
    if len(distinct) < k_eff:
        k_eff = len(distinct)
        note = (f"Seulement {len(distinct)} valeur(s) de score distincte(s) : "
                f"{k_eff} classe(s) au lieu de {k}.")
    if k_eff == 1:
        yb = np.zeros(int(ok.sum()), dtype=int)
        bins = (float(distinct[0]),)
    else:
        bins, yb = _fit(values[ok], scheme, k_eff)
        k_eff = len(bins)
    class_of[ok] = yb
    lower = (float(values[ok].min()), *bins[:-1])
    counts = tuple(int((yb == c).sum()) for c in range(k_eff))
    return Classes(class_of, lower, bins, counts, k_eff, note)


def _fit(values: np.ndarray, scheme: str, k: int) -> tuple[tuple[float, ...], np.ndarray]:
    """Bins and class of each value. Fisher-Jenks on many values fits on a seeded sample.

    Why a sample: exact Fisher-Jenks is O(n²·k) without numba (900 scores take ~2.6 s). The
    sample is drawn from a local generator — never numpy's global one, which every session of
    the server shares — and always holds the extremes, so the bins cover every value; the same
    scores always give the same classes.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "fisher_jenks" and len(values) > JENKS_SAMPLE:
            rng = np.random.default_rng(0)
            sample = np.r_[values.min(), values.max(),
                           rng.choice(values, size=JENKS_SAMPLE - 2, replace=False)]
            breaks = np.asarray(mapclassify.FisherJenks(sample, k=k).bins, dtype=float)
            breaks[-1] = values.max()
            fitted = mapclassify.UserDefined(values, bins=np.unique(breaks).tolist())
        else:
            fitted = SCHEMES[scheme](values, k=k)
    return tuple(float(b) for b in fitted.bins), np.asarray(fitted.yb, dtype=int)


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` → (r, g, b)."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def class_colours(classes: Classes, palette: Sequence[str], no_data: str) -> np.ndarray:
    """RGBA per bureau (uint8, shape (n, 4)); unclassed bureaux get ``no_data`` at alpha 160."""
    table = np.array([[*hex_to_rgb(no_data), 160], *[[*hex_to_rgb(c), 235] for c in palette]],
                     dtype=np.uint8)
    idx = classes.class_of.fillna(-1).to_numpy(dtype=int) + 1
    if len(palette) < classes.k:
        raise TerrainError(f"palette de {len(palette)} couleurs pour {classes.k} classes.")
    return table[idx]


def legend_rows(classes: Classes, palette: Sequence[str]) -> pd.DataFrame:
    """Legend table, class 1 = lowest priority … k = highest (French labels with counts)."""
    rows = []
    for c in range(classes.k):
        top = " (la plus forte)" if c == classes.k - 1 and classes.k > 1 else ""
        low = " (la plus faible)" if c == 0 and classes.k > 1 else ""
        rows.append({
            "classe": c + 1, "couleur": palette[c] if c < len(palette) else "#999999",
            "min": classes.lower[c], "max": classes.bins[c], "bureaux": classes.counts[c],
            "libelle": f"Priorité {c + 1}{top}{low} : {fr.number(classes.lower[c], 1)} – {fr.number(classes.bins[c], 1)}"
                       f" · {fr.counted(classes.counts[c], 'bureau', 'bureaux')}",
        })
    n_missing = int(classes.class_of.isna().sum())
    if n_missing:
        rows.append({"classe": 0, "couleur": "#bdbdbd", "min": np.nan, "max": np.nan,
                     "bureaux": n_missing,
                     "libelle": f"Données manquantes · {fr.counted(n_missing, 'bureau', 'bureaux')}"})
    return pd.DataFrame(rows, columns=["classe", "couleur", "min", "max", "bureaux", "libelle"])
