"""What the field covered: per turf, per team, per bureau, and which addresses are done.

An address is *done* when its latest door status is absent, ouvert or refus (somebody knocked),
or when its turf is marked « faite » (paper teams that report only the whole turf).
« À revoir » stays to do. Re-targeting skips done addresses unless asked.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lib.doors import DONE, OPENED
from lib.store.db import read
from lib.store.models import Turf, TurfAddress, WalkPlan
from lib.store.plans import plan_turfs
from lib.store.returns import latest_status, report_totals
from lib.store.sensitive import opposed_stops

TURF_FIGURES = ["knocked", "opened", "doors_knocked", "conversations", "interested", "proxies"]


def _stops(s: Session, where) -> pd.DataFrame:
    """Saved stops (minus those on the opposition list) with their latest status and whether done."""
    gone = opposed_stops(s, where)
    q = (select(TurfAddress.id, TurfAddress.turf_id, TurfAddress.address_id, TurfAddress.bureau_id,
                TurfAddress.est_doors, Turf.status.label("turf_status"))
         .join(Turf, Turf.id == TurfAddress.turf_id).join(WalkPlan, WalkPlan.id == Turf.plan_id).where(where))
    frame = pd.DataFrame(s.execute(q).all(), columns=["id", "turf_id", "address_id", "bureau_id", "est_doors",
                                                      "turf_status"])
    frame = frame[~frame["id"].isin(gone)].reset_index(drop=True)
    status = latest_status(s, frame["turf_id"].unique().tolist()) if len(frame) else {}
    frame["status"] = [status.get(int(i), "") for i in frame["id"]]
    frame["done"] = frame["status"].isin(DONE) | (frame["turf_status"] == "faite")
    return frame


def turf_coverage(engine: Engine, plan_id: int) -> pd.DataFrame:
    """Per turf of a plan: status, team, date, estimates, and what came back from the field."""
    turfs = plan_turfs(engine, plan_id)

    def work(s: Session) -> tuple[pd.DataFrame, dict]:
        return _stops(s, Turf.plan_id == plan_id), report_totals(s, turfs["id"].tolist())
    stops, totals = read(engine, work)
    knocked = stops[stops["status"] != ""]
    per = pd.DataFrame({
        "knocked": knocked.groupby("turf_id").size(),
        "opened": knocked[knocked["status"].isin(OPENED)].groupby("turf_id").size(),
        "doors_knocked": knocked.groupby("turf_id")["est_doors"].sum(),
        "done": stops.groupby("turf_id")["done"].sum(),
    })
    reports = pd.DataFrame.from_dict(totals, orient="index", columns=["conversations", "interested", "proxies"])
    out = turfs.join(per, on="id").join(reports, on="id")
    out["adresses"] = out["id"].map(stops.groupby("turf_id").size()).fillna(0).astype(int)  # still to visit
    for col in [*TURF_FIGURES, "done"]:
        out[col] = out[col].fillna(0)
    out["coverage"] = (out["done"] / out["adresses"].where(out["adresses"] > 0)).fillna(0.0)
    return out


def stop_statuses(engine: Engine, plan_id: int) -> dict[int, str]:
    """stop id → latest door status, for the addresses of one plan."""
    return read(engine, lambda s: latest_status(s, s.scalars(select(Turf.id).where(Turf.plan_id == plan_id)).all()))


def team_figures(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per team (turf coverage grouped by ``team``; unassigned turfs under « (sans équipe) »)."""
    teams = coverage.assign(team=coverage["team"].replace("", "(sans équipe)").fillna("(sans équipe)"))
    out = teams.groupby("team").agg(turfs=("id", "size"), **{c: (c, "sum") for c in TURF_FIGURES})
    return out.reset_index().sort_values("knocked", ascending=False, kind="stable")


def done_addresses(engine: Engine, campaign_id: int) -> frozenset[str]:
    """Address ids already done in any plan of the campaign (to skip them in new lists)."""
    def work(s: Session) -> pd.DataFrame:
        return _stops(s, WalkPlan.campaign_id == campaign_id)
    stops = read(engine, work)
    return frozenset(stops.loc[stops["done"], "address_id"].astype(str))


def bureau_coverage(engine: Engine, campaign_id: int) -> pd.DataFrame:
    """Per bureau planned in the campaign: addresses planned, done, share done (0–1)."""
    def work(s: Session) -> pd.DataFrame:
        return _stops(s, WalkPlan.campaign_id == campaign_id)
    every = read(engine, work)
    # an address in two plans counts once, done if done in either
    done = every.groupby("address_id")["done"].any()
    stops = every.drop_duplicates("address_id").assign(done=lambda f: f["address_id"].map(done))
    out = stops.groupby("bureau_id").agg(adresses=("address_id", "size"), faites=("done", "sum"))
    out["part"] = out["faites"] / out["adresses"]
    return out


COVERED_SHARE = 0.8  # a bureau whose planned addresses are this much done counts as covered (faded on the map)


def covered_bureaux(engine: Engine, campaign_id: int, *, threshold: float = COVERED_SHARE) -> frozenset[str]:
    """Bureaux whose planned addresses are at least ``threshold`` done."""
    cov = bureau_coverage(engine, campaign_id)
    return frozenset(cov.index[cov["part"] >= threshold].astype(str))
