"""Backup and move: one campaign to one versioned JSON file, and back on any server.

Left out on purpose: the opposition list and imported results (never in any export), the
addresses of the opposition list (and so their door history), and the volunteer links (a token is a secret of the server that issued it: issue new links after a move).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from lib.errors import TerrainError
from lib.store.campaigns import clean_name
from lib.store.checks import checked_backup
from lib.store.db import read, write
from lib.store.models import Campaign, DoorTap, Scenario, Turf, TurfAddress, TurfReport, WalkPlan
from lib.store.sensitive import opposed_stops

FORMAT = "terrain-campagne"
VERSION = 1
STAMPS = ("name", "organiser", "archived", "created_at", "updated_at")
ADDRESS = ("stop", "address_id", "bureau_id", "label", "lon", "lat", "est_voters", "est_doors", "housing")
TAP = ("tap_id", "status", "source", "recorded_at")
REPORT = ("report_id", "conversations", "interested", "proxies", "recorded_at")


def _cols(row, names) -> dict:
    return {n: getattr(row, n) for n in names}


def _json_default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _turf_dump(s: Session, turf: Turf, opposed: set[int]) -> dict:
    """A turf without the addresses of the opposition list: the backup does not carry the list, so
    a restored campaign must not hold those doors either."""
    stops = [a for a in s.scalars(select(TurfAddress).where(TurfAddress.turf_id == turf.id)
                                  .order_by(TurfAddress.stop)) if a.id not in opposed]
    stop_no = {a.id: a.stop for a in stops}
    taps = [t for t in s.scalars(select(DoorTap).where(DoorTap.turf_id == turf.id).order_by(DoorTap.id))
            if t.stop_id in stop_no]
    reports = s.scalars(select(TurfReport).where(TurfReport.turf_id == turf.id).order_by(TurfReport.id))
    return {**_cols(turf, ("code", "status", "team", "planned_date", "summary")),
            "addresses": [_cols(a, ADDRESS) for a in stops],
            "taps": [{**_cols(t, TAP), "stop": stop_no[t.stop_id]} for t in taps],
            "reports": [_cols(r, REPORT) for r in reports]}


def export_campaign(engine: Engine, campaign_id: int) -> bytes:
    """The campaign, its scenarios, plans, turfs, addresses and returns as UTF-8 JSON."""
    def work(s: Session) -> dict:
        c = s.get(Campaign, campaign_id)
        if c is None:
            raise TerrainError("cette campagne n'existe plus.")
        scenarios = s.scalars(select(Scenario).where(Scenario.campaign_id == campaign_id).order_by(Scenario.id))
        plans = s.scalars(select(WalkPlan).where(WalkPlan.campaign_id == campaign_id).order_by(WalkPlan.id)).all()
        opposed = opposed_stops(s, WalkPlan.campaign_id == campaign_id)
        return {"format": FORMAT, "version": VERSION,
                "campaign": _cols(c, ("territory", *STAMPS, "election_date", "retention_days")),
                "scenarios": [_cols(x, (*STAMPS, "query")) for x in scenarios],
                "plans": [{**_cols(p, (*STAMPS, "bureaux", "holdout", "settings")),
                           "turfs": [_turf_dump(s, t, opposed) for t in s.scalars(
                               select(Turf).where(Turf.plan_id == p.id).order_by(Turf.code))]} for p in plans]}
    return json.dumps(read(engine, work), ensure_ascii=False, default=_json_default).encode()


def _parse(data: bytes) -> dict:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise TerrainError("ce fichier n'est pas une sauvegarde de campagne Terrain (JSON illisible).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TerrainError("ce fichier n'est pas une sauvegarde de campagne Terrain.")
    if doc.get("version") != VERSION:
        version = doc.get("version") if isinstance(doc.get("version"), int) else "inconnue"
        raise TerrainError(f"version de sauvegarde {version} non prise en charge par ce serveur "
                           f"(attendu : {VERSION}). Mettez Terrain à jour.")
    return doc


def _load_turf(s: Session, plan_id: int, t: dict) -> None:
    turf = Turf(plan_id=plan_id, **{k: v for k, v in t.items() if k not in ("addresses", "taps", "reports")})
    s.add(turf)
    s.flush()
    if t["addresses"]:
        s.execute(insert(TurfAddress), [{**a, "turf_id": turf.id} for a in t["addresses"]])
    ids = dict(s.execute(select(TurfAddress.stop, TurfAddress.id).where(TurfAddress.turf_id == turf.id)).all())
    for tap in t["taps"]:
        s.add(DoorTap(turf_id=turf.id, stop_id=ids[tap["stop"]], **{k: tap[k] for k in TAP}))
    for rep in t["reports"]:
        s.add(TurfReport(turf_id=turf.id, **rep))


def import_campaign(engine: Engine, data: bytes, *, name: str | None = None,
                    territories: Collection[str] | None = None) -> int:
    """Create a campaign from a backup file under new ids (returns the campaign's); ``name``
    renames the copy. The whole file is checked first (:func:`lib.store.checks.checked_backup`,
    ``territories``: the ones this server knows): a bad file writes nothing and says what is wrong."""
    doc = checked_backup(_parse(data), territories)

    def work(s: Session) -> int:
        c = Campaign(**doc["campaign"])
        if name:
            c.name = clean_name(name)
        s.add(c)
        s.flush()
        for sc in doc["scenarios"]:
            s.add(Scenario(campaign_id=c.id, **sc))
        for p in doc["plans"]:
            plan = WalkPlan(campaign_id=c.id, **{k: v for k, v in p.items() if k != "turfs"})
            s.add(plan)
            s.flush()
            for t in p["turfs"]:
                _load_turf(s, plan.id, t)
        return c.id
    return write(engine, work)


def duplicate_campaign(engine: Engine, campaign_id: int, name: str) -> int:
    """A full copy of a campaign (plans, turfs, returns) under a new name."""
    return import_campaign(engine, export_campaign(engine, campaign_id), name=clean_name(name))
