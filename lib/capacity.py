"""Capacity planner: what the campaign's volunteers can cover, and which bureaux first.

Assumptions (all editable in the UI, defaults in config.toml [capacity]): a volunteer-hour knocks
``doors_per_hour_collective`` doors in apartment buildings and ``doors_per_hour_individual`` in
houses; walking between addresses is included in those rates. Nothing here is a fact about a
person: doors and voters per address are estimates from bureau totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import TerrainError


@dataclass(frozen=True)
class CapacityPlan:
    """Volunteer-hours available and what they buy."""

    volunteer_hours: float
    bureaux_covered: int
    addresses: int
    doors: float
    voters: float
    hours_needed_all: float


def volunteer_hours(volunteers: int, outings_per_volunteer: int, hours_per_outing: float) -> float:
    """Total volunteer-hours of the campaign."""
    if min(volunteers, outings_per_volunteer) < 0 or hours_per_outing < 0:
        raise TerrainError("les bénévoles, sorties et heures doivent être positifs.")
    return float(volunteers * outings_per_volunteer * hours_per_outing)


def bureau_workload(addresses: pd.DataFrame, *, doors_per_hour_collective: float,
                    doors_per_hour_individual: float) -> pd.DataFrame:
    """Per bureau: addresses, estimated doors and voters, hours to knock every door."""
    if min(doors_per_hour_collective, doors_per_hour_individual) <= 0:
        raise TerrainError("les portes par heure doivent être positives.")
    rate = np.where(addresses["housing"] == "collectif", doors_per_hour_collective, doors_per_hour_individual)
    work = addresses.assign(hours=addresses["est_doors"] / rate)
    return work.groupby("bureau_id").agg(adresses=("est_doors", "size"), portes=("est_doors", "sum"),
                                         inscrits=("est_voters", "sum"), heures=("hours", "sum"))


def coverage_plan(ranked_ids: list[str], workload: pd.DataFrame, hours_available: float) -> tuple[pd.DataFrame, CapacityPlan]:
    """In rank order: cumulative hours and whether each bureau fits in the volunteer-hours."""
    plan = workload.reindex(ranked_ids).dropna(how="all").copy()
    plan["heures_cumulees"] = plan["heures"].cumsum()
    plan["statut"] = np.where(plan["heures_cumulees"] <= hours_available + 1e-9, "couvert", "hors capacité")
    covered = plan[plan["statut"] == "couvert"]
    summary = CapacityPlan(hours_available, len(covered), int(covered["adresses"].sum()),
                           float(covered["portes"].sum()), float(covered["inscrits"].sum()),
                           float(plan["heures"].sum()))
    return plan.reset_index(names="bureau_id"), summary


@dataclass(frozen=True)
class Effort:
    """Doors and volunteer-hours to cover a set of bureaux (estimates)."""

    doors: float
    hours_low: float
    hours_high: float  # equal to hours_low when the housing mix is known (addresses)

    @property
    def exact_mix(self) -> bool:
        """True when hours come from the addresses' housing (one figure, not a range)."""
        return self.hours_low == self.hours_high


def targeted_effort(bureau_ids: list[str], bureaux: pd.DataFrame, addresses: pd.DataFrame | None, *,
                    registered_per_door: float, doors_per_hour_collective: float,
                    doors_per_hour_individual: float) -> Effort:
    """Doors and volunteer-hours for ``bureau_ids``.

    With addresses, each address is knocked at the rate of its housing (apartment buildings or
    houses), as in the walk-list planner. Without, the housing mix is unknown: the hours are a
    range from all-apartments (fast) to all-houses (slow) rather than a figure that looks exact.
    """
    from lib.walk import addresses_for  # walk lists sit on top of the capacity planner

    if min(doors_per_hour_collective, doors_per_hour_individual) <= 0:
        raise TerrainError("les portes par heure doivent être positives.")
    if addresses is not None and len(addresses):
        work = addresses_for(addresses, bureaux, bureau_ids, registered_per_door=registered_per_door)
        load = bureau_workload(work, doors_per_hour_collective=doors_per_hour_collective,
                               doors_per_hour_individual=doors_per_hour_individual)
        hours = float(load["heures"].sum())
        return Effort(float(load["portes"].sum()), hours, hours)
    registered = pd.to_numeric(bureaux.set_index("bureau_id")["registered"].reindex(bureau_ids)).sum()
    doors = float(registered) / registered_per_door
    return Effort(doors, doors / doors_per_hour_collective, doors / doors_per_hour_individual)
