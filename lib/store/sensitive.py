"""What is sensitive, kept per campaign and purgeable: opposition list, imported results, returns.

None of this is ever written to an export (the backup file leaves it out too). Field returns
are deleted ``retention_days`` after election day by :func:`purge_expired_returns`, run at start.
Every deletion goes through :func:`lib.store.db.erase`: the bytes leave the database files too.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from lib import opposition
from lib.results_import import ImportedElection
from lib.store import retention
from lib.store.db import LOG, erase, read, reclaim, write
from lib.store.models import (
    Campaign,
    DoorTap,
    ImportedResults,
    OppositionLine,
    Turf,
    TurfAddress,
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
            erase_opposed_taps(s, campaign_id)
        return len(rows)
    return erase(engine, work, [OppositionLine.__tablename__, DoorTap.__tablename__])


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


def opposed_stops(s: Session, where) -> set[int]:
    """Ids of saved stops (``TurfAddress``, filtered by ``where``) on their campaign's opposition list.

    Why: whatever leaves the store — backup, status map, coverage — must hold no trace of a door
    whose residents objected, whichever came first, the plan or the objection.
    """
    q = (select(TurfAddress.id, TurfAddress.address_id, TurfAddress.label, WalkPlan.campaign_id)
         .join(Turf, Turf.id == TurfAddress.turf_id).join(WalkPlan, WalkPlan.id == Turf.plan_id)
         .where(where, WalkPlan.campaign_id.in_(select(OppositionLine.campaign_id))))
    rows = s.execute(q).all()
    if not rows:  # no opposition list in these campaigns (the common case): no table to build per tap
        return set()
    frame = pd.DataFrame(rows, columns=["id", "address_id", "label", "campaign_id"])
    out: set[int] = set()
    for cid, part in frame.groupby("campaign_id"):
        gone = opposed_in(s, int(cid), part)
        out |= {int(i) for i in part.loc[part["address_id"].isin(gone), "id"]}
    return out


def erase_opposed_taps(s: Session, campaign_id: int) -> int:
    """Delete every door status recorded at an address of the campaign's opposition list."""
    stops = opposed_stops(s, WalkPlan.campaign_id == campaign_id)
    return s.execute(delete(DoorTap).where(DoorTap.stop_id.in_(stops))).rowcount if stops else 0


def erase_all_opposed_taps(engine: Engine) -> int:
    """At start: door statuses kept at opposed addresses by an older Terrain (before this rule) go."""
    def work(s: Session) -> int:
        campaigns = s.scalars(select(OppositionLine.campaign_id).distinct()).all()
        return sum(erase_opposed_taps(s, int(cid)) for cid in campaigns)
    deleted = write(engine, work)
    if deleted:
        LOG.warning("erased %d door status(es) recorded at addresses of an opposition list", deleted)
        reclaim(engine, [DoorTap.__tablename__])
    return deleted


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
    """Delete field returns (taps, totals, links) of campaigns past election day + retention.

    Run at start. Each campaign purged is logged; « Suivi du terrain » announced the date
    beforehand (:func:`lib.store.retention.notice`) and the phones stopped recording on that day.
    """
    def work(s: Session) -> list[tuple[int, str, date, int, int]]:
        rows = s.execute(select(Campaign.id, Campaign.name, Campaign.election_date, Campaign.retention_days)
                         .where(Campaign.election_date.is_not(None))).all()
        return [(cid, name, day, keep, _delete_returns(s, [cid])) for cid, name, day, keep in rows
                if retention.is_expired(day, keep, today)]
    purged = [p for p in write(engine, work) if p[-1]]
    for cid, name, day, keep, n in purged:
        LOG.warning("retention: erased %d field-return row(s) of campaign %d « %s » (election day %s + %d days "
                    "of retention)", n, cid, name, day, keep)
    if purged:
        reclaim(engine, RETURN_TABLES)
    return sum(p[-1] for p in purged)
