"""Walk plans frozen as saved: chosen bureaux, holdout design, turfs and their ordered addresses.

Why frozen: a list printed on Saturday must still match the link a volunteer opens on Sunday,
even if the priority weights or the cutting code changed in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from lib import fr
from lib.errors import TerrainError
from lib.store.campaigns import Item, clean_name, get_row, list_items
from lib.store.db import read, write
from lib.store.models import Turf, TurfAddress, WalkPlan, utcnow
from lib.store.sensitive import oppose_new_stops, opposed_stops

TURF_STATUSES = {"a_faire": "À faire", "attribuee": "Attribuée", "faite": "Faite"}
ADDRESS_COLUMNS = ("stop", "address_id", "bureau_id", "label", "lon", "lat", "est_voters", "est_doors", "housing")
SUMMARY_KEYS = ("bureaux", "adresses", "portes_estimees", "inscrits_estimes", "parcours_m", "minutes_estimees")


def _plain(value: object) -> object:
    """numpy scalars → Python (JSON columns and drivers want plain values)."""
    return value.item() if hasattr(value, "item") else value


def _address_rows(turf_id: int, rows: pd.DataFrame) -> list[dict]:
    cols = [c for c in ADDRESS_COLUMNS if c in rows.columns]
    records = rows[cols].to_dict("records")
    return [{"turf_id": turf_id, "housing": "", "est_voters": 0.0, "est_doors": 0.0,
             **{k: _plain(v) for k, v in r.items()}} for r in records]


def _summary_of(summary: pd.DataFrame) -> dict[str, dict]:
    if summary is None or summary.empty:
        return {}
    keep = [c for c in SUMMARY_KEYS if c in summary.columns]
    return {str(r["turf_id"]): {k: _plain(r[k]) for k in keep} for r in summary.to_dict("records")}


def save_plan(engine: Engine, campaign_id: int, name: str, turfs: pd.DataFrame, summary: pd.DataFrame, *,
              bureaux: Iterable[str], holdout: pd.DataFrame | None = None,
              settings: Mapping[str, object] | None = None, organiser: str = "") -> int:
    """Store a plan and its turfs as cut (``lib.walk.plan_turfs`` output); returns the plan id."""
    if turfs.empty:
        raise TerrainError("aucun parcours à enregistrer : choisissez des bureaux avec des adresses.")
    design = None if holdout is None else [{k: _plain(v) for k, v in r.items()} for r in holdout.to_dict("records")]
    fields = {"campaign_id": campaign_id, "name": clean_name(name), "organiser": organiser.strip(),
              "bureaux": [str(b) for b in bureaux], "holdout": design,
              "settings": {k: _plain(v) for k, v in (settings or {}).items()}}
    per_turf = _summary_of(summary)
    groups = {str(code): rows.sort_values("stop") for code, rows in turfs.groupby("turf_id", sort=True)}

    def work(s: Session) -> int:
        plan = WalkPlan(**fields)
        s.add(plan)
        s.flush()
        rows = [Turf(plan_id=plan.id, code=code, summary=per_turf.get(code, {})) for code in groups]
        s.add_all(rows)
        s.flush()
        stops = [a for row in rows for a in _address_rows(row.id, groups[row.code])]
        s.execute(insert(TurfAddress), stops)
        oppose_new_stops(s, campaign_id, pd.DataFrame(stops, columns=["address_id", "label"]))
        return plan.id
    return write(engine, work)


def list_plans(engine: Engine, campaign_id: int, *, archived: bool = False) -> list[Item]:
    """Walk plans of a campaign, newest first."""
    return list_items(engine, WalkPlan, campaign_id, archived)


def get_plan(engine: Engine, plan_id: int) -> WalkPlan:
    """A plan (bureaux, holdout, settings)."""
    return get_row(engine, WalkPlan, plan_id, "ce plan de porte-à-porte n'existe plus.")


def holdout_design(engine: Engine, plan_id: int) -> pd.DataFrame | None:
    """The holdout saved with a plan (bureau_id, strate, groupe), for the impact measure after the vote."""
    design = get_plan(engine, plan_id).holdout
    return None if design is None else pd.DataFrame(design, columns=["bureau_id", "strate", "groupe"])


TURF_COLUMNS = ["id", "code", "status", "team", "planned_date", "version", "updated_by", "updated_at"]


def plan_turfs(engine: Engine, plan_id: int) -> pd.DataFrame:
    """One row per turf: id, code, status, team, planned date, its version (who changed it last
    and when) and the estimates saved with it."""
    def work(s: Session) -> list[dict]:
        rows = s.scalars(select(Turf).where(Turf.plan_id == plan_id).order_by(Turf.code))
        # the summary's known keys only, before the turf's own fields: a summary carrying « id »
        # (a backup edited by hand) once made Suivi issue links to another campaign's turf
        return [{**{k: v for k, v in (t.summary or {}).items() if k in SUMMARY_KEYS},
                 **{c: getattr(t, c) for c in TURF_COLUMNS}} for t in rows]
    return pd.DataFrame(read(engine, work), columns=[*TURF_COLUMNS, *SUMMARY_KEYS])


def plan_addresses(engine: Engine, plan_id: int) -> pd.DataFrame:
    """The saved addresses in walking order, in the columns of ``lib.walk`` (``turf_id`` = code),
    without those now on the campaign's opposition list (they are not to be visited any more)."""
    def work(s: Session) -> list:
        gone = opposed_stops(s, Turf.plan_id == plan_id)
        q = (select(Turf.code, *(getattr(TurfAddress, c) for c in ADDRESS_COLUMNS), TurfAddress.id)
             .join(TurfAddress, TurfAddress.turf_id == Turf.id).where(Turf.plan_id == plan_id)
             .order_by(Turf.code, TurfAddress.stop))
        return [tuple(r) for r in s.execute(q) if r.id not in gone]
    return pd.DataFrame(read(engine, work), columns=["turf_id", *ADDRESS_COLUMNS, "stop_id"])


EDITABLE = ("status", "team", "planned_date")


def update_turfs(engine: Engine, plan_id: int, changes: Iterable[Mapping[str, object]], *,
                 organiser: str = "") -> int:
    """Apply edits of status / team / planned date (rows keyed by turf ``id``); returns fields changed.

    An edit carrying the turf's ``version`` as the organiser saw it is refused when somebody else
    changed the turf since (optimistic locking: two organisers on « Suivi du terrain »), with who,
    when and what the turf says now; nothing of the batch is saved then. An edit that asks for
    what the turf already says changes nothing and is never a conflict.
    """
    edits = list(changes)
    for e in edits:
        if "status" in e and e["status"] not in TURF_STATUSES:
            raise TerrainError(f"statut de parcours inconnu « {e['status']} » (à faire, attribuée ou faite).")
    who = organiser.strip()[:200]

    def work(s: Session) -> int:
        n = 0
        for e in edits:
            turf = s.get(Turf, int(e["id"]), with_for_update=True)  # type: ignore[arg-type]
            if turf is None or turf.plan_id != plan_id:
                raise TerrainError("parcours introuvable dans ce plan.")
            new = {k: _date(e[k]) if k == "planned_date" else str(e[k] or "") for k in EDITABLE if k in e}
            new = {k: v for k, v in new.items() if getattr(turf, k) != v}  # after normalising: no phantom edits
            if not new:
                continue
            if e.get("version") is not None and int(e["version"]) != turf.version:  # type: ignore[call-overload]
                raise TerrainError(edited_meanwhile(turf))
            for key, value in new.items():
                setattr(turf, key, value)
            turf.version, turf.updated_by, turf.updated_at = turf.version + 1, who, utcnow()
            n += len(new)
        return n
    return write(engine, work)


def edited_meanwhile(turf: Turf) -> str:
    """Who changed a turf since the organiser's screen was drawn, when, and what it says now."""
    who = fr.markdown_text(turf.updated_by) if turf.updated_by else "un autre organisateur"
    when = f" le {turf.updated_at:%d/%m/%Y à %H:%M}" if turf.updated_at else ""
    now = [f"statut « {TURF_STATUSES.get(turf.status, turf.status)} »",
           f"équipe « {fr.markdown_text(turf.team)} »" if turf.team else "sans équipe",
           f"date prévue {fr.day_text(turf.planned_date)}" if turf.planned_date else "sans date prévue"]
    return (f"le parcours {fr.markdown_text(turf.code)} a été modifié entre-temps par {who}{when} : il indique "
            f"maintenant {', '.join(now)}. Votre modification n'a pas été enregistrée ; le tableau montre la "
            "version à jour, refaites-la si elle est toujours voulue.")


def _date(value: object) -> date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()


def duplicate_plan(engine: Engine, plan_id: int, name: str, organiser: str = "") -> int:
    """A copy of a plan with its turfs (fresh statuses, no returns, no links)."""
    old = get_plan(engine, plan_id)
    addresses = plan_addresses(engine, plan_id).drop(columns="stop_id")
    turfs = plan_turfs(engine, plan_id).rename(columns={"code": "turf_id"})
    return save_plan(engine, old.campaign_id, name, addresses, turfs, bureaux=old.bureaux,
                     holdout=None if old.holdout is None else pd.DataFrame(old.holdout),
                     settings=old.settings, organiser=organiser)


