"""Paper returns: an exported walk list filled in by hand (« Statut » column), read back into its plan.

Nothing is ignored without a word: each line is recorded, already up to date, at an address of the
opposition list (never recorded), or in conflict. A conflict is a line whose address already has
another status *from a phone*: the phone's status was recorded at the door, with its time, and a
paper line has none, so the phone's status is kept and the conflict is listed (address, both
statuses, the phone's time) for the organiser to decide. Asked to, the paper statuses replace
them, as new taps marked « papier » (the phone's taps stay in the history).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lib import fr
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, status_hint
from lib.errors import TerrainError
from lib.minint import read_table
from lib.store import retention
from lib.store.db import write
from lib.store.links import RETENTION
from lib.store.models import Campaign, DoorTap, Turf, TurfAddress, WalkPlan, utcnow
from lib.store.returns import insert_ignore, latest_tap_ids
from lib.store.sensitive import opposed_stops

CONFLICT_COLUMNS = ["Parcours", "N°", "Adresse", "Statut du téléphone", "Noté le", "Statut papier"]


def _read_paper(data: bytes, filename: str) -> pd.DataFrame:
    """Every row of a filled-in walk list (CSV, or XLSX with one sheet per turf)."""
    if data[:4] == b"PK\x03\x04":
        try:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str)
        except Exception as err:
            raise TerrainError("fichier Excel illisible : enregistrez-le à nouveau et réessayez.",
                               source=filename) from err
        frames = [f for f in sheets.values() if {"Équipe", "Ordre"} <= set(f.columns)]
        if not frames:
            raise TerrainError("aucun onglet de parcours (colonnes « Équipe » et « Ordre ») dans ce classeur.",
                               source=filename)
        return pd.concat(frames, ignore_index=True)
    return read_table(data, name=filename)


def paper_statuses(data: bytes, filename: str) -> pd.DataFrame:
    """(Équipe, Ordre, statut) from an exported list where a « Statut » column was filled by hand."""
    table = _read_paper(data, filename)
    cols = {fr.fold(c).strip(): c for c in table.columns}
    key = fr.fold(STATUS_COLUMN)
    if any(c not in cols for c in ("equipe", "ordre", key)):
        raise TerrainError(f"colonnes « Équipe », « Ordre » et « {STATUS_COLUMN} » attendues (la liste exportée "
                           f"a une colonne « {STATUS_COLUMN} » à remplir).", source=filename)
    by_label = {fr.fold(label): code for code, label in DOOR_STATUSES.items()}
    written = table[cols[key]].fillna("").astype(str)
    status = written.map(lambda v: by_label.get(fr.fold(v).strip(), ""))
    typed = written.str.strip() != ""
    if (typed & (status == "")).any():
        raise TerrainError(f"statut non reconnu : écrivez {status_hint()}.", source=filename)
    out = pd.DataFrame({"code": table[cols["equipe"]].astype(str).str.strip(),
                        "stop": pd.to_numeric(table[cols["ordre"]], errors="coerce"), "status": status})
    return out[typed & out["stop"].notna()].astype({"stop": int})


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


def _current(s: Session, plan_id: int) -> dict[int, tuple[str, str, datetime, int]]:
    """stop id → (status, source, time, tap id) of its latest tap, for one plan."""
    last = latest_tap_ids(DoorTap.turf_id.in_(select(Turf.id).where(Turf.plan_id == plan_id)))
    rows = s.execute(select(DoorTap.stop_id, DoorTap.status, DoorTap.source, DoorTap.recorded_at, DoorTap.id)
                     .where(DoorTap.id.in_(last)))
    return {int(stop): (str(status), str(source), at, int(tap)) for stop, status, source, at, tap in rows}


def _plan_stops(s: Session, plan_id: int, rows: pd.DataFrame, filename: str) -> dict[tuple[str, int], tuple]:
    """(code, stop) → (turf id, stop id, label); a French error naming lines that are not in the plan."""
    stops = {(c, int(n)): (t, a, lab) for c, n, t, a, lab in s.execute(
        select(Turf.code, TurfAddress.stop, Turf.id, TurfAddress.id, TurfAddress.label)
        .join(TurfAddress, TurfAddress.turf_id == Turf.id).where(Turf.plan_id == plan_id))}
    unknown = [f"{c} n° {n}" for c, n in zip(rows["code"], rows["stop"], strict=True) if (c, n) not in stops]
    if unknown:
        raise TerrainError(f"adresses absentes de ce plan : {', '.join(unknown[:5])}.", source=filename)
    return stops


def record_paper_returns(engine: Engine, plan_id: int, data: bytes, filename: str, *,
                         replace_phone: bool = False) -> PaperReturns:
    """Record the statuses of a filled-in paper list for a plan (module docstring: conflicts).

    ``replace_phone``: the organiser checked the conflicts; the paper statuses replace the phones'.
    """
    rows = paper_statuses(data, filename)

    def work(s: Session) -> PaperReturns:
        _refuse_closed_plan(s, plan_id)
        stops = _plan_stops(s, plan_id, rows, filename)
        gone = opposed_stops(s, Turf.plan_id == plan_id)
        current = _current(s, plan_id)
        counts = {"recorded": 0, "unchanged": 0, "opposed": 0}
        conflicts = []
        for code, stop, status in rows.itertuples(index=False):
            turf_id, stop_id, label = stops[(code, stop)]
            now = current.get(stop_id)
            if stop_id in gone:
                counts["opposed"] += 1
            elif now is not None and now[0] == status:
                counts["unchanged"] += 1
            elif now is not None and now[1] != "papier" and not replace_phone:
                conflicts.append((code, stop, label, DOOR_STATUSES[now[0]], f"{now[2]:%d/%m/%Y %H:%M}",
                                  DOOR_STATUSES[status]))
            else:
                tap = f"papier:{stop_id}:{status}:{now[3] if now else 0}"
                counts["recorded"] += insert_ignore(s, DoorTap, ["turf_id", "tap_id"], {
                    "turf_id": turf_id, "stop_id": stop_id, "tap_id": tap, "status": status, "source": "papier",
                    "recorded_at": utcnow()})
                current[stop_id] = (status, "papier", utcnow(), 0)
        return PaperReturns(**counts, conflicts=pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS))
    return write(engine, work)
