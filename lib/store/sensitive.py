"""What is sensitive, kept per campaign and purgeable: opposition list, imported results, returns.

None of this is ever written to an export (the backup file leaves it out too). Field returns
are deleted ``retention_days`` after election day by :func:`purge_expired_returns`, run at start.
Every deletion goes through :func:`lib.store.db.erase`: the bytes leave the database files too.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from lib import opposition
from lib.results_import import ImportedElection
from lib.store.db import erase, read, reclaim, write
from lib.store.models import (
    Campaign,
    DoorTap,
    ImportedResults,
    OppositionLine,
    Turf,
    TurfReport,
    TurfToken,
    WalkPlan,
)

OPPOSITION_COLUMNS = ["ligne", "texte", "cle", "code_postal"]
RETURNS = (DoorTap, TurfReport, TurfToken)
RETURN_TABLES = [m.__tablename__ for m in RETURNS]


def save_opposition(engine: Engine, campaign_id: int, listed: pd.DataFrame) -> int:
    """Replace the campaign's opposition list (``lib.opposition.read_opposition_csv`` output)."""
    rows = [{"campaign_id": campaign_id, "line": int(r.ligne), "text": str(r.texte), "key": str(r.cle),
             "postcode": None if pd.isna(r.code_postal) else str(r.code_postal)}
            for r in listed.itertuples(index=False)]

    def work(s: Session) -> int:
        s.execute(delete(OppositionLine).where(OppositionLine.campaign_id == campaign_id))
        if rows:
            s.execute(OppositionLine.__table__.insert(), rows)
        return len(rows)
    return erase(engine, work, [OppositionLine.__tablename__])


def load_opposition(engine: Engine, campaign_id: int) -> pd.DataFrame:
    """The campaign's opposition list in the columns of ``read_opposition_csv`` (empty when none)."""
    def work(s: Session) -> list:
        q = (select(OppositionLine.line, OppositionLine.text, OppositionLine.key, OppositionLine.postcode)
             .where(OppositionLine.campaign_id == campaign_id).order_by(OppositionLine.line))
        return [tuple(r) for r in s.execute(q)]
    return pd.DataFrame(read(engine, work), columns=OPPOSITION_COLUMNS)


def opposed_in(s: Session, campaign_id: int, stops: pd.DataFrame) -> set[str]:
    """Address ids of saved stops (``address_id``, ``label``) now on the campaign's opposition list.

    Why: a plan is frozen when saved, but a person may object afterwards; their door must leave
    the volunteers' phones at once. Matched like at cutting time (``lib.opposition``), on the label.
    """
    q = (select(OppositionLine.line, OppositionLine.text, OppositionLine.key, OppositionLine.postcode)
         .where(OppositionLine.campaign_id == campaign_id))
    listed = pd.DataFrame([tuple(r) for r in s.execute(q)], columns=OPPOSITION_COLUMNS)
    if listed.empty or stops.empty:
        return set()
    street = stops["label"].astype(str).str.split(",").str[0]
    frame = pd.DataFrame({"address_id": stops["address_id"].astype(str), "number": "", "street": street,
                          "postcode": stops["label"].astype(str).str.extract(r"\b(\d{5})\b")[0].fillna("")})
    return set(opposition.match_opposition(frame, listed).opposed_ids)


def save_import(engine: Engine, campaign_id: int, election: ImportedElection) -> None:
    """Keep an imported election with the campaign (replacing one of the same id)."""
    records = election.results.astype(object).where(election.results.notna(), None).to_dict("records")

    def work(s: Session) -> None:
        s.execute(delete(ImportedResults).where(ImportedResults.campaign_id == campaign_id,
                                                ImportedResults.election_id == election.id))
        s.add(ImportedResults(campaign_id=campaign_id, election_id=election.id, label=election.label,
                              matched=election.matched, results=records))
    erase(engine, work, [ImportedResults.__tablename__])


def load_imports(engine: Engine, campaign_id: int) -> list[ImportedElection]:
    """The campaign's imported elections, oldest first."""
    def work(s: Session) -> list[ImportedElection]:
        q = select(ImportedResults).where(ImportedResults.campaign_id == campaign_id).order_by(ImportedResults.id)
        return [ImportedElection(r.election_id, r.label, pd.DataFrame(r.results), r.matched) for r in s.scalars(q)]
    return read(engine, work)


def remove_import(engine: Engine, campaign_id: int, election_id: str) -> None:
    """Forget one imported election."""
    erase(engine, lambda s: s.execute(delete(ImportedResults).where(
        ImportedResults.campaign_id == campaign_id, ImportedResults.election_id == election_id)),
        [ImportedResults.__tablename__])


def _turfs_of(campaign_ids) -> object:
    return select(Turf.id).join(WalkPlan, WalkPlan.id == Turf.plan_id).where(WalkPlan.campaign_id.in_(campaign_ids))


def _delete_returns(s: Session, campaign_ids: list[int]) -> int:
    turfs = _turfs_of(campaign_ids)
    return sum(s.execute(delete(model).where(model.turf_id.in_(turfs))).rowcount for model in RETURNS)


PURGES = {
    "opposition": (lambda s, cid: s.execute(delete(OppositionLine).where(OppositionLine.campaign_id == cid)).rowcount,
                   [OppositionLine.__tablename__]),
    "imports": (lambda s, cid: s.execute(delete(ImportedResults).where(ImportedResults.campaign_id == cid)).rowcount,
                [ImportedResults.__tablename__]),
    "returns": (lambda s, cid: _delete_returns(s, [cid]), RETURN_TABLES),
}


def purge(engine: Engine, campaign_id: int, what: str) -> int:
    """Delete the campaign's opposition list, imported results or field returns; rows deleted."""
    work, tables = PURGES[what]
    return erase(engine, lambda s: work(s, campaign_id), tables)


def purge_expired_returns(engine: Engine, today: date | None = None) -> int:
    """Delete field returns (taps, totals, links) of campaigns past election day + retention."""
    today = today or date.today()

    def work(s: Session) -> int:
        rows = s.execute(select(Campaign.id, Campaign.election_date, Campaign.retention_days)
                         .where(Campaign.election_date.is_not(None))).all()
        expired = [cid for cid, day, keep in rows if day + timedelta(days=int(keep)) <= today]
        return _delete_returns(s, expired) if expired else 0
    deleted = write(engine, work)
    if deleted:
        reclaim(engine, RETURN_TABLES)
    return deleted
