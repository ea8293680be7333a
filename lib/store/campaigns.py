"""Campaigns and scenarios: create, list, rename, duplicate, archive; a scenario is a URL query."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lib.errors import TerrainError
from lib.store import retention
from lib.store.db import read, write
from lib.store.models import Campaign, Scenario, Stamped, WalkPlan, utcnow

# What rename / archive accept, by the name the pages use (defined here, not filled by other imports).
KINDS: dict[str, type[Stamped]] = {"campaign": Campaign, "scenario": Scenario, "plan": WalkPlan}


@dataclass(frozen=True)
class Item:
    """What a list shows: id, name, organiser, timestamps, archived."""

    id: int
    name: str
    organiser: str
    created_at: datetime
    updated_at: datetime
    archived: bool


def _item(row: Stamped) -> Item:
    return Item(row.id, row.name, row.organiser, row.created_at, row.updated_at, row.archived)  # type: ignore[attr-defined]


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TerrainError("donnez un nom (il ne peut pas être vide).")
    if len(name) > 200:
        raise TerrainError("nom trop long (200 caractères au plus).")
    return name


def create_campaign(engine: Engine, territory: str, name: str, organiser: str = "", *,
                    election_date: date | None = None, retention_days: int = 90, today: date | None = None) -> int:
    """A new campaign on ``territory``; returns its id. An election day whose retention is already
    over is refused (:func:`lib.store.retention.check`): its returns would be erased at once."""
    retention.check(election_date, retention_days, today)
    return add_row(engine, Campaign, territory=territory, name=clean_name(name), organiser=organiser.strip(),
                   election_date=election_date, retention_days=int(retention_days))


def add_row(engine: Engine, model: type, **fields: object) -> int:
    """Insert one row and return its id (the object is built inside the retried transaction)."""
    def work(s: Session) -> int:
        row = model(**fields)
        s.add(row)
        s.flush()
        return row.id
    return write(engine, work)


def get_row(engine: Engine, model: type, row_id: int, missing: str):
    """One row by id, or a French error (``missing``) when it was deleted meanwhile."""
    def work(s: Session):
        row = s.get(model, row_id)
        if row is None:
            raise TerrainError(missing)
        return row
    return read(engine, work)


def list_items(engine: Engine, model: type, campaign_id: int, archived: bool) -> list[Item]:
    """Scenarios or plans of a campaign, newest first; archived ones only when asked."""
    def work(s: Session) -> list[Item]:
        q = select(model).where(model.campaign_id == campaign_id).order_by(model.id.desc())
        if not archived:
            q = q.where(model.archived.is_(False))
        return [_item(r) for r in s.scalars(q)]
    return read(engine, work)


def get_campaign(engine: Engine, campaign_id: int) -> Campaign:
    """One campaign (French error when it does not exist any more)."""
    return get_row(engine, Campaign, campaign_id, "cette campagne n'existe pas (ou plus) sur ce serveur.")


def list_campaigns(engine: Engine, territory: str | None = None, *, archived: bool = False) -> list[Item]:
    """Campaigns (of a territory), newest first; archived ones only when asked."""
    def work(s: Session) -> list[Item]:
        q = select(Campaign).order_by(Campaign.updated_at.desc(), Campaign.id.desc())
        if territory is not None:
            q = q.where(Campaign.territory == territory)
        if not archived:
            q = q.where(Campaign.archived.is_(False))
        return [_item(r) for r in s.scalars(q)]
    return read(engine, work)


def rename(engine: Engine, kind: str, item_id: int, name: str) -> None:
    """Rename a campaign, scenario or plan."""
    new = clean_name(name)
    _update(engine, kind, item_id, name=new)


def archive(engine: Engine, kind: str, item_id: int, archived: bool = True) -> None:
    """Archive (hide from lists) or restore a campaign, scenario or plan; nothing is deleted."""
    _update(engine, kind, item_id, archived=archived)


def _update(engine: Engine, kind: str, item_id: int, **values: object) -> None:
    model = KINDS[kind]

    def work(s: Session) -> None:
        row = s.get(model, item_id)
        if row is None:
            raise TerrainError("élément introuvable : il a peut-être été supprimé.")
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    write(engine, work)


def set_retention(engine: Engine, campaign_id: int, election_date: date | None, retention_days: int, *,
                  today: date | None = None) -> None:
    """Election day and how many days after it the field returns are kept (refused when already over:
    a typo in the year must not erase a running campaign's returns at the next start)."""
    retention.check(election_date, retention_days, today)
    _update(engine, "campaign", campaign_id, election_date=election_date, retention_days=int(retention_days))


def save_scenario(engine: Engine, campaign_id: int, name: str, query: Mapping[str, str],
                  organiser: str = "") -> int:
    """Store the priority view (``lib.viewstate.to_query``) under a name; returns its id."""
    return add_row(engine, Scenario, campaign_id=campaign_id, name=clean_name(name), organiser=organiser.strip(),
                   query={str(k): str(v) for k, v in query.items()})


def list_scenarios(engine: Engine, campaign_id: int, *, archived: bool = False) -> list[Item]:
    """Scenarios of a campaign, newest first."""
    return list_items(engine, Scenario, campaign_id, archived)


def scenario_query(engine: Engine, scenario_id: int) -> dict[str, str]:
    """The URL query of a scenario, to reopen it."""
    return dict(get_row(engine, Scenario, scenario_id, "ce scénario n'existe plus.").query)


def duplicate_scenario(engine: Engine, scenario_id: int, name: str, organiser: str = "") -> int:
    """A copy of a scenario under a new name."""
    def work(s: Session) -> int:
        old = s.get(Scenario, scenario_id)
        if old is None:
            raise TerrainError("ce scénario n'existe plus.")
        row = Scenario(campaign_id=old.campaign_id, name=clean_name(name), organiser=organiser.strip(),
                       query=dict(old.query))
        s.add(row)
        s.flush()
        return row.id
    return write(engine, work)


