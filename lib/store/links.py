"""Volunteer links: one secret token per phone, opening one turf; numbered, listed, revocable alone.

Only the SHA-256 of a token is stored: the link is shown once, when it is made. Each link gets a
number within its turf (« T03 · lien 2 ») and an optional note, shown with the link, in the list
of « Suivi du terrain » and on the phone, so a lost phone's link is revoked without cutting off
the rest of its team.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.orm import Session

from lib.errors import TerrainError
from lib.store import retention
from lib.store.db import read, write
from lib.store.models import Campaign, Turf, TurfToken, WalkPlan, utcnow

BAD_LINK = ("Ce lien de retour n'est pas valable : il a été retiré, il a expiré ou il est incomplet. "
            "Demandez un nouveau lien à la personne qui organise votre sortie.")
RETENTION = (Campaign.election_date, Campaign.retention_days)
LINK_COLUMNS = ["id", "turf_id", "code", "number", "note", "created_at", "expires_at", "revoked_at", "state"]
NOTE_MAX = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_label(code: str, number: int, note: str = "") -> str:
    """« T03 · lien 2 (binôme Nord) »: how a link is named everywhere it is shown."""
    return f"{code} · lien {int(number)}" + (f" ({note})" if note else "")


def issue_link(engine: Engine, turf_id: int, *, days: int = 30, now: datetime | None = None,
               note: str = "") -> str:
    """A new secret token for one turf, numbered after the turf's previous links; returns the token."""
    token = secrets.token_urlsafe(32)
    start = now or utcnow()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise TerrainError(f"repère trop long ({NOTE_MAX} caractères au plus).")

    def work(s: Session) -> None:
        if s.get(Turf, turf_id) is None:
            raise TerrainError("parcours introuvable.")
        number = (s.scalar(select(func.max(TurfToken.number)).where(TurfToken.turf_id == turf_id)) or 0) + 1
        s.add(TurfToken(turf_id=turf_id, token_hash=_hash(token), created_at=start,
                        expires_at=start + timedelta(days=days), number=number, note=note))
    write(engine, work)
    return token


def issue_plan_links(engine: Engine, plan_id: int, *, days: int = 30, note: str = "") -> dict[str, str]:
    """One new link per turf of a plan, code → token (the printable sheet of « Suivi du terrain »)."""
    turfs = read(engine, lambda s: s.execute(select(Turf.code, Turf.id).where(Turf.plan_id == plan_id)
                                             .order_by(Turf.code)).all())
    return {str(code): issue_link(engine, int(turf_id), days=days, note=note) for code, turf_id in turfs}


def revoke_links(engine: Engine, turf_id: int) -> int:
    """Revoke every active link of a turf; returns how many."""
    def work(s: Session) -> int:
        q = (update(TurfToken).where(TurfToken.turf_id == turf_id, TurfToken.revoked_at.is_(None))
             .values(revoked_at=utcnow()))
        return s.execute(q).rowcount
    return write(engine, work)


def revoke_link(engine: Engine, link_id: int) -> bool:
    """Revoke one link (a lost phone) and nothing else; False when it was already revoked."""
    def work(s: Session) -> bool:
        q = (update(TurfToken).where(TurfToken.id == link_id, TurfToken.revoked_at.is_(None))
             .values(revoked_at=utcnow()))
        return bool(s.execute(q).rowcount)
    return write(engine, work)


def list_links(engine: Engine, plan_id: int, *, now: datetime | None = None) -> pd.DataFrame:
    """Every link of a plan's turfs (never the token): number, note, dates and state, newest first."""
    def work(s: Session) -> list:
        q = (select(TurfToken.id, TurfToken.turf_id, Turf.code, TurfToken.number, TurfToken.note,
                    TurfToken.created_at, TurfToken.expires_at, TurfToken.revoked_at)
             .join(Turf, Turf.id == TurfToken.turf_id).where(Turf.plan_id == plan_id)
             .order_by(Turf.code, TurfToken.number.desc()))
        return [tuple(r) for r in s.execute(q)]
    frame = pd.DataFrame(read(engine, work), columns=LINK_COLUMNS[:-1])
    moment = now or utcnow()
    frame["state"] = ["retiré" if pd.notna(r) else "expiré" if e <= moment else "actif"
                      for r, e in zip(frame["revoked_at"], frame["expires_at"], strict=True)]
    return frame


def active_links(engine: Engine, turf_ids: list[int]) -> dict[int, int]:
    """Number of valid links per turf."""
    def work(s: Session) -> dict[int, int]:
        q = (select(TurfToken.turf_id, func.count()).where(
            TurfToken.turf_id.in_(turf_ids), TurfToken.revoked_at.is_(None), TurfToken.expires_at > utcnow())
            .group_by(TurfToken.turf_id))
        return {int(t): int(n) for t, n in s.execute(q)}
    return read(engine, work)


@dataclass(frozen=True)
class OpenLink:
    """What a valid token opens: one turf, and the link's own number and note."""

    turf_id: int
    number: int
    note: str
    expires_at: datetime | None = None


# Built once: every tap of every phone opens its link (constructing the statement cost more than running it).
LINK_BY_HASH = (select(TurfToken.turf_id, TurfToken.number, TurfToken.note, TurfToken.expires_at,
                       TurfToken.revoked_at, *RETENTION)
                .join(Turf, Turf.id == TurfToken.turf_id).join(WalkPlan, WalkPlan.id == Turf.plan_id)
                .join(Campaign, Campaign.id == WalkPlan.campaign_id)
                .where(TurfToken.token_hash == bindparam("token_hash")))


def link_of(s: Session, token: str, now: datetime | None = None) -> OpenLink:
    """The turf a token opens, or the same French message for wrong, revoked and expired links
    (and another one once the campaign's retention is over: nothing is recorded any more)."""
    if not token or len(token) > 200:
        raise TerrainError(BAD_LINK)
    row = s.execute(LINK_BY_HASH, {"token_hash": _hash(token)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= (now or utcnow()):
        raise TerrainError(BAD_LINK)
    if retention.is_expired(row.election_date, row.retention_days):
        raise TerrainError(retention.CLOSED)
    return OpenLink(int(row.turf_id), int(row.number), str(row.note), row.expires_at)
