"""One view → scores, classes, colours and tooltips: the per-rerun path of the priority map.

Pure (no Streamlit) so the whole "slider moved" path is unit-tested and benchmarked. The
weight-independent part (criteria values and their normalisation) is computed before and cached.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import classify, criteria, fr, scoring
from lib.config import Settings
from lib.viewstate import ViewState


@dataclass(frozen=True)
class PriorityResult:
    """Everything the map, the legend, the panel, the table and the exports need."""

    table: pd.DataFrame  # index bureau_id: score, rank, n_missing, missing, class_id, colour, top, top_ids, atypical
    contributions: pd.DataFrame  # index bureau_id, one column per weighted criterion (points)
    rgba: np.ndarray  # (n_bureaux, 4) uint8 class colour per bureau, in ``table`` order
    legend: pd.DataFrame
    sentence: str  # "Priorité = 40 % abstention + …"
    note: str  # French note on unavailable weighted criteria
    classes_note: str
    n_partial: int
    weights: Mapping[str, int]
    directions: Mapping[str, str]
    n_atypical: int = 0  # « bureaux atypiques » left out of this ranking
    dropped: tuple[str, ...] = ()  # weighted criteria unavailable here (ignored), e.g. before our side is chosen

    def waiting_for_our_side(self, view: ViewState) -> tuple[list[str], float]:
        """Weighted criteria ignored until our side is chosen, and their share of the weights (0–1)."""
        waiting = [c for c in self.dropped if c in criteria.needs_our_side()] if not view.ours else []
        total = sum(int(w) for w in view.weights.values() if w)
        return waiting, (sum(int(view.weights.get(c, 0)) for c in waiting) / total if total else 0.0)
    withheld: tuple[str, ...] = ()  # weighted criteria read from an imported election: never exported per bureau


def unscored_reasons(table: pd.DataFrame) -> np.ndarray:
    """Per bureau of ``PriorityResult.table``, why it has no score ("" when it has one): a
    « bureau atypique » set aside, or the missing criteria. One wording for every map."""
    reasons = np.full(len(table), "", dtype=object)
    unscored = table["score"].isna().to_numpy()
    missing = table["missing"].fillna("").astype(str).to_numpy()
    reasons[unscored] = ["données manquantes : " + m for m in missing[unscored]]
    if "atypical" in table:
        reasons[table["atypical"].to_numpy(dtype=bool)] = "bureau atypique, écarté (voir Accueil)"
    return reasons


ATYPICAL_COLOUR = "#f4f4f4"  # paler than the no-data grey: left out on purpose, not missing data


def _leave_out(table: pd.DataFrame, colours: np.ndarray, legend: pd.DataFrame,
               atypical: pd.Series) -> pd.DataFrame:
    """Mark the bureaux left out as atypical: no missing-data flag, their own colour and legend line.

    Their criteria were blanked before normalisation (so they shift no percentile), which left
    them unscored and "missing everything"; they are not missing data, they are set aside.
    """
    n = int(atypical.sum())
    table["atypical"] = atypical.to_numpy()
    if not n:
        return legend
    table.loc[atypical, ["missing", "n_missing"]] = ["", 0]
    colours[atypical.to_numpy()] = [*classify.hex_to_rgb(ATYPICAL_COLOUR), 200]
    legend = legend.copy()
    no_data = legend["classe"] == 0
    legend.loc[no_data, "bureaux"] -= n
    legend.loc[no_data, "libelle"] = legend.loc[no_data, "bureaux"].map(
        lambda k: f"Données manquantes · {fr.counted(k, 'bureau', 'bureaux')}")
    legend = legend[~no_data | (legend["bureaux"] > 0)]
    row = {"classe": -1, "couleur": ATYPICAL_COLOUR, "min": np.nan, "max": np.nan, "bureaux": n,
           "libelle": f"Bureaux atypiques, écartés · {n} (voir Accueil)"}
    return pd.concat([legend, pd.DataFrame([row])], ignore_index=True)


def effective_weights(view: ViewState, settings: Settings,
                      available: set[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Weights of available criteria, their directions, and weighted criteria that are unavailable."""
    weights, dropped = {}, []
    for cid, w in view.weights.items():
        if cid not in settings.criteria or not w:
            continue
        if cid in available:
            weights[cid] = int(w)
        else:
            dropped.append(cid)
    directions = {cid: view.direction(settings, cid) for cid in weights}
    return weights, directions, dropped


def compute(normalised: scoring.NormalisedCriteria, view: ViewState, settings: Settings,
            unavailable: Mapping[str, str], *, atypical: Collection[str] = ()) -> PriorityResult:
    """Score, class and colour every bureau for ``view`` (raises ``NoWeightsError``).

    ``atypical`` bureaux (anomalies of the dataset, see :mod:`lib.anomalies`) must have been
    blanked in ``normalised`` (see :func:`lib.scoring.normalise_criteria`); they come out unscored,
    unranked and marked, never silently ranked.
    """
    available = set(normalised.columns)
    weights, directions, dropped = effective_weights(view, settings, available)
    result = scoring.score(normalised, weights, directions, missing_policy=view.missing)
    table = result.table.copy()
    classes = classify.classify_scores(table["score"], scheme=view.scheme, k=view.k)
    palette = settings.palette(classes.k) if classes.k else ()
    colours = classify.class_colours(classes, palette, settings.no_data_colour)
    legend = classify.legend_rows(classes, palette) if classes.k else classify.legend_rows(classes, ())
    crit_labels = {cid: c.label for cid, c in settings.criteria.items()}
    top = scoring.top_contributors(result, n=2)
    table["class_id"] = classes.class_of
    hexes = np.array([settings.no_data_colour, *palette], dtype=object)
    table["colour"] = hexes[(classes.class_of.fillna(-1).astype(int) + 1).to_numpy()]
    codes, pairs = pd.factorize(top)  # a few dozen distinct pairs, whatever the number of bureaux
    table["top"] = np.array([", ".join(crit_labels.get(c, c) for c in ids) for ids in pairs], dtype=object)[codes]
    table["top_ids"] = top
    legend = _leave_out(table, colours, legend, table.index.to_series().isin(set(atypical)))

    note = ""
    unexplained = [c for c in dropped if view.ours or c not in criteria.needs_our_side()]  # the rest wait for our side
    if unexplained:
        reasons = "; ".join(f"{crit_labels.get(c, c)} : {unavailable.get(c, 'indisponible')}" for c in unexplained)
        note = f"Critères pondérés mais indisponibles ici, donc ignorés — {reasons}."
    sentence = scoring.describe_weights(weights, directions, crit_labels)
    return PriorityResult(
        table=table, contributions=result.contributions, rgba=colours, legend=legend,
        sentence=sentence, note=note, classes_note=classes.note or "",
        n_partial=int((table["n_missing"] > 0).sum()), weights=weights, directions=directions,
        n_atypical=int(table["atypical"].sum()), dropped=tuple(dropped),
        withheld=tuple(criteria.read_from_imports(weights, view.election, view.high, view.low)))


def breakdown(result: PriorityResult, values: pd.DataFrame, bureau_id: str, settings: Settings,
              units: Mapping[str, str]) -> pd.DataFrame:
    """Per weighted criterion: contribution (points), raw value, territory median, unit, direction."""
    rows = []
    for cid in result.weights:
        raw = values[cid] if cid in values.columns else pd.Series(dtype=float)
        contribution = result.contributions.at[bureau_id, cid] if cid in result.contributions.columns else np.nan
        rows.append({
            "Critère": settings.criteria[cid].label,
            "Sens": "favorise" if result.directions[cid] == "favours" else "pénalise",
            "Points": float(contribution) if pd.notna(contribution) else np.nan,
            "Valeur": float(raw.get(bureau_id, np.nan)),
            "Médiane du territoire": float(raw.median()) if len(raw) else np.nan,
            "Unité": units.get(cid) or criteria.unit_of(cid),
        })
    return pd.DataFrame(rows)


def results_history(results: pd.DataFrame, bureau_id: str, ours: tuple[str, ...],
                    elections: list[dict], reference: str) -> pd.DataFrame:
    """One row per election for a bureau: abstention, top two, our share (reference election
    only: "ours" names candidates of that election), carried flag.

    Plain Python over the bureau's few rows: the panel asks at every slider move.
    """
    by_election: dict[str, list[dict]] = {}
    for row in results[results["bureau_id"] == bureau_id].to_dict("records"):
        by_election.setdefault(row["election"], []).append(row)
    rows = []
    for e in reversed(elections):
        part = by_election.get(e["id"])
        if not part:
            continue
        first = part[0]
        top = sorted(part, key=lambda r: -r["share"] if pd.notna(r["share"]) else np.inf)[:2]
        leaders = [f"{r['candidate']} {fr.percent(r['share'])}" for r in top]
        our = sum(r["share"] for r in part if r["candidate"] in ours) if ours else np.nan
        rows.append({
            "Élection": e["label"],
            "Abstention (%)": 100 * (1 - first["voters"] / first["registered"]) if first["registered"] else np.nan,
            "En tête": leaders[0] if leaders else "",
            "Deuxième": leaders[1] if len(leaders) > 1 else "",
            "Notre camp (%)": our if e["id"] == reference and ours else np.nan,
            "Série": "reportée (découpage 2017)" if any(bool(r["carried"]) for r in part) else "officielle",
        })
    return pd.DataFrame(rows)


def ranking(result: PriorityResult, labels: pd.Series, values: pd.DataFrame,
            settings: Settings, anomalies: pd.DataFrame | None = None,
            notes: Mapping[str, pd.Series] | None = None) -> pd.DataFrame:
    """The ranking table (French headers), best first; criteria raw values alongside.

    ``notes`` (:func:`bureau_notes`: « Potentiel », « Quartier prioritaire ») are text columns
    read beside the rank, e.g. « favorable ↑ ».

    ``anomalies`` (:func:`lib.anomalies.of`) adds a « Signalements » column: a flagged bureau
    is shown as such wherever it appears, ranked or set aside. A criterion read from an imported
    election keeps its column, empty, under a header that says why (``result.withheld``): the
    table shown is the table downloaded.
    """
    t = result.table
    out = pd.DataFrame({
        "Rang": t["rank"], "Bureau": t.index, "Libellé": labels.reindex(t.index).to_numpy(),
        "Score": t["score"].round(1), "Classe": (t["class_id"] + 1).astype("Int64"),
        "Pèsent le plus": t["top"], "Critères manquants": t["missing"],
    }, index=t.index)
    for position, (header, column) in enumerate((notes or {}).items(), start=5):
        out.insert(position, header, column.reindex(t.index).fillna("").to_numpy())
    if anomalies is not None and len(anomalies):
        flags = anomalies.groupby("bureau_id")["kind_label"].agg(lambda k: "; ".join(dict.fromkeys(k)))
        out["Signalements"] = flags.reindex(t.index).fillna("").to_numpy()
    for cid in result.weights:
        if cid in result.withheld:  # the campaign's own file: named, never copied into the table
            out[f"{settings.criteria[cid].label} ({WITHHELD})"] = pd.NA
        elif cid in values.columns:
            out[settings.criteria[cid].label] = values[cid].reindex(t.index).round(2)
    return out.sort_values(["Rang", "Bureau"], na_position="last").reset_index(drop=True)


WITHHELD = "élection importée : non exporté"


def bureau_notes(potential: pd.Series | None, qpv_names: Mapping[str, str] | None) -> dict[str, pd.Series]:
    """The text columns a ranking and its exports carry beside the rank, when there is something
    to say: the potential category and its movement, the quartier prioritaire."""
    notes = {}
    if potential is not None and (potential.fillna("") != "").any():
        notes["Potentiel"] = potential
    if qpv_names:
        notes["Quartier prioritaire"] = pd.Series(qpv_names, dtype=object)
    return notes


def export_note(result: PriorityResult, settings: Settings) -> str:
    """What the exports leave out of an imported election, said in their provenance ("" when nothing)."""
    if not result.withheld:
        return ""
    names = ", ".join(f"« {settings.criteria[cid].label} »" for cid in result.withheld)
    return (f"{names} : valeurs lues dans une élection importée par la campagne, jamais exportées bureau par "
            "bureau (colonnes vides) ; le score et le rang, calculés avec elles, sont exportés.")
