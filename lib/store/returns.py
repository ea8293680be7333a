"""Field returns from the phones: idempotent door taps and turf totals (links: :mod:`lib.store.links`,
paper returns: :mod:`lib.store.paper`).

Privacy: a tap is a door status for an address (absent / ouvert / refus / à revoir); what people
said is only ever counted per turf (conversations, personnes intéressées, procurations).
A token resolves to exactly one turf and every query below is filtered by that turf.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import fr
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL, STOP_MAX, TURF_TOTALS, status_hint, totals_cap
from lib.errors import TerrainError
from lib.store.checks import Bad, integer, text
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


def _checked(check, value: object, message: str) -> object:
    """``check(value)`` or a French :class:`TerrainError` (``message`` then the reason)."""
    try:
        return check(value)
    except (Bad, TypeError) as bad:
        raise TerrainError(f"{message} ({bad}) : rien n'a été enregistré.") from None


def _client_id(value: object) -> str:
    return str(_checked(text(64, required=True), value, "identifiant de saisie invalide, rechargez la page"))


def record_tap(engine: Engine, token: str, stop: int, status: str, tap_id: str, *, source: str = "telephone") -> bool:
    """Record a door status for stop ``stop`` of the token's turf; a repeated ``tap_id`` is ignored.

    Returns True when the tap is new. Why the client id: a phone on a bad connection resends.
    Every value is checked first (a stop of 10^30, a status that is not one): a French error,
    nothing stored.
    """
    if not isinstance(status, str) or status not in DOOR_STATUSES:
        raise TerrainError(f"statut de porte inconnu (attendu : {status_hint()}) : rien n'a été enregistré.")
    number = int(_checked(integer(1, STOP_MAX), stop, "numéro d'adresse invalide"))  # type: ignore[call-overload]
    tap_id = _client_id(tap_id)
    source = str(_checked(text(20, required=True), source, "origine de la saisie invalide"))

    def work(s: Session) -> bool:
        turf_id = link_of(s, token).turf_id
        stop_id = s.scalar(select(TurfAddress.id).where(TurfAddress.turf_id == turf_id, TurfAddress.stop == number))
        if stop_id is None:
            raise TerrainError("adresse inconnue dans ce parcours : rechargez la page.")
        if opposed_stops(s, TurfAddress.id == stop_id):
            raise TerrainError(OPPOSED)
        return insert_ignore(s, DoorTap, ["turf_id", "tap_id"],
                              {"turf_id": turf_id, "stop_id": stop_id, "tap_id": tap_id, "status": status,
                               "source": source, "recorded_at": utcnow()})
    return write(engine, work)


def _count(value: object) -> int:
    """A whole number of people (3 or 3.0; never NaN, infinity, text or a negative number)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return int(_checked(integer(0, MAX_TURF_TOTAL), value,  # type: ignore[call-overload]
                        f"les totaux doivent être des nombres entiers entre 0 et {fr.number(MAX_TURF_TOTAL)}"))


def record_report(engine: Engine, token: str, report_id: str, *, conversations: int, interested: int,
                  proxies: int) -> bool:
    """Add end-of-outing totals to the token's turf (idempotent on ``report_id``).

    Each total, added to the turf's earlier reports, stays within what its doors allow
    (:func:`lib.doors.totals_cap`): a French error otherwise, nothing stored.
    """
    counts = {"conversations": _count(conversations), "interested": _count(interested), "proxies": _count(proxies)}
    report_id = _client_id(report_id)

    def work(s: Session) -> bool:
        turf_id = link_of(s, token).turf_id
        addresses, doors = s.execute(select(func.count(TurfAddress.id), func.coalesce(func.sum(TurfAddress.est_doors), 0))
                                     .where(TurfAddress.turf_id == turf_id)).one()
        cap = totals_cap(addresses, float(doors))
        before = report_totals(s, [turf_id]).get(turf_id, _zero_totals())
        over = [TURF_TOTALS[k] for k, v in counts.items() if before[k] + v > cap]
        if over and not s.scalar(select(TurfReport.id).where(TurfReport.turf_id == turf_id,
                                                             TurfReport.report_id == report_id)):
            raise TerrainError(f"{', '.join(over)} : ce parcours de {fr.counted(addresses, 'adresse', 'adresses')} "
                               f"ne peut pas dépasser {fr.number(cap)} au total (déjà noté : "
                               f"{', '.join(fr.number(before[k]) for k in counts)}). Vérifiez les chiffres : "
                               "rien n'a été enregistré.")
        return insert_ignore(s, TurfReport, ["turf_id", "report_id"],
                              {"turf_id": turf_id, "report_id": report_id, "recorded_at": utcnow(), **counts})
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
