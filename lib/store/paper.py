"""Paper returns: an exported walk list filled in by hand (« Statut » column), read back into its plan.

Nothing is ignored without a word: each line is recorded, already up to date, at an address of the
opposition list (never recorded), or in conflict. A conflict is a line whose address already has
another status *from a phone*: the phone's status was recorded at the door, with its time, and a
paper line has none, so the phone's status is kept and the conflict is listed (address, both
statuses, the phone's time) for the organiser to decide. Asked to, the paper statuses replace
them, as new taps marked « papier » (the phone's taps stay in the history).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lib import fr, uploads
from lib.config import BYTES_PER_MB
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, status_hint
from lib.errors import TerrainError
from lib.minint import read_table
from lib.store import retention
from lib.store.db import write
from lib.store.links import RETENTION
from lib.store.models import Campaign, DoorTap, Turf, TurfAddress, WalkPlan, utcnow
from lib.store.returns import INSERTS, latest_tap_ids
from lib.store.sensitive import opposed_stops

CONFLICT_COLUMNS = ["Parcours", "N°", "Adresse", "Statut du téléphone", "Noté le", "Statut papier"]


MAX_PAPER_ROWS = 100_000  # lines of a paper return (a whole city's plan is a few tens of thousands)
MAX_PAPER_BYTES = 20 * BYTES_PER_MB  # the server's upload limit (.streamlit/config.toml)
MAX_STOP = 100_000  # an « Ordre » beyond this is not a stop of a turf


def _read_paper(data: bytes, filename: str) -> pd.DataFrame:
    """Every row of a filled-in walk list (CSV, or XLSX with one sheet per turf), as texts, with the
    line each came from (``uploads.WHERE``). Spreadsheets are streamed and capped (:mod:`lib.uploads`)."""
    if len(data) > MAX_PAPER_BYTES:
        raise TerrainError(f"fichier trop volumineux ({fr.number(len(data) / BYTES_PER_MB, 1)} Mo, limite "
                           f"{fr.number(MAX_PAPER_BYTES / BYTES_PER_MB)} Mo) : envoyez les parcours en plusieurs "
                           "fichiers.", source=filename)
    if uploads.is_xlsx(data):
        frames = [f for _, f in uploads.xlsx_sheets(data, filename, max_rows=MAX_PAPER_ROWS)
                  if {"Équipe", "Ordre"} <= set(f.columns)]
        if not frames:
            raise TerrainError("aucun onglet de parcours (colonnes « Équipe » et « Ordre ») dans ce classeur.",
                               source=filename)
        return pd.concat(frames, ignore_index=True)
    table = read_table(data, name=filename)
    if len(table) > MAX_PAPER_ROWS:
        raise TerrainError(f"{fr.number(len(table))} lignes : trop de lignes (limite {fr.number(MAX_PAPER_ROWS)}). "
                           "Envoyez les parcours en plusieurs fichiers.", source=filename)
    return table.assign(**{uploads.WHERE: [f"ligne {i + 2}" for i in range(len(table))]})


def _stop_numbers(order: pd.Series, where: pd.Series, filename: str) -> pd.Series:
    """« Ordre » as whole stop numbers; a line whose order is not one (« 2,9 », « 3.7 », « x ») is refused
    by name: guessing (truncating, skipping) would put a status on the wrong door or lose it."""
    text = order.fillna("").astype(str).str.strip()
    whole = text.str.fullmatch(r"\d{1,9}")
    stop = pd.to_numeric(text.where(whole), errors="coerce")
    bad = ~whole | (stop < 1) | (stop > MAX_STOP)
    if bad.any():
        lines = [f"{w} (« {t} »)" for w, t in zip(where[bad], text[bad], strict=True)]
        more = f" et {fr.number(len(lines) - 5)} autre(s)" if len(lines) > 5 else ""
        raise TerrainError(f"colonne « Ordre » : numéro d'adresse entier attendu (1, 2, 3…) là où un statut est "
                           f"écrit ; {', '.join(lines[:5])}{more}. Corrigez ces lignes et réessayez (rien n'a été "
                           "enregistré).", source=filename)
    return stop.astype(int)


def paper_statuses(data: bytes, filename: str) -> pd.DataFrame:
    """(code, stop, status, line) of each line where a « Statut » was filled by hand, in file order."""
    table = _read_paper(data, filename)
    cols = {fr.fold(c).strip(): c for c in table.columns}
    key = fr.fold(STATUS_COLUMN)
    if any(c not in cols for c in ("equipe", "ordre", key)):
        raise TerrainError(f"colonnes « Équipe », « Ordre » et « {STATUS_COLUMN} » attendues (la liste exportée "
                           f"a une colonne « {STATUS_COLUMN} » à remplir).", source=filename)
    by_label = {fr.fold(label): code for code, label in DOOR_STATUSES.items()}
    written = table[cols[key]].fillna("").astype(str)
    status = written.map({v: by_label.get(fr.fold(v).strip(), "") for v in written.unique()})  # fold each text once
    typed = written.str.strip() != ""
    if (typed & (status == "")).any():
        raise TerrainError(f"statut non reconnu : écrivez {status_hint()}.", source=filename)
    if not typed.any():  # said, never « 0 statut enregistré » as if the file had been read
        raise TerrainError(f"aucun statut écrit dans la colonne « {STATUS_COLUMN} » ({fr.number(len(table))} "
                           f"ligne(s) lue(s)) : remplissez-la ({status_hint()}) et réessayez.", source=filename)
    filled = table[typed.to_numpy()]
    where = filled[uploads.WHERE]
    return pd.DataFrame({"code": filled[cols["equipe"]].fillna("").astype(str).str.strip(),
                         "stop": _stop_numbers(filled[cols["ordre"]], where, filename),
                         "status": status[typed], "line": where}).reset_index(drop=True)


@dataclass(frozen=True)
class PaperReturns:
    """What became of each line of a paper list."""

    recorded: int
    unchanged: int  # the address already had this status
    opposed: int  # addresses of the opposition list: never recorded
    conflicts: pd.DataFrame  # CONFLICT_COLUMNS: a phone already noted another status (kept)

    def summary(self) -> str:
        """One French sentence: how many lines were recorded, and why the others were not."""
        parts = [f"{self.recorded} statut(s) enregistré(s)"]
        if self.unchanged:
            parts.append(f"{self.unchanged} déjà à jour")
        if self.opposed:
            parts.append(f"{self.opposed} adresse(s) de la liste d'opposition non enregistrée(s)")
        if len(self.conflicts):
            parts.append(f"{len(self.conflicts)} en conflit avec un téléphone (statut du téléphone gardé)")
        return "Retours papier : " + " ; ".join(parts) + "."


def _refuse_closed_plan(s: Session, plan_id: int) -> None:
    """Paper returns for a campaign whose retention is over are refused as a whole (nothing recorded)."""
    row = s.execute(select(*RETENTION).join(WalkPlan, WalkPlan.campaign_id == Campaign.id)
                    .where(WalkPlan.id == plan_id)).first()
    if row is None:
        raise TerrainError("ce plan de porte-à-porte n'existe plus.")
    if retention.is_expired(row.election_date, row.retention_days):
        raise TerrainError(retention.PAPER_CLOSED)


def _current(s: Session, plan_id: int) -> dict[int, tuple[str, str, datetime, str]]:
    """stop id → (status, source, time, tap key) of its latest tap (by tap time), for one plan."""
    last = latest_tap_ids(DoorTap.turf_id.in_(select(Turf.id).where(Turf.plan_id == plan_id)))
    rows = s.execute(select(DoorTap.stop_id, DoorTap.status, DoorTap.source, DoorTap.recorded_at, DoorTap.tap_id)
                     .where(DoorTap.id.in_(last)))
    return {int(stop): (str(status), str(source), at, str(key)) for stop, status, source, at, key in rows}


def _plan_stops(s: Session, plan_id: int, rows: pd.DataFrame, filename: str) -> dict[tuple[str, int], tuple]:
    """(code, stop) → (turf id, stop id, label); a French error naming lines that are not in the plan."""
    stops = {(c, int(n)): (t, a, lab) for c, n, t, a, lab in s.execute(
        select(Turf.code, TurfAddress.stop, Turf.id, TurfAddress.id, TurfAddress.label)
        .join(TurfAddress, TurfAddress.turf_id == Turf.id).where(Turf.plan_id == plan_id))}
    unknown = [f"{c} n° {n} ({w})" for c, n, w in zip(rows["code"], rows["stop"], rows["line"], strict=True)
               if (c, n) not in stops]
    if unknown:
        raise TerrainError(f"adresses absentes de ce plan : {', '.join(unknown[:5])}.", source=filename)
    return stops


def _sent_before(s: Session, plan_id: int, prefix: str) -> int:
    """How many taps this very file (same bytes) recorded in earlier uploads."""
    return int(s.scalar(select(func.count()).select_from(DoorTap).join(Turf, Turf.id == DoorTap.turf_id)
                        .where(Turf.plan_id == plan_id, DoorTap.tap_id.startswith(prefix))) or 0)


def record_paper_returns(engine: Engine, plan_id: int, data: bytes, filename: str, *,
                         replace_phone: bool = False) -> PaperReturns:
    """Record the statuses of a filled-in paper list for a plan (module docstring: conflicts).

    The file is read and checked entirely before the database is touched; then one short
    transaction decides every line in file order and inserts the new taps at once. Each line is
    a tap of its own, keyed by the file's content, the upload and the line: a re-visit (absent,
    then ouvert, then absent again — on one sheet or over several uploads, even an upload identical
    to an earlier one) ends on its last status. The same file sent again while its addresses'
    latest statuses are still its own (a double click, a retry) records nothing twice.

    ``replace_phone``: the organiser checked the conflicts; the paper statuses replace the phones'.
    """
    rows = paper_statuses(data, filename)
    lines = list(zip(rows["code"].tolist(), rows["stop"].tolist(), rows["status"].tolist(), strict=True))
    prefix = f"papier:{hashlib.sha256(data).hexdigest()[:24]}:"

    def work(s: Session) -> PaperReturns:
        _refuse_closed_plan(s, plan_id)
        stops = _plan_stops(s, plan_id, rows, filename)
        gone = opposed_stops(s, Turf.plan_id == plan_id)
        current = _current(s, plan_id)
        prefix_now = f"{prefix}{_sent_before(s, plan_id, prefix)}:"
        counts = {"recorded": 0, "unchanged": 0, "opposed": 0}
        conflicts, taps, now, fresh = [], [], utcnow(), set()
        for n, (code, stop, status) in enumerate(lines):
            turf_id, stop_id, label = stops[(code, stop)]
            last = current.get(stop_id)
            tap_id = f"{prefix_now}{n}"
            if stop_id in gone:
                counts["opposed"] += 1
            elif last is not None and (last[0] == status or (last[3].startswith(prefix) and stop_id not in fresh)):
                counts["unchanged"] += 1
            elif last is not None and last[1] != "papier" and not replace_phone:
                conflicts.append((code, stop, label, DOOR_STATUSES[last[0]], f"{last[2]:%d/%m/%Y %H:%M}",
                                  DOOR_STATUSES[status]))
            else:
                taps.append({"turf_id": turf_id, "stop_id": stop_id, "tap_id": tap_id, "status": status,
                             "source": "papier", "recorded_at": now})
                current[stop_id] = (status, "papier", now, tap_id)
                fresh.add(stop_id)
        if taps:  # in file order: the last line of an address is its latest tap
            s.connection().execute(INSERTS[s.get_bind().dialect.name](DoorTap.__table__).on_conflict_do_nothing(
                index_elements=["turf_id", "tap_id"]), taps)  # Core executemany: no ORM bookkeeping per row
        counts["recorded"] = len(taps)
        return PaperReturns(**counts, conflicts=pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS))
    return write(engine, work)
