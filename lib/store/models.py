"""Tables of the campaign workspace (SQLAlchemy 2 declarative models).

What is stored is what a campaign shares, never facts about a person: addresses without names,
one door status per address, opinions only as totals per turf. The migrations in ``migrations/``
create exactly these tables; a test checks that models and migrations agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Naive UTC now: the same value on SQLite (no time zones) and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base; metadata is the target of the migrations."""


class Stamped:
    """Who (free text) and when, on everything a user names."""

    organiser: Mapped[str] = mapped_column(String(200), default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OfTurf:
    """Rows that belong to one turf (deleted with it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    turf_id: Mapped[int] = mapped_column(ForeignKey("turf.id", ondelete="CASCADE"), index=True)


class OfCampaign:
    """Rows that belong to one campaign (deleted with it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)


class Campaign(Stamped, Base):
    """A territory + a name; election date and retention drive the purge of field returns."""

    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    election_date: Mapped[date | None] = mapped_column(Date, default=None)
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    # revision 0005: the campaign's own access key (lib.access.hash_key), None when it has none
    access_hash: Mapped[str | None] = mapped_column(String(200), default=None)


class Scenario(OfCampaign, Stamped, Base):
    """A named priority view: the URL query of the map (lib.viewstate.to_query)."""

    __tablename__ = "scenario"
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[dict] = mapped_column(JSON)


class WalkPlan(OfCampaign, Stamped, Base):
    """Chosen bureaux, holdout design and capacity settings; its turfs are frozen as saved."""

    __tablename__ = "walk_plan"
    name: Mapped[str] = mapped_column(String(200))
    bureaux: Mapped[list] = mapped_column(JSON)
    holdout: Mapped[list | None] = mapped_column(JSON, default=None)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class Turf(Base):
    """One team's route: status (a_faire / attribuee / faite), team, planned date, estimates."""

    __tablename__ = "turf"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("walk_plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="a_faire")
    team: Mapped[str] = mapped_column(String(200), default="")
    planned_date: Mapped[date | None] = mapped_column(Date, default=None)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # revision 0004: optimistic locking of the organisers' edits (status, team, date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class TurfAddress(OfTurf, Base):
    """An address of a turf in walking order, with the estimates printed on the list."""

    __tablename__ = "turf_address"
    __table_args__ = (UniqueConstraint("turf_id", "stop"),)
    stop: Mapped[int] = mapped_column(Integer)
    address_id: Mapped[str] = mapped_column(String(64), index=True)
    bureau_id: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(Text)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    est_voters: Mapped[float] = mapped_column(Float, default=0.0)
    est_doors: Mapped[float] = mapped_column(Float, default=0.0)
    housing: Mapped[str] = mapped_column(String(20), default="")


# --- revision 0002: field returns and what is sensitive -------------------------------------

class TurfToken(OfTurf, Base):
    """A volunteer link: only the SHA-256 of the token is stored; revocable and expiring.

    ``number`` (1, 2, … per turf, revision 0003) and the optional ``note`` tell one link from
    another, so a lost phone's link is revoked alone.
    """

    __tablename__ = "turf_token"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    number: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(60), default="")


class DoorTap(OfTurf, Base):
    """One door status for one address; the latest tap wins. ``tap_id`` (client) makes taps idempotent."""

    __tablename__ = "door_tap"
    __table_args__ = (UniqueConstraint("turf_id", "tap_id"),)
    stop_id: Mapped[int] = mapped_column(ForeignKey("turf_address.id", ondelete="CASCADE"), index=True)
    tap_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="telephone")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TurfReport(OfTurf, Base):
    """End-of-outing totals for a turf (opinions only as counts, never per address or person)."""

    __tablename__ = "turf_report"
    __table_args__ = (UniqueConstraint("turf_id", "report_id"),)
    report_id: Mapped[str] = mapped_column(String(64))
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    interested: Mapped[int] = mapped_column(Integer, default=0)
    proxies: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OppositionLine(OfCampaign, Base):
    """A line of the campaign's opposition list (an address, never a name); never exported."""

    __tablename__ = "opposition_line"
    __table_args__ = (Index("ix_opposition_line_key", "campaign_id", "key"),)  # revision 0004: stops looked up
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(5), default=None)


class ImportedResults(OfCampaign, Base):
    """An election the campaign imported (contract columns as JSON records); never exported."""

    __tablename__ = "imported_results"
    __table_args__ = (UniqueConstraint("campaign_id", "election_id"),)
    election_id: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    matched: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- revision 0004: the opposition list matched once, when stored ------------------------------

class OpposedAddress(OfCampaign, Base):
    """An address (dataset id) the campaign's opposition list matched, kept so that the walk lists,
    the phones and the exports look it up instead of re-reading and re-matching the whole list."""

    __tablename__ = "opposed_address"
    __table_args__ = (UniqueConstraint("campaign_id", "address_id"),)
    address_id: Mapped[str] = mapped_column(String(64))


class OppositionMatch(Base):
    """How the campaign's list was matched: against which addresses (``dataset``, a fingerprint of
    the territory's address ids; "" for the saved stops only) and with what counts."""

    __tablename__ = "opposition_match"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(64), default="")
    lines: Mapped[int] = mapped_column(Integer, default=0)
    matched_lines: Mapped[int] = mapped_column(Integer, default=0)
    addresses: Mapped[int] = mapped_column(Integer, default=0)
    matched_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
