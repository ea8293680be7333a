"""Field returns: volunteer links (hashed tokens), idempotent door taps, turf totals, paper returns.

Privacy: a tap is a door status for an address (absent / ouvert / refus / à revoir); what people
said is only ever counted per turf (conversations, personnes intéressées, procurations).
A token resolves to exactly one turf and every query below is filtered by that turf.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, Insert, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import fr
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, status_hint
from lib.errors import TerrainError
from lib.minint import read_table
from lib.store import retention
from lib.store.db import read, write
from lib.store.models import (
    Campaign,
    DoorTap,
    Turf,
    TurfAddress,
    TurfReport,
    TurfToken,
    WalkPlan,
    utcnow,
)
from lib.store.sensitive import opposed_in, opposed_stops

BAD_LINK = ("Ce lien de retour n'est pas valable : il a été retiré, il a expiré ou il est incomplet. "
            "Demandez un nouveau lien à la personne qui organise votre sortie.")
OPPOSED = ("Cette adresse est sur la liste d'opposition de la campagne : ne frappez pas à cette porte. "
           "Rien n'a été enregistré ; rechargez la page.")
RETENTION = (Campaign.election_date, Campaign.retention_days)
INSERTS: dict[str, Callable] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _insert_ignore(s: Session, model: type, keys: list[str], values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on both backends; True when the row is new."""
    stmt: Insert = INSERTS[s.get_bind().dialect.name](model).values(**values)
    new = s.execute(stmt.on_conflict_do_nothing(index_elements=keys).returning(model.id)).first()
    return new is not None


# --- links -------------------------------------------------------------------------------------

def issue_link(engine: Engine, turf_id: int, *, days: int = 30, now: datetime | None = None) -> str:
    """A new secret token for one turf (only its hash is stored: show it once, in the link)."""
    token = secrets.token_urlsafe(32)
    start = now or utcnow()

    def work(s: Session) -> None:
        if s.get(Turf, turf_id) is None:
            raise TerrainError("parcours introuvable.")
        s.add(TurfToken(turf_id=turf_id, token_hash=_hash(token), created_at=start,
                        expires_at=start + timedelta(days=days)))
    write(engine, work)
    return token


def revoke_links(engine: Engine, turf_id: int) -> int:
    """Revoke every active link of a turf; returns how many."""
    def work(s: Session) -> int:
        q = (update(TurfToken).where(TurfToken.turf_id == turf_id, TurfToken.revoked_at.is_(None))
             .values(revoked_at=utcnow()))
        return s.execute(q).rowcount
    return write(engine, work)


def active_links(engine: Engine, turf_ids: list[int]) -> dict[int, int]:
    """Number of valid links per turf."""
    def work(s: Session) -> dict[int, int]:
        q = (select(TurfToken.turf_id, func.count()).where(
            TurfToken.turf_id.in_(turf_ids), TurfToken.revoked_at.is_(None), TurfToken.expires_at > utcnow())
            .group_by(TurfToken.turf_id))
        return {int(t): int(n) for t, n in s.execute(q)}
    return read(engine, work)


def _turf_of(s: Session, token: str, now: datetime | None = None) -> int:
    """The turf a token opens, or the same French message for wrong, revoked and expired links
    (and another one once the campaign's retention is over: nothing is recorded any more)."""
    if not token or len(token) > 200:
        raise TerrainError(BAD_LINK)
    row = s.execute(select(TurfToken.turf_id, TurfToken.expires_at, TurfToken.revoked_at, *RETENTION)
                    .join(Turf, Turf.id == TurfToken.turf_id).join(WalkPlan, WalkPlan.id == Turf.plan_id)
                    .join(Campaign, Campaign.id == WalkPlan.campaign_id)
                    .where(TurfToken.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= (now or utcnow()):
        raise TerrainError(BAD_LINK)
    if retention.is_expired(row.election_date, row.retention_days):
        raise TerrainError(retention.CLOSED)
    return int(row.turf_id)


def _refuse_closed_plan(s: Session, plan_id: int) -> None:
    """Paper returns for a campaign whose retention is over are refused as a whole (nothing recorded)."""
    row = s.execute(select(*RETENTION).join(WalkPlan, WalkPlan.campaign_id == Campaign.id)
                    .where(WalkPlan.id == plan_id)).first()
    if row is None:
        raise TerrainError("ce plan de porte-à-porte n'existe plus.")
    if retention.is_expired(row.election_date, row.retention_days):
        raise TerrainError(retention.PAPER_CLOSED)


# --- the phone page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TurfSheet:
    """What a volunteer's phone may see: its turf's code, addresses in order and their statuses."""

    code: str
    addresses: pd.DataFrame  # stop, label, est_doors, status ("" when not knocked)
    totals: dict[str, int]


def turf_sheet(engine: Engine, token: str) -> TurfSheet:
    """The turf a link opens (nothing else: no campaign, no other turf, no opposition list).

    Addresses put on the campaign's opposition list after the plan was saved are left out.
    """
    def work(s: Session) -> TurfSheet:
        turf_id = _turf_of(s, token)
        code, campaign_id = s.execute(select(Turf.code, WalkPlan.campaign_id).join(WalkPlan, WalkPlan.id == Turf.plan_id)
                                      .where(Turf.id == turf_id)).one()
        rows = s.execute(select(TurfAddress.id, TurfAddress.stop, TurfAddress.label, TurfAddress.est_doors,
                                TurfAddress.address_id).where(TurfAddress.turf_id == turf_id)
                         .order_by(TurfAddress.stop)).all()
        status = _latest_status(s, [turf_id])
        frame = pd.DataFrame([(r.stop, r.label, r.est_doors, status.get(r.id, ""), r.address_id) for r in rows],
                             columns=["stop", "label", "est_doors", "status", "address_id"])
        gone = opposed_in(s, campaign_id, frame)
        frame = frame[~frame["address_id"].isin(gone)].drop(columns="address_id").reset_index(drop=True)
        return TurfSheet(str(code), frame, _report_totals(s, [turf_id]).get(turf_id, _zero_totals()))
    return read(engine, work)


def record_tap(engine: Engine, token: str, stop: int, status: str, tap_id: str, *, source: str = "telephone") -> bool:
    """Record a door status for stop ``stop`` of the token's turf; a repeated ``tap_id`` is ignored.

    Returns True when the tap is new. Why the client id: a phone on a bad connection resends.
    """
    if status not in DOOR_STATUSES:
        raise TerrainError(f"statut de porte inconnu « {status} ».")
    if not tap_id or len(tap_id) > 64:
        raise TerrainError("identifiant de saisie invalide : rechargez la page.")

    def work(s: Session) -> bool:
        turf_id = _turf_of(s, token)
        stop_id = s.scalar(select(TurfAddress.id).where(TurfAddress.turf_id == turf_id, TurfAddress.stop == int(stop)))
        if stop_id is None:
            raise TerrainError("adresse inconnue dans ce parcours : rechargez la page.")
        if opposed_stops(s, TurfAddress.id == stop_id):
            raise TerrainError(OPPOSED)
        return _insert_ignore(s, DoorTap, ["turf_id", "tap_id"],
                              {"turf_id": turf_id, "stop_id": stop_id, "tap_id": tap_id, "status": status,
                               "source": source, "recorded_at": utcnow()})
    return write(engine, work)


def record_report(engine: Engine, token: str, report_id: str, *, conversations: int, interested: int,
                  proxies: int) -> bool:
    """Add end-of-outing totals to the token's turf (idempotent on ``report_id``)."""
    counts = {"conversations": conversations, "interested": interested, "proxies": proxies}
    if any(int(v) < 0 or int(v) > 10_000 for v in counts.values()):
        raise TerrainError("les totaux doivent être des nombres entre 0 et 10 000.")

    def work(s: Session) -> bool:
        turf_id = _turf_of(s, token)
        return _insert_ignore(s, TurfReport, ["turf_id", "report_id"],
                              {"turf_id": turf_id, "report_id": report_id, "recorded_at": utcnow(),
                               **{k: int(v) for k, v in counts.items()}})
    return write(engine, work)


# --- reading the returns ------------------------------------------------------------------------

def _latest_status(s: Session, turf_ids: list[int]) -> dict[int, str]:
    """stop_id → latest door status of these turfs (the last tap wins)."""
    last = (select(func.max(DoorTap.id).label("id")).where(DoorTap.turf_id.in_(turf_ids))
            .group_by(DoorTap.stop_id).subquery())
    rows = s.execute(select(DoorTap.stop_id, DoorTap.status).join(last, last.c.id == DoorTap.id))
    return {int(a): str(b) for a, b in rows}


def _zero_totals() -> dict[str, int]:
    return {"conversations": 0, "interested": 0, "proxies": 0}


def _report_totals(s: Session, turf_ids: list[int]) -> dict[int, dict[str, int]]:
    q = (select(TurfReport.turf_id, func.sum(TurfReport.conversations), func.sum(TurfReport.interested),
                func.sum(TurfReport.proxies)).where(TurfReport.turf_id.in_(turf_ids)).group_by(TurfReport.turf_id))
    return {int(t): {"conversations": int(c or 0), "interested": int(i or 0), "proxies": int(p or 0)}
            for t, c, i, p in s.execute(q)}


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


def record_paper_returns(engine: Engine, plan_id: int, data: bytes, filename: str) -> int:
    """Record the statuses of a filled-in paper list for a plan; re-uploading the same file adds nothing."""
    rows = paper_statuses(data, filename)

    def work(s: Session) -> int:
        _refuse_closed_plan(s, plan_id)
        stops = {(c, int(n)): (t, a) for c, n, t, a in s.execute(
            select(Turf.code, TurfAddress.stop, Turf.id, TurfAddress.id)
            .join(TurfAddress, TurfAddress.turf_id == Turf.id).where(Turf.plan_id == plan_id))}
        unknown = [f"{c} n° {n}" for c, n in zip(rows["code"], rows["stop"], strict=True) if (c, n) not in stops]
        if unknown:
            raise TerrainError(f"adresses absentes de ce plan : {', '.join(unknown[:5])}.", source=filename)
        new = 0
        gone = opposed_stops(s, Turf.plan_id == plan_id)
        for code, stop, status in rows.itertuples(index=False):
            turf_id, stop_id = stops[(code, stop)]
            if stop_id in gone:
                continue
            new += _insert_ignore(s, DoorTap, ["turf_id", "tap_id"],
                                  {"turf_id": turf_id, "stop_id": stop_id, "tap_id": f"papier:{stop}:{status}",
                                   "status": status, "source": "papier", "recorded_at": utcnow()})
        return new
    return write(engine, work)
