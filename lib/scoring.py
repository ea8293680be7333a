"""Priority scoring: normalise criteria within the territory, weight them, explain the result.

Two steps, because they change at different speeds:

1. :func:`normalise_criteria` (depends on the data and the method only; cached by the UI);
2. :func:`score` (depends on the sliders; a matrix product, run at every slider move).

Score convention: 0–100, higher = visit first. A criterion that *penalises* is flipped (1 − z)
before weighting. Contributions are the points each criterion adds to the score; they sum to it.

Missing values (NaN) are never replaced by an average. Policy ``renormalise`` scores a bureau on
the criteria it has (weights rescaled over them) and flags it; ``exclude`` gives it no score.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import TerrainError


class NoWeightsError(TerrainError):
    """Every weight is zero: there is nothing to rank by."""


def _percentile_rank(values: np.ndarray) -> np.ndarray:
    """Average-tie percentile rank mapped to [0, 1]; a constant column carries no signal → 0.5."""
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    n = int(ok.sum())
    if n == 0:
        return out
    ranks = pd.Series(values[ok]).rank(method="average").to_numpy()
    out[ok] = (ranks - 1) / (n - 1) if n > 1 else 0.5
    if np.nanmax(values) == np.nanmin(values):
        out[ok] = 0.5
    return out


def _robust_minmax(values: np.ndarray) -> np.ndarray:
    """Clip to the 5th–95th percentiles, then min-max to [0, 1] (zero span → 0.5)."""
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if not ok.any():
        return out
    lo, hi = np.percentile(values[ok], [5, 95])
    if hi - lo <= 0:
        out[ok] = 0.5
        return out
    out[ok] = (np.clip(values[ok], lo, hi) - lo) / (hi - lo)
    return out


NORMALISERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rank": _percentile_rank,
    "robust_minmax": _robust_minmax,
}
NORMALISER_LABELS = {
    "rank": "Rang centile (par défaut)",
    "robust_minmax": "Min-max robuste (5e–95e centile)",
}


@dataclass(frozen=True)
class NormalisedCriteria:
    """Criteria of a territory mapped to [0, 1] (NaN kept), ready to be weighted."""

    index: pd.Index
    columns: tuple[str, ...]
    matrix: np.ndarray  # shape (n_bureaux, n_criteria), float64, NaN = missing
    method: str

    @property
    def present(self) -> np.ndarray:
        """Where a value exists (cached: weight-independent)."""
        cached = self.__dict__.get("_present")
        if cached is None:
            cached = ~np.isnan(self.matrix)
            object.__setattr__(self, "_present", cached)
        return cached

    @property
    def present_float(self) -> np.ndarray:
        """``present`` as 0./1. floats, for matrix products (cached)."""
        cached = self.__dict__.get("_present_f")
        if cached is None:
            cached = self.present.astype(np.float64)
            object.__setattr__(self, "_present_f", cached)
        return cached

    @property
    def filled(self) -> np.ndarray:
        """The matrix with missing values at 0 (cached: weight-independent)."""
        cached = self.__dict__.get("_filled")
        if cached is None:
            cached = np.where(self.present, self.matrix, 0.0)
            object.__setattr__(self, "_filled", cached)
        return cached


def normalise_criteria(frame: pd.DataFrame, method: str = "rank", *,
                       left_out: Collection[str] = ()) -> NormalisedCriteria:
    """Normalise every column of ``frame`` (index = bureau_id) within the territory.

    ``left_out`` bureaux (« bureaux atypiques ») are blanked first: a phantom bureau must not
    shift the percentiles of the real ones.
    """
    if method not in NORMALISERS:
        raise TerrainError(f"normalisation inconnue « {method} » ; choix possibles : "
                           f"{', '.join(sorted(NORMALISERS))}.")
    raw = frame.to_numpy(dtype=float, na_value=np.nan) if len(frame.columns) else np.empty((len(frame), 0))
    raw = np.where(np.isfinite(raw), raw, np.nan)
    if left_out:
        raw[frame.index.isin(list(left_out))] = np.nan
    matrix = np.column_stack([NORMALISERS[method](raw[:, j]) for j in range(raw.shape[1])]) \
        if raw.shape[1] else raw
    return NormalisedCriteria(frame.index, tuple(map(str, frame.columns)), matrix, method)


@dataclass(frozen=True)
class ScoreResult:
    """Scores, ranks, missing flags and per-criterion contributions."""

    table: pd.DataFrame  # score, rank, n_missing, missing
    contributions: pd.DataFrame  # points per weighted criterion (rows sum to score)


MISSING_POLICY_LABELS = {
    "renormalise": "notés sur les critères disponibles (signalés)",
    "exclude": "exclus (gris, « données manquantes »)",
}
MISSING_POLICIES = tuple(MISSING_POLICY_LABELS)


def weighted_scores(filled: np.ndarray, present: np.ndarray, weights: np.ndarray,
                    flip: np.ndarray, *, with_points: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The per-move arithmetic: scores (0–100) and points per criterion.

    ``filled`` is (bureaux × criteria) in [0, 1] with missing values at 0, ``present`` marks the
    values that exist, ``flip`` the criteria that penalise (z → 1 − z). A bureau's weights are
    renormalised over the criteria it has; with none, its score is NaN.
    """
    present_f = present if present.dtype == np.float64 else present.astype(np.float64)
    signed = np.where(flip, -weights, weights)
    # z·w with z = 1 − x on flipped criteria (where present) = x·(±w) + present·w_flipped: no copy.
    numerator = filled @ signed + (present_f[:, flip] @ weights[flip] if flip.any() else 0.0)
    denom = present_f @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(denom > 0, 100.0 / denom, np.nan)
    scores = numerator * scale
    if not with_points:  # ranking only: matrix-vector products, no (bureaux × criteria) copy
        return scores, None
    z = filled
    if flip.any():
        z = filled.copy()
        z[:, flip] = present_f[:, flip] - filled[:, flip]
    points = z * (weights * scale[:, None])
    missing = present_f == 0
    if missing.any():
        points[missing] = np.nan
    return scores, points


def score(normalised: NormalisedCriteria, weights: Mapping[str, float],
          directions: Mapping[str, str], *, missing_policy: str = "renormalise") -> ScoreResult:
    """Weighted priority score per bureau (0–100, higher = visit first)."""
    if missing_policy not in MISSING_POLICIES:
        raise TerrainError(f"politique des valeurs manquantes inconnue « {missing_policy} ».")
    active = {c: float(w) for c, w in weights.items() if w}
    for cid, w in active.items():
        if w < 0:
            raise TerrainError(f"le poids du critère « {cid} » est négatif ; les poids vont de 0 à 100.")
        if cid not in normalised.columns:
            raise TerrainError(f"critère « {cid} » absent des données de ce territoire.")
    if not active:
        raise NoWeightsError("Tous les poids sont à zéro : montez au moins un curseur pour "
                             "calculer une priorité.")
    ids = list(active)
    cols = [normalised.columns.index(c) for c in ids]
    flip = np.array([directions.get(c, "favours") == "penalises" for c in ids])
    w = np.array([active[c] for c in ids])
    present = normalised.present[:, cols]
    scores, points = weighted_scores(normalised.filled[:, cols], normalised.present_float[:, cols], w, flip)
    n_missing = len(ids) - present.sum(axis=1)
    if missing_policy == "exclude":
        scores[n_missing > 0] = np.nan
        points[n_missing > 0] = np.nan
    score_s = pd.Series(scores, index=normalised.index)
    rank = _rank_desc(scores)
    names = np.array(ids, dtype=object)
    missing_txt = np.full(len(scores), "", dtype=object)
    for i in np.flatnonzero(n_missing):  # usually a handful of bureaux: not worth vectorising
        missing_txt[i] = ", ".join(names[~present[i]])
    table = pd.DataFrame({"score": score_s, "rank": rank, "n_missing": n_missing,
                          "missing": pd.Series(missing_txt, index=normalised.index, dtype=object)},
                         index=normalised.index)
    contributions = pd.DataFrame(points, index=normalised.index, columns=ids)
    return ScoreResult(table, contributions)


def _rank_desc(scores: np.ndarray) -> pd.arrays.IntegerArray:
    """Rank 1 = highest score, ties share the best rank ("min"), NaN → <NA>."""
    ok = ~np.isnan(scores)
    ranks = np.zeros(len(scores), dtype=np.int64)
    values = scores[ok]
    order = np.argsort(-values, kind="stable")
    sorted_vals = values[order]
    first = np.r_[True, sorted_vals[1:] != sorted_vals[:-1]]
    position = np.arange(1, len(values) + 1)
    tie_start = np.maximum.accumulate(np.where(first, position, 0))
    r = np.empty(len(values), dtype=np.int64)
    r[order] = tie_start
    ranks[ok] = r
    return pd.arrays.IntegerArray(ranks, ~ok)


def top_contributors(result: ScoreResult, n: int = 2) -> pd.Series:
    """The ``n`` criteria adding the most points to each bureau's score (tuples of ids).

    Vectorised: the tuples are built once per distinct combination (a few dozen), not per
    bureau (70,000 for France, at every slider move).
    """
    values = result.contributions.to_numpy(dtype=float, na_value=np.nan)
    index = result.contributions.index
    if values.size == 0:
        return pd.Series([()] * len(index), index=index, dtype=object)
    order = np.argsort(-np.nan_to_num(values, nan=-1.0), axis=1, kind="stable")[:, :n]
    codes = np.where(np.isnan(np.take_along_axis(values, order, axis=1)), -1, order)
    combos, inverse = np.unique(codes, axis=0, return_inverse=True)
    names = list(result.contributions.columns)
    tuples = np.empty(len(combos), dtype=object)
    for k, row in enumerate(combos):
        tuples[k] = tuple(names[j] for j in row if j >= 0)
    return pd.Series(tuples[inverse.reshape(-1)], index=index, dtype=object)


def _largest_remainder(shares: np.ndarray) -> np.ndarray:
    raw = shares * 100
    floor = np.floor(raw).astype(int)
    rest = 100 - floor.sum()
    floor[np.argsort(-(raw - floor))[:rest]] += 1
    return floor


def describe_weights(weights: Mapping[str, float], directions: Mapping[str, str],
                     labels: Mapping[str, str]) -> str:
    """Plain French: « Priorité = 40 % abstention + 60 % score de notre camp (pénalise) »."""
    active = {c: float(w) for c, w in weights.items() if w}
    if not active:
        return "Priorité : aucun critère pondéré"
    ids = sorted(active, key=lambda c: -active[c])
    pct = _largest_remainder(np.array([active[c] for c in ids]) / sum(active.values()))
    parts = []
    for cid, p in zip(ids, pct, strict=True):
        label = labels.get(cid, cid)
        label = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
        suffix = " (pénalise)" if directions.get(cid) == "penalises" else ""
        parts.append(f"{p} % {label}{suffix}")
    return "Priorité = " + " + ".join(parts)
