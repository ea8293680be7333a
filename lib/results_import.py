"""A campaign's own results file → a new election usable by the scoring, for the session only.

Accepts the Ministère de l'Intérieur layouts (wide, long; ``;`` or ``,``; UTF-8 or Latin-1;
decimal commas) and a simple long CSV (bureau ; candidat ; voix ; inscrits ; votants). Nothing
is written to disk: the page keeps the result in the session and offers a download on request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping
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


REGISTERED_RATIO_MAX = 2.0  # the file's inscrits over the territory's, typical bureau: beyond, refused
BUREAU_RATIO_MAX = 3.0  # one bureau beyond this (a redrawn bureau, a typo) is listed, not refused


def _registered_check(results: pd.DataFrame, registered: Mapping[str, float], filename: str) -> list[str]:
    """Compare the file's inscrits with the territory's registered voters, bureau by bureau.

    Why: plausibility judged against the file's own median accepted a file whose every bureau was
    ×10. Registered voters move by a few per cent between elections, so a typical bureau off by
    more than ×2 means a multiplied file, a wrong column or another commune: refused, said in
    French. Single bureaux far off are listed as a warning.
    """
    ours = pd.Series(registered, dtype=float)
    theirs = results.drop_duplicates("bureau_id").set_index("bureau_id")["registered"].astype(float)
    both = pd.DataFrame({"file": theirs, "territory": ours.reindex(theirs.index)}).dropna()
    both = both[(both["file"] > 0) & (both["territory"] > 0)]
    if both.empty:
        return []
    ratio = both["file"] / both["territory"]
    typical = float(ratio.median())
    if not 1 / REGISTERED_RATIO_MAX <= typical <= REGISTERED_RATIO_MAX:
        bid = (ratio - typical).abs().idxmin()
        raise TerrainError(f"les inscrits du fichier ne correspondent pas à ce territoire : {fr.number(typical, 1)} fois "
                           f"ceux des données pour un bureau typique (bureau {bid} : {fr.number(both.at[bid, 'file'])} "
                           f"inscrits dans le fichier, {fr.number(both.at[bid, 'territory'])} dans les données). "
                           "Fichier multiplié, mauvaise colonne ou autre commune ? Vérifiez le fichier ; rien n'a été "
                           "importé.", source=filename)
    far = ratio[(ratio > BUREAU_RATIO_MAX) | (ratio < 1 / BUREAU_RATIO_MAX)]
    if far.empty:
        return []
    sample = ", ".join(f"{b} ({fr.number(both.at[b, 'file'])} contre {fr.number(both.at[b, 'territory'])})"
                       for b in far.index[:5])
    return [f"{fr.counted(len(far), 'bureau', 'bureaux')} dont les inscrits s'écartent de plus de "
            f"{fr.number(BUREAU_RATIO_MAX)} fois de ceux des données : {sample}{' …' if len(far) > 5 else ''}. "
            "Vérifiez ces lignes du fichier."]


def import_results(data: bytes, filename: str, *, election_label: str, known_bureaux: Collection[str],
                   max_bytes: int, budget_s: float = UPLOAD_BUDGET_S,
                   registered: Mapping[str, float] | None = None) -> ImportedElection:
    """Validate an uploaded results file and keep the rows of the territory's bureaux.

    ``registered``: the territory's registered voters per bureau; the file's inscrits are checked
    against them (:func:`_registered_check`)."""
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
    if registered is not None:
        warnings += _registered_check(results[inside], registered, filename)
    missing = len(known) - matched
    if missing:
        warnings.append(f"{missing} bureau(x) du territoire sans résultat dans ce fichier.")
    if results["expressed"].isna().any():
        warnings.append("exprimés absents : calculés comme la somme des voix.")
    return ImportedElection(election, label, results[inside].reset_index(drop=True), matched, unmatched, warnings)
