"""Field returns from the phones: idempotent door taps and turf totals (links: :mod:`lib.store.links`,
paper returns: :mod:`lib.store.paper`).

Privacy: a tap is a door status for an address (absent / ouvert / refus / à revoir); what people
said is only ever counted per turf (conversations, personnes intéressées, procurations).
A token resolves to exactly one turf and every query below is filtered by that turf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import fr
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL
from lib.errors import TerrainError
from lib.store.db import read, write
from lib.store.links import link_label, link_of
from lib.store.models import (
    DoorTap,
    Turf,
    TurfAddress,
    TurfReport,
    WalkPlan,
    utcnow,
)
from lib.store.sensitive import opposed_in, opposed_stops

OPPOSED = ("Cette adresse est sur la liste d'opposition de la campagne : ne frappez pas à cette porte. "
           "Rien n'a été enregistré ; rechargez la page.")
INSERTS: dict[str, Callable] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_ignore(s: Session, model: type, keys: list[str], values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on both backends; True when the row is new."""
    stmt: Insert = INSERTS[s.get_bind().dialect.name](model).values(**values)
    new = s.execute(stmt.on_conflict_do_nothing(index_elements=keys).returning(model.id)).first()
    return new is not None


# --- the phone page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TurfSheet:
    """What a volunteer's phone may see: its turf's code, addresses in order and their statuses."""

    code: str
    addresses: pd.DataFrame  # stop, label, est_doors, status ("" when not knocked)
    totals: dict[str, int]
    link: str = ""  # « T03 · lien 2 »: which link this phone holds, to tell the organiser


def turf_sheet(engine: Engine, token: str) -> TurfSheet:
    """The turf a link opens (nothing else: no campaign, no other turf, no opposition list).

    Addresses put on the campaign's opposition list after the plan was saved are left out.
    """
    def work(s: Session) -> TurfSheet:
        link = link_of(s, token)
        turf_id = link.turf_id
        code, campaign_id = s.execute(select(Turf.code, WalkPlan.campaign_id).join(WalkPlan, WalkPlan.id == Turf.plan_id)
                                      .where(Turf.id == turf_id)).one()
        rows = s.execute(select(TurfAddress.id, TurfAddress.stop, TurfAddress.label, TurfAddress.est_doors,
                                TurfAddress.address_id).where(TurfAddress.turf_id == turf_id)
                         .order_by(TurfAddress.stop)).all()
        status = latest_status(s, [turf_id])
        frame = pd.DataFrame([(r.stop, r.label, r.est_doors, status.get(r.id, ""), r.address_id) for r in rows],
                             columns=["stop", "label", "est_doors", "status", "address_id"])
        gone = opposed_in(s, campaign_id, frame)
        frame = frame[~frame["address_id"].isin(gone)].drop(columns="address_id").reset_index(drop=True)
        return TurfSheet(str(code), frame, report_totals(s, [turf_id]).get(turf_id, _zero_totals()),
                         link_label(str(code), link.number, link.note))
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
        turf_id = link_of(s, token).turf_id
        stop_id = s.scalar(select(TurfAddress.id).where(TurfAddress.turf_id == turf_id, TurfAddress.stop == int(stop)))
        if stop_id is None:
            raise TerrainError("adresse inconnue dans ce parcours : rechargez la page.")
        if opposed_stops(s, TurfAddress.id == stop_id):
            raise TerrainError(OPPOSED)
        return insert_ignore(s, DoorTap, ["turf_id", "tap_id"],
                              {"turf_id": turf_id, "stop_id": stop_id, "tap_id": tap_id, "status": status,
                               "source": source, "recorded_at": utcnow()})
    return write(engine, work)


def record_report(engine: Engine, token: str, report_id: str, *, conversations: int, interested: int,
                  proxies: int) -> bool:
    """Add end-of-outing totals to the token's turf (idempotent on ``report_id``)."""
    counts = {"conversations": conversations, "interested": interested, "proxies": proxies}
    if any(int(v) < 0 or int(v) > MAX_TURF_TOTAL for v in counts.values()):
        raise TerrainError(f"les totaux doivent être des nombres entre 0 et {fr.number(MAX_TURF_TOTAL)}.")

    def work(s: Session) -> bool:
        turf_id = link_of(s, token).turf_id
        return insert_ignore(s, TurfReport, ["turf_id", "report_id"],
                              {"turf_id": turf_id, "report_id": report_id, "recorded_at": utcnow(),
                               **{k: int(v) for k, v in counts.items()}})
    return write(engine, work)


# --- reading the returns ------------------------------------------------------------------------

def latest_status(s: Session, turf_ids: list[int]) -> dict[int, str]:
    """stop_id → latest door status of these turfs (the last tap wins)."""
    last = (select(func.max(DoorTap.id).label("id")).where(DoorTap.turf_id.in_(turf_ids))
            .group_by(DoorTap.stop_id).subquery())
    rows = s.execute(select(DoorTap.stop_id, DoorTap.status).join(last, last.c.id == DoorTap.id))
    return {int(a): str(b) for a, b in rows}


def _zero_totals() -> dict[str, int]:
    return {"conversations": 0, "interested": 0, "proxies": 0}


def report_totals(s: Session, turf_ids: list[int]) -> dict[int, dict[str, int]]:
    q = (select(TurfReport.turf_id, func.sum(TurfReport.conversations), func.sum(TurfReport.interested),
                func.sum(TurfReport.proxies)).where(TurfReport.turf_id.in_(turf_ids)).group_by(TurfReport.turf_id))
    return {int(t): {"conversations": int(c or 0), "interested": int(i or 0), "proxies": int(p or 0)}
            for t, c, i, p in s.execute(q)}
