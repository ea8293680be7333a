"""Field returns from the phones: idempotent door taps and turf totals (links: :mod:`lib.store.links`,
paper returns: :mod:`lib.store.paper`).

Privacy: a tap is a door status for an address (absent / ouvert / refus / à revoir); what people
said is only ever counted per turf (conversations, personnes intéressées, procurations).
A token resolves to exactly one turf and every query below is filtered by that turf.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Insert, Select, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import fr
from lib.doors import DOOR_STATUSES, MAX_TURF_TOTAL, STOP_MAX, TURF_TOTALS, status_hint, totals_cap
from lib.errors import TerrainError
from lib.store.checks import Bad, integer, text
from lib.store.db import read, write
from lib.store.links import link_label, link_of
from lib.store.models import (
    Campaign,
    DoorTap,
    Turf,
    TurfAddress,
    TurfReport,
    WalkPlan,
    utcnow,
)
from lib.store.sensitive import opposed_in, opposed_in_turf

UNKNOWN_STOP = "adresse inconnue dans ce parcours : rechargez la page."
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
    addresses: pd.DataFrame  # stop, label, est_doors, status ("" when not knocked), at (its tap's time or None), lon, lat
    totals: dict[str, int]
    link: str = ""  # « T03 · lien 2 »: which link this phone holds, to tell the organiser
    bureaux: tuple[str, ...] = ()  # bureau ids of the turf (a turf never spans bureaux: one, in practice)
    expires_at: datetime | None = None  # when this phone's link stops opening the turf
    taken_by: str = ""  # « pris par »: the team walking it (:func:`take_turf`, or set in « Suivi du terrain »)
    territory: str = ""  # the campaign's territory: where the phone's map finds the streets


def turf_sheet(engine: Engine, token: str) -> TurfSheet:
    """The turf a link opens (nothing else: no campaign, no other turf, no opposition list).

    Addresses put on the campaign's opposition list after the plan was saved are left out.
    """
    def work(s: Session) -> TurfSheet:
        link = link_of(s, token)
        turf_id = link.turf_id
        code, team, campaign_id, territory = s.execute(
            select(Turf.code, Turf.team, WalkPlan.campaign_id, Campaign.territory)
            .join(WalkPlan, WalkPlan.id == Turf.plan_id).join(Campaign, Campaign.id == WalkPlan.campaign_id)
            .where(Turf.id == turf_id)).one()
        rows = s.execute(select(TurfAddress.id, TurfAddress.stop, TurfAddress.label, TurfAddress.est_doors,
                                TurfAddress.address_id, TurfAddress.bureau_id, TurfAddress.lon, TurfAddress.lat)
                         .where(TurfAddress.turf_id == turf_id).order_by(TurfAddress.stop)).all()
        last = latest_taps(s, [turf_id])
        frame = pd.DataFrame([(r.stop, r.label, r.est_doors, *last.get(r.id, ("", None)), r.lon, r.lat, r.address_id)
                              for r in rows], columns=["stop", "label", "est_doors", "status", "at", "lon", "lat",
                                                       "address_id"])
        gone = opposed_in(s, campaign_id, frame)
        frame = frame[~frame["address_id"].isin(gone)].drop(columns="address_id").reset_index(drop=True)
        return TurfSheet(str(code), frame, report_totals(s, [turf_id]).get(turf_id, _zero_totals()),
                         link_label(str(code), link.number, link.note),
                         tuple(dict.fromkeys(str(r.bureau_id) for r in rows)), link.expires_at, str(team or ""),
                         str(territory))
    return read(engine, work)


def _checked(check, value: object, message: str) -> object:
    """``check(value)`` or a French :class:`TerrainError` (``message`` then the reason)."""
    try:
        return check(value)
    except (Bad, TypeError) as bad:
        raise TerrainError(f"{message} ({bad}) : rien n'a été enregistré.") from None


def _client_id(value: object) -> str:
    return str(_checked(text(64, required=True), value, "identifiant de saisie invalide, rechargez la page"))


def check_tap(status: object, tap_id: object, stop: object) -> tuple[int, str]:
    """A tap's own values, checked before anything is written (a stop of 10^30, a status that is not
    one, a client id of a megabyte): the stop number and client id, or a French error. Its turf and
    address are checked in the transaction."""
    if not isinstance(status, str) or status not in DOOR_STATUSES:
        raise TerrainError(f"statut de porte inconnu (attendu : {status_hint()}) : rien n'a été enregistré.")
    number = int(_checked(integer(1, STOP_MAX), stop, "numéro d'adresse invalide"))  # type: ignore[call-overload]
    return number, _client_id(tap_id)


def record_tap(engine: Engine, token: str, stop: int, status: str, tap_id: str, *,
               at: datetime | None = None) -> bool:
    """Record one door status for stop ``stop`` of the token's turf; a repeated ``tap_id`` is ignored.

    Returns True when the tap is new; a tap the turf refuses is a French error, nothing stored.
    ``at`` (naive UTC) is when the door was tapped (:func:`record_taps`: the latest by time wins).
    """
    batch = record_taps(engine, token, [(tap_id, stop, status, at)])
    if batch.rejected:
        raise TerrainError(batch.rejected[0][2])
    return batch.accepted == 1


@dataclass(frozen=True)
class TapBatch:
    """What became of a phone's batch of taps, and the turf's statuses after it."""

    accepted: int
    duplicates: int
    rejected: list[tuple[str, int, str]]  # (tap id, stop, French reason): not recorded
    statuses: dict[int, tuple[str, datetime]]  # stop → (latest status, its time) on the turf


def record_taps(engine: Engine, token: str, taps: list[tuple[str, int, str, datetime | None]]) -> TapBatch:
    """Record a phone's batch of taps ``(tap id, stop, status, time)`` in one transaction.

    Why one: an outbox emptied after a stairwell sends dozens at once, and the phone needs the
    turf's statuses back (the other phones' taps); one link check and one opposition check serve
    them all. Each tap is idempotent on its id (:func:`record_tap`); a tap the turf refuses (an
    address not in it or on the opposition list, a bad status) is listed, the others recorded.
    """
    def work(s: Session) -> TapBatch:
        turf_id = link_of(s, token).turf_id
        stops = dict(s.execute(TURF_STOPS, {"turf_id": turf_id}).all())
        rows, rejected = _checked_taps(taps, turf_id, stops, opposed_in_turf(s, turf_id))
        new = set(s.scalars(tap_insert(s.get_bind().dialect.name), rows)) if rows else set()
        number = {stop_id: stop for stop, stop_id in stops.items()}
        statuses = {number[sid]: last for sid, last in turf_latest_taps(s, turf_id).items() if sid in number}
        return TapBatch(len(new), len(rows) - len(new), rejected, statuses)
    return write(engine, work)


def _checked_taps(taps: list[tuple[str, int, str, datetime | None]], turf_id: int, stops: dict[int, int],
                  gone: set[int]) -> tuple[list[dict], list[tuple[str, int, str]]]:
    """The batch's rows to insert (one multi-row statement) and its refused taps with their reason."""
    rows: list[dict] = []
    rejected: list[tuple[str, int, str]] = []
    now = utcnow()
    for tap_id, stop, status, at in taps:
        try:
            stop, tap_id = check_tap(status, tap_id, stop)
            if stops.get(stop) is None:
                raise TerrainError(UNKNOWN_STOP)
            if stops[stop] in gone:
                raise TerrainError(OPPOSED)
        except TerrainError as err:
            rejected.append((tap_id, stop, err.message))
            continue
        rows.append({"turf_id": turf_id, "stop_id": stops[stop], "tap_id": tap_id, "status": status,
                     "source": "telephone", "recorded_at": min(at or now, now)})
    return rows, rejected


# Built once: every phone's batch runs them (building a statement cost more than running it).
TURF_STOPS = select(TurfAddress.stop, TurfAddress.id).where(TurfAddress.turf_id == bindparam("turf_id"))


@functools.cache
def tap_insert(dialect: str) -> Insert:
    """One INSERT … ON CONFLICT DO NOTHING for a whole batch, returning the tap ids it added
    (a resent tap, or one twice in the batch, is added once)."""
    return (INSERTS[dialect](DoorTap).on_conflict_do_nothing(index_elements=["turf_id", "tap_id"])
            .returning(DoorTap.tap_id))


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


TEAM_MAX = 60  # « pris par »: a team's name as the phone types it


class TakenError(TerrainError):
    """The turf is already « pris par » another team (the phone may confirm and take it over)."""


def take_turf(engine: Engine, token: str, team: str, *, force: bool = False) -> str:
    """Mark the token's turf « pris par » ``team`` (assigned, as in « Suivi du terrain »); returns the team.

    Why: two teams must not walk the same doors. Another team's name already there is refused
    (:class:`TakenError`) unless ``force`` (the volunteers checked with each other).
    """
    team = " ".join(str(team).split())
    if not team or len(team) > TEAM_MAX:
        raise TerrainError(f"nom d'équipe vide ou trop long ({TEAM_MAX} caractères au plus).")

    def work(s: Session) -> str:
        turf = s.get(Turf, link_of(s, token).turf_id)
        if turf.team and turf.team.casefold() != team.casefold() and not force:
            raise TakenError(f"Ce parcours est déjà pris par « {turf.team} ». Vérifiez avec cette équipe "
                             "avant de le prendre.")
        turf.team = team
        if turf.status == "a_faire":
            turf.status = "attribuee"
        return team
    return write(engine, work)


# --- reading the returns ------------------------------------------------------------------------

def latest_tap_ids(where: ColumnElement[bool]) -> Select:
    """Ids of the latest tap of each stop among the taps matching ``where``: the last tapped wins
    (by its ``recorded_at``, the tap's own time), not the last received — a phone back from a
    stairwell must not overwrite a later status from another phone. Ties: the later row."""
    rank = func.row_number().over(partition_by=DoorTap.stop_id,
                                  order_by=(DoorTap.recorded_at.desc(), DoorTap.id.desc())).label("rank")
    ranked = select(DoorTap.id, rank).where(where).subquery()
    return select(ranked.c.id).where(ranked.c.rank == 1)


def latest_taps(s: Session, turf_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """stop_id → (latest door status, its time) for these turfs."""
    rows = s.execute(_latest_query(DoorTap.turf_id.in_(turf_ids)))
    return {int(a): (str(b), at) for a, b, at in rows}


def _latest_query(where: ColumnElement[bool]) -> Select:
    return select(DoorTap.stop_id, DoorTap.status, DoorTap.recorded_at).where(DoorTap.id.in_(latest_tap_ids(where)))


LATEST_IN_TURF = _latest_query(DoorTap.turf_id == bindparam("turf_id"))  # built once: every batch answers with it


def turf_latest_taps(s: Session, turf_id: int) -> dict[int, tuple[str, datetime]]:
    """:func:`latest_taps` of one turf, what each phone's batch gets back."""
    return {int(a): (str(b), at) for a, b, at in s.execute(LATEST_IN_TURF, {"turf_id": turf_id})}


def latest_status(s: Session, turf_ids: list[int]) -> dict[int, str]:
    """stop_id → latest door status of these turfs (:func:`latest_taps`)."""
    return {stop: status for stop, (status, _) in latest_taps(s, turf_ids).items()}


def _zero_totals() -> dict[str, int]:
    return {"conversations": 0, "interested": 0, "proxies": 0}


def report_totals(s: Session, turf_ids: list[int]) -> dict[int, dict[str, int]]:
    q = (select(TurfReport.turf_id, func.sum(TurfReport.conversations), func.sum(TurfReport.interested),
                func.sum(TurfReport.proxies)).where(TurfReport.turf_id.in_(turf_ids)).group_by(TurfReport.turf_id))
    return {int(t): {"conversations": int(c or 0), "interested": int(i or 0), "proxies": int(p or 0)}
            for t, c, i, p in s.execute(q)}
