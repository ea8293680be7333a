"""Measured impact of canvassing (Pons 2012 design): visited vs control bureaux, read after the vote.

The holdout (``lib.holdout``) ranks the chosen bureaux, cuts them into strata of five and keeps one
bureau per full stratum unvisited, at random. After the election we compare, within each stratum,
the visited bureaux with their control.

Choices, and why:

- **Outcome = change since the previous comparable election** (bureau-level difference in
  differences): a bureau's stable character (its usual turnout, its usual vote) cancels, so the
  comparison is much less noisy than raw levels.
- **Estimator = visited mean − control, per stratum, averaged with equal weights.** Full strata all
  hold the same number of bureaux (one control, the rest visited), so equal weights give every bureau
  the same weight; it is also exactly the coefficient of Pons' regression with stratum fixed effects.
  Weighting by registered voters would add variance for a change of target (effect per voter instead
  of per bureau) that bureaux of similar size do not need.
- **Randomisation inference**: the control is re-drawn within each stratum exactly as the design drew
  it (one bureau per full stratum, uniformly). The draws are enumerated when there are at most
  ``draws`` possible assignments (small designs: exact p-value), else sampled with a seed.
- **Confidence interval by test inversion**: the constant effects τ not rejected at 5 %. With a
  single control per stratum the usual stratified (Neyman) variance cannot be estimated at all — it
  needs two units per arm in each stratum — and with few strata a normal approximation is not to be
  trusted; inversion uses the same draws as the p-value and is exact under the design.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lib import criteria, fr
from lib.errors import TerrainError
from lib.holdout import CONTROL, DEFAULT_SEED
from lib.holdout import VISIT as TREATED

ALPHA = 0.05
DRAWS = 10_000
SEED = DEFAULT_SEED  # randomisation inference draws: reproducible, like the holdout
_SHOWN_IDS = 10  # bureau ids named in an error message


@dataclass(frozen=True, eq=False)
class Election:
    """One election's long results (``docs/data.md``) and our side in it.

    ``ours`` names our candidates/lists; ``share`` (our % of expressed per bureau) replaces them
    when the page already computed it. ``results`` may hold other elections too.
    """

    results: pd.DataFrame
    election: str
    ours: tuple[str, ...] = ()
    share: pd.Series | None = None
    label: str = ""  # what a user calls it (« Municipales 2026, 1er tour »); messages never show the id

    @property
    def name(self) -> str:
        """The election as messages name it."""
        return self.label or self.election


@dataclass(frozen=True, eq=False)
class ImpactResult:
    """Effect of the canvassing on one outcome, in points, with its uncertainty and reading."""

    outcome: str  # "turnout" or "our_share"
    estimate: float  # points (of registered for turnout, of expressed for our share)
    ci_low: float  # -inf/inf when too few strata to bound the effect
    ci_high: float
    p_value: float  # two-sided, randomisation inference
    n_strata: int
    n_treated: int
    n_control: int
    votes: float  # estimate × base (registered or expressed) of the visited bureaux / 100
    strata: pd.DataFrame  # one row per full stratum (French display columns)
    method: str  # how p and the interval were obtained (French)
    reading: str  # plain-French reading with its limits


@dataclass(frozen=True, eq=False)
class ImpactReport:
    """Turnout always; our share when our side is known in both elections (else the reason)."""

    turnout: ImpactResult
    our_share: ImpactResult | None
    our_share_reason: str = ""


# ------------------------------------------------------------------------------------ design

def _check_design(design: pd.DataFrame) -> None:
    """A design the holdout could have produced: its columns, known groups, each bureau once."""
    missing = {"bureau_id", "strate", "groupe"} - set(design.columns)
    if missing:
        raise TerrainError(f"plan de témoins illisible : colonnes manquantes {', '.join(sorted(missing))}.")
    unknown = set(design["groupe"].dropna()) - {TREATED, CONTROL}
    if unknown or design["groupe"].isna().any():
        raise TerrainError(f"plan de témoins illisible : groupe inconnu ({', '.join(map(str, unknown))}) ; "
                           f"attendu « {TREATED} » ou « {CONTROL} ».")
    ids = design["bureau_id"].astype(str)
    twice = sorted(set(ids[ids.duplicated()]))
    if twice:
        raise TerrainError(f"plan de témoins invalide : bureau(x) présent(s) deux fois ({_listed(twice)}).")


def full_strata(design: pd.DataFrame) -> pd.DataFrame:
    """Design rows of the strata that hold exactly one control (the only ones that compare).

    The design's last, incomplete stratum has no control: its visited bureaux have nothing to be
    compared with and are left out of the estimate.
    """
    _check_design(design)
    controls = design["groupe"].eq(CONTROL).groupby(design["strate"]).transform("sum")
    if (controls > 1).any():
        raise TerrainError("plan de témoins invalide : une strate a plusieurs bureaux témoins.")
    visited = design["groupe"].eq(TREATED).groupby(design["strate"]).transform("sum")
    full = design[(controls == 1) & (visited >= 1)]
    if full.empty:
        raise TerrainError("Aucune strate complète dans le plan : il faut au moins une strate avec un "
                           "bureau témoin et un bureau visité pour mesurer l'impact.")
    return full.astype({"bureau_id": str}).reset_index(drop=True)


# ------------------------------------------------------------------------------------ outcomes

def _rows(election: Election) -> pd.DataFrame:
    """The election's rows, or a French error saying it has no results."""
    needed = {"bureau_id", "election", "registered", "voters", "expressed"}
    if not needed <= set(election.results.columns):
        raise TerrainError(f"résultats illisibles pour « {election.name} » : colonnes attendues "
                           f"{', '.join(sorted(needed))}.")
    rows = election.results[election.results["election"] == election.election]
    if rows.empty:
        raise TerrainError(f"L'élection « {election.name} » n'a pas de résultats : importez-les "
                           "avant de mesurer l'impact.")
    return rows.astype({"bureau_id": str})


def turnout(election: Election) -> pd.Series:
    """Turnout (% of registered) per bureau."""
    rows = _rows(election)
    return 100 - criteria.abstention(rows, election.election).rename("turnout")


def share(election: Election) -> pd.Series:
    """Our share of expressed votes (%) per bureau; NaN where our side did not stand."""
    if election.share is not None:
        return election.share.rename(index=str).astype(float)
    if not election.ours:
        raise TerrainError(f"notre camp n'est pas choisi pour « {election.name} » : cochez nos "
                           "candidats ou listes pour mesurer l'effet sur notre part des voix.")
    return criteria.our_share(_rows(election), election.election, election.ours)


def _listed(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_SHOWN_IDS])
    return shown + (f" … ({len(ids)} en tout)" if len(ids) > _SHOWN_IDS else "")


def change(ids: Sequence[str], after: pd.Series, before: pd.Series, *, missing: str) -> pd.Series:
    """after − before for each design bureau, or a French error naming the bureaux without a value."""
    diff = after.reindex(ids).astype(float) - before.reindex(ids).astype(float)
    _require_values(diff, missing)
    return diff


def _require_values(values: pd.Series, missing: str) -> None:
    lacking = [str(b) for b, v in values.items() if not math.isfinite(v)]
    if lacking:
        raise TerrainError(f"{missing} pour {len(lacking)} bureau(x) du plan : {_listed(lacking)}. "
                           "Vérifiez que les résultats importés couvrent ces bureaux (même numérotation, "
                           "même découpage) dans les deux élections.")


def _base(election: Election, column: str, ids: Sequence[str]) -> float:
    """Sum of ``column`` (registered or expressed) over ``ids``: turns points into votes."""
    rows = _rows(election).drop_duplicates("bureau_id").set_index("bureau_id")
    return float(rows[column].reindex(ids).sum())


def _carried(elections: Sequence[Election], ids: Sequence[str]) -> int:
    """Design bureaux whose results were carried over from another boundary vintage."""
    carried: set[str] = set()
    for e in elections:
        rows = _rows(e)
        if "carried" in rows.columns:
            carried |= set(rows.loc[rows["carried"].fillna(False).astype(bool), "bureau_id"])
    return len(carried & set(ids))


# ------------------------------------------------------------------------------------ estimator

@dataclass(frozen=True)
class Layout:
    """Full strata as a padded matrix (strata × bureaux): what the re-draws permute."""

    strata: np.ndarray  # stratum labels, sorted
    values: np.ndarray  # (S, K) outcome, 0 in padding cells (never drawn)
    sizes: np.ndarray  # (S,) bureaux per stratum
    control: np.ndarray  # (S,) column of the observed control


def layout(full: pd.DataFrame, outcome: pd.Series) -> Layout:
    """Place each bureau's outcome in its stratum's row; remember where the control sits."""
    codes, strata = pd.factorize(full["strate"], sort=True)
    col = full.groupby("strate").cumcount().to_numpy()
    values = np.zeros((len(strata), int(col.max()) + 1))
    values[codes, col] = outcome.reindex(full["bureau_id"]).to_numpy(dtype=float)
    is_control = full["groupe"].eq(CONTROL).to_numpy()
    control = np.zeros(len(strata), dtype=int)
    control[codes[is_control]] = col[is_control]
    return Layout(np.asarray(strata), values, np.bincount(codes), control)


def statistic(lay: Layout, columns: np.ndarray) -> np.ndarray:
    """Mean over strata of (visited mean − control) when the control sits at ``columns`` (…, S).

    Visited mean = (row sum − control) / (k − 1), so the difference is
    row sum / (k − 1) − control · k / (k − 1): one gather per draw, fully vectorised.
    """
    k = lay.sizes
    picked = lay.values[np.arange(len(k)), columns]
    return (lay.values.sum(axis=1) / (k - 1) - picked * k / (k - 1)).mean(axis=-1)


def assignments(sizes: np.ndarray, draws: int, seed: int) -> tuple[np.ndarray, bool]:
    """Control positions (n, S) to compare with: all of them when few enough (exact), else drawn."""
    total = math.prod(int(k) for k in sizes)
    if total <= draws:
        grid = np.unravel_index(np.arange(total), tuple(int(k) for k in sizes))
        return np.stack(grid, axis=1), True
    rng = np.random.default_rng(seed)
    return rng.integers(0, sizes, size=(draws, len(sizes))), False


@dataclass(frozen=True)
class NullDistribution:
    """The statistic under each re-draw, as a line in τ: T_b(τ) = a_b − τ · b_b.

    Under the sharp hypothesis "constant effect τ", untreated outcomes are y − τ·treated; the
    statistic is linear in the outcomes, so a_b is the statistic of the observed outcomes and b_b
    that of the observed treatment indicator, under draw b. Every τ is tested with the same draws.
    """

    estimate: float
    a: np.ndarray
    b: np.ndarray
    exact: bool

    def p_value(self, tau: float) -> float:
        """Two-sided: share of assignments at least as far from 0 as the observed one."""
        observed = abs(self.estimate - tau)
        extreme = np.abs(self.a - tau * self.b) >= observed - 1e-9 * (1 + observed)
        if self.exact:  # the observed assignment is one of the enumerated ones
            return float(extreme.mean())
        return float((1 + extreme.sum()) / (1 + len(self.a)))


def null_distribution(lay: Layout, draws: int = DRAWS, seed: int = SEED) -> NullDistribution:
    """Re-draw the control within each stratum as the design did; keep a_b and b_b."""
    columns, exact = assignments(lay.sizes, draws, seed)
    k = lay.sizes
    same = columns == lay.control
    b = np.where(same, 1.0, -1.0 / (k - 1)).mean(axis=1)
    return NullDistribution(float(statistic(lay, lay.control)), statistic(lay, columns), b, exact)


def interval(null: NullDistribution, alpha: float = ALPHA) -> tuple[float, float]:
    """The constant effects not rejected at ``alpha`` (test inversion), lower and upper bound."""
    scale = float(np.std(null.a)) or 1.0
    return (_bound(null, -1.0, scale, alpha), _bound(null, 1.0, scale, alpha))


def _bound(null: NullDistribution, direction: float, scale: float, alpha: float) -> float:
    """Walk out from the estimate until τ is rejected, then bisect the edge (±inf if never)."""
    inside, step = null.estimate, scale
    for _ in range(64):
        outside = null.estimate + direction * step
        if null.p_value(outside) <= alpha:
            break
        inside, step = outside, step * 2
    else:
        return direction * math.inf
    for _ in range(100):
        if abs(outside - inside) <= 1e-7 * scale:
            break
        mid = (inside + outside) / 2
        inside, outside = (mid, outside) if null.p_value(mid) > alpha else (inside, mid)
    return (inside + outside) / 2


def stratum_table(full: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Per full stratum: control bureau, visited count, mean change of each group, difference."""
    k = lay.sizes
    rows = np.arange(len(k))
    control = lay.values[rows, lay.control]
    visited = (lay.values.sum(axis=1) - control) / (k - 1)
    control_ids = full[full["groupe"] == CONTROL].set_index("strate")["bureau_id"]
    return pd.DataFrame({
        "strate": lay.strata,
        "bureau témoin": control_ids.reindex(lay.strata).to_numpy(),
        "bureaux visités": k - 1,
        "évolution visités (pts)": visited,
        "évolution témoin (pts)": control,
        "écart (pts)": visited - control,
    })


# ------------------------------------------------------------------------------------ reading

@dataclass(frozen=True)
class Wording:
    """How one outcome is said in French, and which count turns its points into votes."""

    title: str
    people: str  # what the votes count
    base: str  # the column summed over the visited bureaux, in French
    column: str  # that column in the results contract
    mechanism: str  # the limit specific to this outcome


# Registry of measured outcomes: outcome id → its wording.
WORDINGS: dict[str, Wording] = {
    "turnout": Wording(
        "Participation", "votants", "inscrits", "registered",
        "participation et persuasion sont deux effets distincts : en 2012, Pons n'a trouvé aucun effet "
        "du porte-à-porte sur la participation, mais un effet sur le vote (persuasion) ; lisez aussi "
        "l'effet sur notre part des exprimés"),
    "our_share": Wording(
        "Notre part des exprimés", "voix pour notre camp", "exprimés", "expressed",
        "notre part mêle persuasion et mobilisation de nos électeurs, et dépend des candidats en "
        "présence dans chacune des deux élections"),
}

# p-value thresholds and their reading, first match wins.
VERDICTS: tuple[tuple[float, str], ...] = (
    (0.01, "un écart aussi grand serait très improbable si le porte-à-porte n'avait eu aucun effet "
           "(significatif au seuil de 1 %)"),
    (0.05, "un écart aussi grand serait improbable sans effet du porte-à-porte (significatif au seuil "
           "de 5 %)"),
    (0.10, "faible indice d'un effet, non significatif au seuil de 5 %"),
    (math.inf, "résultat compatible avec l'absence d'effet"),
)

FEW_STRATA = 20


def _signed(x: float, decimals: int = 1) -> str:
    """+2,9 / −1,2 / 0,0: the sign is part of the finding."""
    text = fr.number(abs(x), decimals)
    if round(x, decimals) == 0:
        return text
    return ("+" if x > 0 else "−") + text


def _p_text(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {fr.number(p, 3)}"


def _interval_text(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return ("Intervalle de confiance à 95 % non borné : trop peu de strates pour situer l'effet.")
    return f"Intervalle de confiance à 95 % : de {_signed(low)} à {_signed(high)} points."


def _power(result: ImpactResult) -> str:
    """How small an effect this design could tell from zero."""
    if result.n_strata < FEW_STRATA or not math.isfinite(result.ci_high - result.ci_low):
        return (f"peu de strates ({result.n_strata}) : puissance faible, seul un effet fort serait "
                "détecté ; un résultat non significatif ne prouve pas l'absence d'effet")
    half = (result.ci_high - result.ci_low) / 2
    return (f"précision : avec {fr.counted(result.n_strata, 'strate', 'strates')}, un effet inférieur à environ "
            f"{fr.number(half, 1)} point ne se distingue pas de zéro ; un résultat non significatif "
            "ne prouve pas l'absence d'effet")


def limits(result: ImpactResult, carried: int) -> list[str]:
    """The caveats a reader must weigh before acting on the estimate."""
    boundaries = (f"{carried} bureau(x) du plan ont des résultats reportés d'un autre découpage : leur "
                  "évolution mêle l'effet et le report" if carried else
                  "si le découpage d'un bureau a changé entre les deux élections, son évolution n'est "
                  "pas comparable")
    return [
        _power(result),
        "mesure écologique : on compare des bureaux entiers, pas des personnes ; l'effet sur les "
        "électeurs rencontrés est plus fort que cette moyenne, diluée par les portes restées fermées",
        "débordements : des témoins voisins de bureaux visités ont pu être touchés (bouche-à-oreille, "
        "militants), ce qui réduit l'écart mesuré",
        WORDINGS[result.outcome].mechanism,
        boundaries,
    ]


def reading(result: ImpactResult, base: float, carried: int) -> str:
    """A few plain-French sentences: estimate, votes, interval, p-value in words, limits."""
    w = WORDINGS[result.outcome]
    verdict = next(text for threshold, text in VERDICTS if result.p_value < threshold)
    return " ".join([
        f"{w.title} : l'évolution depuis l'élection précédente des bureaux visités s'écarte de celle "
        f"des bureaux témoins de leur strate de {_signed(result.estimate)} points en moyenne "
        f"({fr.counted(result.n_strata, 'strate', 'strates')} : "
        f"{fr.counted(result.n_treated, 'bureau visité', 'bureaux visités')}, "
        f"{fr.counted(result.n_control, 'témoin', 'témoins')}).",
        f"Rapporté aux {fr.number(base)} {w.base} des bureaux visités, cela fait environ "
        f"{_signed(result.votes, 0)} {w.people}.",
        _interval_text(result.ci_low, result.ci_high),
        f"{_p_text(result.p_value)} : {verdict}.",
        "Limites.", *(f"{text[0].upper()}{text[1:]}." for text in limits(result, carried)),
    ])


# ------------------------------------------------------------------------------------ entry points

def estimate_effect(design: pd.DataFrame, outcome_change: pd.Series, *, outcome: str = "turnout",
                    base: float = math.nan, carried: int = 0, draws: int = DRAWS,
                    seed: int = SEED) -> ImpactResult:
    """Effect on one outcome from its change per bureau (index bureau_id, in points).

    ``base`` is the registered (turnout) or expressed (our share) count of the visited bureaux of
    the full strata: the estimate × base / 100 is the effect in votes.
    """
    full = full_strata(design)
    values = outcome_change.rename(index=str).reindex(full["bureau_id"]).astype(float)
    _require_values(values, "Évolution inconnue")
    lay = layout(full, values)
    null = null_distribution(lay, draws, seed)
    low, high = interval(null)
    n_control = len(lay.sizes)
    how = ("exacte (toutes les affectations possibles du témoin)" if null.exact
           else f"{fr.number(len(null.a))} tirages du témoin dans chaque strate (graine {seed})")
    result = ImpactResult(
        outcome, null.estimate, low, high, null.p_value(0.0), n_control,
        int(lay.sizes.sum()) - n_control, n_control, null.estimate * base / 100,
        stratum_table(full, lay), f"Inférence par randomisation {how} ; intervalle par inversion du test.",
        "")
    return replace(result, reading=reading(result, base, carried))


def measure_impact(design: pd.DataFrame, after: Election, before: Election, *,
                   draws: int = DRAWS, seed: int = SEED) -> ImpactReport:
    """Effect of the canvassing on turnout and on our share, from the holdout and two elections.

    ``after`` is the election following the campaign, ``before`` the previous comparable one (same
    type: compare a municipal election with the previous municipal one).
    """
    if after.election == before.election:
        raise TerrainError("choisissez deux élections différentes : celle qui suit la campagne et la "
                           "précédente élection comparable.")
    full = full_strata(design)
    ids = full["bureau_id"].tolist()
    visited = full.loc[full["groupe"] == TREATED, "bureau_id"].tolist()
    carried = _carried((after, before), ids)

    def effect(outcome: str, delta: pd.Series) -> ImpactResult:
        base = _base(after, WORDINGS[outcome].column, visited)
        return estimate_effect(full, delta, outcome=outcome, base=base, carried=carried,
                               draws=draws, seed=seed)

    turnout_effect = effect("turnout", change(ids, turnout(after), turnout(before),
                                              missing="Résultats manquants"))
    try:
        delta = change(ids, share(after), share(before),
                       missing="Pas de candidat de notre camp (ou pas de résultats)")
    except TerrainError as why:
        return ImpactReport(turnout_effect, None, str(why))
    return ImpactReport(turnout_effect, effect("our_share", delta))
