"""A campaign's own results file → a new election usable by the scoring, for the session only.

Accepts the Ministère de l'Intérieur layouts (wide, long; ``;`` or ``,``; UTF-8 or Latin-1;
decimal commas) and a simple long CSV (bureau ; candidat ; voix ; inscrits ; votants). Nothing
is written to disk: the page keeps the result in the session and offers a download on request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import pandas as pd

from lib import fr, minint
from lib.config import BYTES_PER_MB
from lib.errors import TerrainError


@dataclass(frozen=True)
class ImportedElection:
    """An uploaded election, validated and joined to the territory's bureaux."""

    id: str
    label: str
    results: pd.DataFrame  # contract columns, only bureaux of the territory
    matched: int
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def descriptor(self) -> dict:
        """Election metadata in the form of ``metadata.json`` → ``elections``."""
        return {"id": self.id, "label": f"{self.label} (import)", "kind": "import", "year": 0, "round": None,
                "value_kind": "votes", "carried": False, "source": "fichier importé (session)",
                "bureaux": self.matched, "has_results": True}


IMPORT_PREFIX = "import_"  # reserved for imported elections (lib.contract.ELECTION_PATTERN)


def election_id_for(label: str) -> str:
    """``import_<slug>`` from a free label (« Législatives 2022 T1 » → ``import_legislatives_2022_t1``)."""
    return f"{IMPORT_PREFIX}{fr.slug(label) or 'election'}"


def is_imported(election_id: str | None) -> bool:
    """True for an election a campaign imported (its per-bureau values never leave in an export)."""
    return bool(election_id) and str(election_id).startswith(IMPORT_PREFIX)


def _layout(table: pd.DataFrame) -> str:
    cols = " ".join(minint.fold_header(c) for c in table.columns)
    if re.search(r"\bvoix 1\b", cols):
        return "wide"
    return "long"


def _unmatched_warnings(unmatched: list[str], known: set[str]) -> list[str]:
    """Bureaux of the file the territory does not know: in one of its communes (no contour there —
    a new bureau, a renumbering) or in another commune (out of the territory)."""
    communes = {b.split("_")[0] for b in known}
    no_contour = [b for b in unmatched if b.split("_")[0] in communes]
    elsewhere = len(unmatched) - len(no_contour)
    out = []
    if no_contour:
        sample = ", ".join(f"bureau {b} : résultats sans contour" for b in no_contour[:5])
        out.append(f"{len(no_contour)} bureau(x) d'une commune du territoire sans contour dans les données, "
                   f"ignoré(s) ({sample}{'…' if len(no_contour) > 5 else ''}).")
    if elsewhere:
        out.append(f"{elsewhere} bureau(x) du fichier hors du territoire, ignoré(s).")
    return out


UPLOAD_BUDGET_S = 10.0  # a 20 MB national extract parses in ~2 s; far beyond means a hostile or wrong file
clock: Callable[[], float] = time.monotonic  # module-level so a test can drive it


@dataclass
class Budget:
    """Time allowed to one upload, checked between its stages (parsing is linear, but the page
    must answer within seconds whatever the file)."""

    seconds: float
    filename: str
    started: float = field(default_factory=lambda: clock())

    def check(self, stage: str) -> None:
        """A French error when the upload has used more than its time after ``stage``."""
        spent = clock() - self.started
        if spent > self.seconds:
            raise TerrainError(f"import arrêté après l'étape « {stage} » : {spent:.0f} s passées, au-delà de la "
                               f"limite de {self.seconds:.0f} s par fichier. Coupez le fichier à votre territoire "
                               "(une commune, une circonscription) et réessayez.", source=self.filename)


def import_results(data: bytes, filename: str, *, election_label: str, known_bureaux: Collection[str],
                   max_bytes: int, budget_s: float = UPLOAD_BUDGET_S) -> ImportedElection:
    """Validate an uploaded results file and keep the rows of the territory's bureaux."""
    budget = Budget(budget_s, filename)
    if len(data) > max_bytes:
        raise TerrainError(f"fichier trop volumineux ({len(data) / BYTES_PER_MB:.1f} Mo, limite "
                           f"{max_bytes / BYTES_PER_MB:.0f} Mo). Coupez-le à votre territoire et réessayez.", source=filename)
    label = (election_label or "").strip()
    if not label:
        raise TerrainError("donnez un nom à cette élection (ex. « Législatives 2022, 1er tour »).", source=filename)
    if filename.lower().endswith((".xlsx", ".xls", ".ods")):
        raise TerrainError("fichier tableur : enregistrez-le en CSV (séparateur « ; ») puis importez le CSV.",
                           source=filename)
    election = election_id_for(label)
    table = minint.read_table(data, name=filename)
    budget.check("lecture du fichier")
    if _layout(table) == "wide":
        results = minint.parse_wide(table, election=election, name=filename)
    else:
        results = minint.parse_long(table, election=election, name=filename)
    budget.check("lecture des résultats")
    known = set(known_bureaux)
    inside = results["bureau_id"].isin(known)
    bureaux = results["bureau_id"].unique()
    unmatched = sorted(set(bureaux) - known)
    matched = len(set(bureaux) & known)
    if matched == 0:
        sample = ", ".join(unmatched[:3])
        raise TerrainError(f"aucun bureau du fichier n'appartient à ce territoire (ex. {sample}). Vérifiez "
                           "la commune ou choisissez le bon territoire.", source=filename)
    budget.check("rapprochement avec les bureaux du territoire")
    warnings = _unmatched_warnings(unmatched, known)
    missing = len(known) - matched
    if missing:
        warnings.append(f"{missing} bureau(x) du territoire sans résultat dans ce fichier.")
    if results["expressed"].isna().any():
        warnings.append("exprimés absents : calculés comme la somme des voix.")
    return ImportedElection(election, label, results[inside].reset_index(drop=True), matched, unmatched, warnings)
