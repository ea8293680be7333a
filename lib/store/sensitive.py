"""What is sensitive, kept per campaign and purgeable: opposition list, imported results, returns.

None of this is ever written to an export (the backup file leaves it out too). Field returns
are deleted ``retention_days`` after election day by :func:`purge_expired_returns`, run at start.
Every deletion goes through :func:`lib.store.db.erase`: the bytes leave the database files too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, Select, and_, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from lib import opposition
from lib.results_import import ImportedElection
from lib.store import retention
from lib.store.db import LOG, erase, read, reclaim, write
from lib.store.models import (
    Campaign,
    DoorTap,
    ImportedResults,
    OpposedAddress,
    OppositionLine,
    OppositionMatch,
    Turf,
    TurfAddress,
    TurfReport,
    TurfToken,
    WalkPlan,
    utcnow,
)

OPPOSITION_COLUMNS = ["ligne", "texte", "cle", "code_postal"]
OPPOSITION_TABLES = [OppositionLine.__tablename__, OpposedAddress.__tablename__, OppositionMatch.__tablename__]
RETURNS = (DoorTap, TurfReport, TurfToken)
RETURN_TABLES = [m.__tablename__ for m in RETURNS]


@dataclass(frozen=True)
class OppositionSummary:
    """The campaign's list as matched when stored: lines, lines matched, addresses matched, and
    against what (``dataset``: fingerprint of the territory's address ids; "" the saved stops only;
    None: a list stored before matches were kept, not matched yet)."""

    lines: int
    matched_lines: int
    addresses: int
    dataset: str | None
    matched_at: datetime | None = None


def _saved_stops(engine: Engine, campaign_id: int) -> pd.DataFrame:
    """``address_id``, ``label`` of every stop saved in the campaign's plans."""
    def work(s: Session) -> list:
        q = (select(TurfAddress.address_id, TurfAddress.label).join(Turf, Turf.id == TurfAddress.turf_id)
             .join(WalkPlan, WalkPlan.id == Turf.plan_id).where(WalkPlan.campaign_id == campaign_id))
        return [tuple(r) for r in s.execute(q)]
    return pd.DataFrame(read(engine, work), columns=["address_id", "label"])


def _stop_addresses(stops: pd.DataFrame) -> pd.DataFrame:
    """Saved stops as addresses to match: number and street before the label's first comma, postcode in it."""
    street = stops["label"].astype(str).str.split(",").str[0]
    return pd.DataFrame({"address_id": stops["address_id"].astype(str), "number": "", "street": street,
                         "postcode": stops["label"].astype(str).str.extract(r"\b(\d{5})\b")[0].fillna("")})


def _match_stops(stops: pd.DataFrame, listed: pd.DataFrame) -> opposition.OppositionMatch:
    """Saved stops matched on their label."""
    return opposition.match_opposition(_stop_addresses(stops), listed)


LOOKUP_CHUNK = 5_000  # keys per IN (…) query: well under SQLite's and PostgreSQL's parameter limits


def oppose_new_stops(s: Session, campaign_id: int, stops: pd.DataFrame) -> int:
    """Stops just saved (``address_id``, ``label``) that the campaign's list names join its matched
    addresses. Why: a plan cut without the list (another session) must not put an opposed door on a
    phone. The stops' keys are looked up in the list (indexed): the list is not read whole."""
    if stops.empty:
        return 0
    frame = _stop_addresses(stops)
    keys = opposition.address_keys(frame).unique().tolist()
    found = []
    for i in range(0, len(keys), LOOKUP_CHUNK):
        found += s.execute(select(OppositionLine.line, OppositionLine.text, OppositionLine.key, OppositionLine.postcode)
                           .where(OppositionLine.campaign_id == campaign_id,
                                  OppositionLine.key.in_(keys[i:i + LOOKUP_CHUNK]))).all()
    if not found:
        return 0
    listed = pd.DataFrame([tuple(r) for r in found], columns=OPPOSITION_COLUMNS)
    new = opposition.match_opposition(frame, listed).opposed_ids - opposed_in(s, campaign_id, stops)
    if new:
        s.execute(OpposedAddress.__table__.insert(), [{"campaign_id": campaign_id, "address_id": a} for a in new])
        s.execute(update(OppositionMatch).where(OppositionMatch.campaign_id == campaign_id)
                  .values(addresses=OppositionMatch.addresses + len(new), matched_at=utcnow()))
    return len(new)


def _store_match(s: Session, campaign_id: int, ids: frozenset[str], summary: OppositionSummary) -> None:
    """Replace the campaign's matched addresses and summary, then erase the door history at them."""
    s.execute(delete(OpposedAddress).where(OpposedAddress.campaign_id == campaign_id))
    s.execute(delete(OppositionMatch).where(OppositionMatch.campaign_id == campaign_id))
    if ids:
        s.execute(OpposedAddress.__table__.insert(), [{"campaign_id": campaign_id, "address_id": a} for a in ids])
    s.add(OppositionMatch(campaign_id=campaign_id, dataset=summary.dataset or "", lines=summary.lines,
                          matched_lines=summary.matched_lines, addresses=summary.addresses, matched_at=utcnow()))
    s.flush()
    erase_opposed_taps(s, campaign_id)


def _matched(engine: Engine, campaign_id: int, listed: pd.DataFrame, match: opposition.OppositionMatch | None,
             dataset: str) -> tuple[frozenset[str], OppositionSummary]:
    """The addresses ``match`` found in the territory plus the saved stops the list matches by label."""
    on_stops = _match_stops(_saved_stops(engine, campaign_id), listed)
    ids = on_stops.opposed_ids | (match.opposed_ids if match is not None else frozenset())
    missed = set(on_stops.unmatched["ligne"])
    if match is not None:
        missed &= set(match.unmatched["ligne"])
    return ids, OppositionSummary(len(listed), len(listed) - len(missed), len(ids), dataset)


def save_opposition(engine: Engine, campaign_id: int, listed: pd.DataFrame, *,
                    match: opposition.OppositionMatch | None = None, dataset: str = "") -> int:
    """Replace the campaign's opposition list (``lib.opposition.read_opposition_csv`` output); returns its lines.

    Matched once, here: ``match`` is the list matched against the territory's addresses
    (fingerprint ``dataset``, :func:`lib.opposition.addresses_fingerprint`); the saved stops are
    matched by label. Everything is computed before the one write transaction.
    """
    opposition.check_size(len(listed))
    ids, summary = _matched(engine, campaign_id, listed, match, dataset)
    rows = [{"campaign_id": campaign_id, "line": int(r.ligne), "text": str(r.texte), "key": str(r.cle),
             "postcode": None if pd.isna(r.code_postal) else str(r.code_postal)}
            for r in listed.itertuples(index=False)]

    def work(s: Session) -> int:
        s.execute(delete(OppositionLine).where(OppositionLine.campaign_id == campaign_id))
        if rows:
            s.execute(OppositionLine.__table__.insert(), rows)
        _store_match(s, campaign_id, ids, summary)
        return len(rows)
    return erase(engine, work, [*OPPOSITION_TABLES, DoorTap.__tablename__])


def rematch_opposition(engine: Engine, campaign_id: int, match_with, dataset: str) -> OppositionSummary:
    """Match the stored list again (the territory's addresses changed, or a list from before matches
    were kept): ``match_with(listed)`` matches it against the territory's addresses."""
    listed = load_opposition(engine, campaign_id)
    ids, summary = _matched(engine, campaign_id, listed, match_with(listed), dataset)
    erase(engine, lambda s: _store_match(s, campaign_id, ids, summary), [DoorTap.__tablename__])
    return opposition_summary(engine, campaign_id) or summary


def load_opposition(engine: Engine, campaign_id: int) -> pd.DataFrame:
    """The campaign's opposition list in the columns of ``read_opposition_csv`` (empty when none).

    Read only to match it again; what the pages and the phones need is :func:`opposed_addresses`.
    """
    def work(s: Session) -> list:
        q = (select(OppositionLine.line, OppositionLine.text, OppositionLine.key, OppositionLine.postcode)
             .where(OppositionLine.campaign_id == campaign_id).order_by(OppositionLine.line))
        return [tuple(r) for r in s.execute(q)]
    return pd.DataFrame(read(engine, work), columns=OPPOSITION_COLUMNS)


def opposition_summary(engine: Engine, campaign_id: int) -> OppositionSummary | None:
    """The campaign's list as matched (None when it has none): two indexed reads, whatever its length."""
    def work(s: Session) -> OppositionSummary | None:
        row = s.get(OppositionMatch, campaign_id)
        if row is not None:
            return OppositionSummary(row.lines, row.matched_lines, row.addresses, row.dataset, row.matched_at)
        lines = s.scalar(select(func.count()).select_from(OppositionLine)
                         .where(OppositionLine.campaign_id == campaign_id))
        return OppositionSummary(int(lines), 0, 0, None) if lines else None
    return read(engine, work)


def opposed_addresses(engine: Engine, campaign_id: int) -> frozenset[str]:
    """Address ids the campaign's list matched (at most the territory's addresses, never the list)."""
    return read(engine, lambda s: frozenset(s.scalars(select(OpposedAddress.address_id)
                                                      .where(OpposedAddress.campaign_id == campaign_id))))


def opposed_in(s: Session, campaign_id: int, stops: pd.DataFrame) -> set[str]:
    """Address ids of saved stops (``address_id``) now on the campaign's opposition list.

    Why: a plan is frozen when saved, but a person may object afterwards; their door must leave
    the volunteers' phones at once. One indexed lookup of these stops, whatever the list's length.
    """
    if stops.empty:
        return set()
    wanted = list(stops["address_id"].astype(str).unique())
    return set(s.scalars(select(OpposedAddress.address_id).where(OpposedAddress.campaign_id == campaign_id,
                                                                 OpposedAddress.address_id.in_(wanted))))


def opposed_stops(s: Session, where) -> set[int]:
    """Ids of saved stops (``TurfAddress``, filtered by ``where``) on their campaign's opposition list.

    Why: whatever leaves the store — backup, status map, coverage — must hold no trace of a door
    whose residents objected, whichever came first, the plan or the objection. A join on the
    matched addresses: the list itself is not read.
    """
    return {int(i) for i in s.scalars(_opposed_query(where))}


def _opposed_query(where) -> Select:
    return (select(TurfAddress.id).join(Turf, Turf.id == TurfAddress.turf_id)
            .join(WalkPlan, WalkPlan.id == Turf.plan_id)
            .join(OpposedAddress, and_(OpposedAddress.campaign_id == WalkPlan.campaign_id,
                                       OpposedAddress.address_id == TurfAddress.address_id)).where(where))


OPPOSED_IN_TURF = _opposed_query(TurfAddress.turf_id == bindparam("turf_id"))  # built once: every tap asks


def opposed_in_turf(s: Session, turf_id: int) -> set[int]:
    """:func:`opposed_stops` of one turf, the question each phone's tap asks."""
    return {int(i) for i in s.scalars(OPPOSED_IN_TURF, {"turf_id": turf_id})}


def erase_opposed_taps(s: Session, campaign_id: int) -> int:
    """Delete every door status recorded at an address of the campaign's opposition list."""
    stops = opposed_stops(s, WalkPlan.campaign_id == campaign_id)
    return s.execute(delete(DoorTap).where(DoorTap.stop_id.in_(stops))).rowcount if stops else 0


def match_unmatched_lists(engine: Engine) -> int:
    """At start: lists stored before matches were kept are matched against their saved stops (the
    walk-list page then matches them against the territory's addresses). Returns lists matched."""
    def work(s: Session) -> list[int]:
        return [int(c) for c in s.scalars(select(OppositionLine.campaign_id).distinct().where(
            OppositionLine.campaign_id.not_in(select(OppositionMatch.campaign_id))))]
    campaigns = read(engine, work)
    for cid in campaigns:
        rematch_opposition(engine, cid, lambda _listed: None, "")
    return len(campaigns)


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
    "opposition": (lambda s, cid: sum(s.execute(delete(m).where(m.campaign_id == cid)).rowcount
                                      for m in (OppositionLine, OpposedAddress, OppositionMatch)),
                   OPPOSITION_TABLES),
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
