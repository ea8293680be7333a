"""Potential categories per bureau and how they moved since the previous comparable election.

A bureau is a *bastion*, *favorable*, *disputé* or *difficile* for our side according to its gap
to our territory-wide share (:func:`lib.criteria.potential_gap`, thresholds in ``config.toml``
``[potential]``), as the German Greens' district cockpit classes polling stations against the
regional average. The movement (↑ / ↓ / =) compares with the category the same bureau had at the
previous election of the same kind (a municipale with the previous municipale), our side being
found there by its blocs or nuances (:func:`lib.criteria.ours_in`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import criteria, fr
from lib.config import Bloc, PotentialThresholds

CATEGORIES = ("difficile", "disputé", "favorable", "bastion")  # weakest first: the order of ↑ / ↓
UP, DOWN, SAME = "↑", "↓", "="
COLUMNS = ["gap", "category", "previous_gap", "previous_category", "movement", "label"]


def categorise(gap: pd.Series, thresholds: PotentialThresholds) -> pd.Series:
    """The category of each gap (points); no category where the gap is missing."""
    values = gap.to_numpy(dtype=float, na_value=np.nan)
    picked = np.select([values >= thresholds.bastion, values >= thresholds.favorable,
                        values >= thresholds.dispute, values < thresholds.dispute],
                       list(reversed(CATEGORIES)), default="")
    return pd.Series(picked, index=gap.index, dtype=object).replace("", None).rename("category")


def movement(now: pd.Series, before: pd.Series) -> pd.Series:
    """↑ (stronger category), ↓ (weaker) or = per bureau; "" where either category is missing."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    a = now.map(order).astype(float)
    b = before.reindex(now.index).map(order).astype(float)
    out = np.where(a > b, UP, np.where(a < b, DOWN, SAME))
    return pd.Series(np.where(a.notna() & b.notna(), out, ""), index=now.index, dtype=object).rename("movement")


def previous_comparable(elections: Sequence[Mapping], election: str) -> Mapping | None:
    """The latest earlier election of the same kind with results, the same round preferred.

    Why the same kind: a municipale against a présidentielle would read turnout habits as
    movement. A different round is taken only when no same-round election exists.
    """
    ref = next((e for e in elections if e["id"] == election), None)
    if ref is None or not ref.get("kind") or ref.get("year") is None:
        return None
    earlier = [e for e in elections if e.get("kind") == ref["kind"] and e.get("year") is not None
               and int(e["year"]) < int(ref["year"]) and e.get("has_results", True)]
    if not earlier:
        return None
    return max(earlier, key=lambda e: (e.get("round") == ref.get("round"), int(e["year"])))


@dataclass(frozen=True)
class Potential:
    """Per bureau: gap, category, the previous ones, movement and a label (« favorable ↑»)."""

    frame: pd.DataFrame  # index bureau_id, COLUMNS
    previous: str = ""  # label of the election the movement compares with ("" = none)
    note: str = ""  # French: why there is no category or no movement ("" when both exist)

    def label(self, bureau_id: str) -> str:
        """« favorable ↑ » for one bureau ("" when it has no category)."""
        return str(self.frame["label"].get(bureau_id, "") or "") if len(self.frame) else ""


def _labels(category: pd.Series, moved: pd.Series) -> pd.Series:
    text = category.fillna("").astype(str) + " " + moved.replace(SAME, "").fillna("")
    return text.str.strip().rename("label")


def potential(results: pd.DataFrame, elections: Sequence[Mapping], choices: criteria.Choices,
              blocs: Mapping[str, Bloc], thresholds: PotentialThresholds) -> Potential:
    """Categories of every bureau of ``results`` in the reference election and their movement."""
    if not choices.ours:
        return Potential(pd.DataFrame(columns=COLUMNS), note="cochez notre camp pour classer les bureaux")
    gap = criteria.potential_gap(results, choices.election, choices.ours)
    category = categorise(gap, thresholds)
    frame = pd.DataFrame({"gap": gap, "category": category})
    prev = previous_comparable(elections, choices.election)
    note, prev_gap = "", pd.Series(np.nan, index=gap.index)
    ours_then = criteria.ours_in(results, prev["id"], choices, blocs) if prev else []
    if prev is None:
        note = "pas d'élection précédente du même type avec des résultats : pas d'évolution"
    elif not ours_then:
        note = f"notre camp n'a pas de candidat reconnu dans {prev['label']} : pas d'évolution"
    else:
        prev_gap = criteria.potential_gap(results, prev["id"], ours_then).reindex(gap.index)
    frame["previous_gap"] = prev_gap
    frame["previous_category"] = categorise(prev_gap, thresholds)
    frame["movement"] = movement(frame["category"], frame["previous_category"])
    frame["label"] = _labels(frame["category"], frame["movement"])
    return Potential(frame.rename_axis("bureau_id"), previous=prev["label"] if prev and ours_then else "", note=note)


def labels_for(found: Potential | None, index: pd.Index) -> pd.Series:
    """« favorable ↑ » per bureau of ``index`` ("" where there is none, or no categories at all)."""
    if found is None or not len(found.frame):
        return pd.Series("", index=index, dtype=object)
    return found.frame["label"].reindex(index).fillna("")


def explanation(found: Potential, thresholds: PotentialThresholds) -> str:
    """One French sentence on what « Potentiel » means here and what its arrows compare with."""
    text = (f"« Potentiel » : écart de notre score à notre moyenne du territoire — bastion ≥ "
            f"{fr.number(thresholds.bastion, 1)} pts, favorable ≥ {fr.number(thresholds.favorable, 1)}, "
            f"disputé ≥ {fr.number(thresholds.dispute, 1)}, difficile en dessous")
    if found.previous:
        return text + f" ; ↑ / ↓ : catégorie gagnée ou perdue depuis {found.previous}."
    return text + (f" ; {found.note}." if found.note else ".")


def tooltip(row: pd.Series, previous: str) -> str:
    """Two lines for a map tooltip: the category and gap, then the movement and its reference."""
    if not row.get("category"):
        return "pas de catégorie (notre camp absent de ce bureau)"
    text = f"{row['category']} ({fr.number(row['gap'], 1)} pts vs notre moyenne)"
    if row.get("movement"):
        text += f"\n{row['movement']} depuis {previous} ({row['previous_category']})"
    return text
