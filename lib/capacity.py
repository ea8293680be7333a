"""Capacity planner: which turfs the campaign's volunteers can walk, highest priority first.

Volunteers walk in teams (``team_size`` in config.toml [capacity]: 2, a « binôme »); each team
walks one turf per outing, and every turf is cut to fit one outing (:func:`lib.walk.fit_turfs`:
knocking at ``doors_per_hour_collective`` in apartment buildings and ``doors_per_hour_individual``
in houses, plus walking the route). So the plan is the first turfs, in bureau priority order, up
to the number of team-outings. Nothing here is a fact about a person: doors and voters per
address are estimates from bureau totals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import fr
from lib.errors import TerrainError


@dataclass(frozen=True)
class Crew:
    """The campaign's volunteers as teams: each team walks one turf per outing."""

    volunteers: int
    outings_per_volunteer: int
    hours_per_outing: float
    team_size: int

    def __post_init__(self) -> None:
        if min(self.volunteers, self.outings_per_volunteer) < 0:
            raise TerrainError("les bénévoles et les sorties doivent être positifs.")
        if self.hours_per_outing <= 0:
            raise TerrainError("la durée d'une sortie doit être positive.")
        if self.team_size < 1:
            raise TerrainError("une équipe compte au moins un bénévole.")

    @property
    def teams(self) -> int:
        """Full teams (a volunteer left without a team walks with nobody: not counted)."""
        return self.volunteers // self.team_size

    @property
    def team_outings(self) -> int:
        """Turfs the crew can walk: teams × outings of each volunteer."""
        return self.teams * self.outings_per_volunteer

    @property
    def outing_minutes(self) -> float:
        return 60.0 * self.hours_per_outing

    @property
    def team_name(self) -> str:
        """« binôme », or « équipe de 3 »: how the page and the sentences name a team."""
        return "binôme" if self.team_size == 2 else f"équipe de {self.team_size}"

    @property
    def volunteer_hours(self) -> float:
        """Volunteer-hours of the campaign, idle volunteers included."""
        return float(self.volunteers * self.outings_per_volunteer * self.hours_per_outing)


def bureau_workload(addresses: pd.DataFrame, *, doors_per_hour_collective: float,
                    doors_per_hour_individual: float) -> pd.DataFrame:
    """Per bureau: addresses, estimated doors and voters, hours to knock every door."""
    if min(doors_per_hour_collective, doors_per_hour_individual) <= 0:
        raise TerrainError("les portes par heure doivent être positives.")
    rate = np.where(addresses["housing"] == "collectif", doors_per_hour_collective, doors_per_hour_individual)
    work = addresses.assign(hours=addresses["est_doors"] / rate)
    return work.groupby("bureau_id").agg(adresses=("est_doors", "size"), portes=("est_doors", "sum"),
                                         inscrits=("est_voters", "sum"), heures=("hours", "sum"))


FULL, PARTIAL, OUT, EMPTY = "en entier", "en partie", "hors capacité", "aucune adresse"


@dataclass(frozen=True)
class TurfCoverage:
    """The turfs a crew walks (the plan) and those left out (the reserve), in priority order."""

    turfs: pd.DataFrame  # index turf_id: bureau_id, portes_estimees, inscrits_estimes, sorties, in_plan
    bureaux: pd.DataFrame  # index bureau_id (chosen bureaux, priority order): parcours, planifies, portes, statut
    crew: Crew

    @property
    def plan(self) -> list[str]:
        return self.turfs.index[self.turfs["in_plan"]].tolist()

    @property
    def reserve(self) -> list[str]:
        return self.turfs.index[~self.turfs["in_plan"]].tolist()

    @property
    def outings_used(self) -> int:
        return int(self.turfs.loc[self.turfs["in_plan"], "sorties"].sum())

    @property
    def outings_missing(self) -> int:
        """Team-outings more it would take to walk every turf."""
        return max(0, int(self.turfs["sorties"].sum()) - self.crew.team_outings)

    @property
    def doors(self) -> float:
        return float(self.turfs.loc[self.turfs["in_plan"], "portes_estimees"].sum())

    @property
    def volunteer_hours(self) -> float:
        """Volunteer-hours the plan's turfs take (whole outings of whole teams)."""
        return self.outings_used * self.crew.team_size * self.crew.hours_per_outing

    def count(self, status: str) -> int:
        return int((self.bureaux["statut"] == status).sum())

    def keep(self, turfs: pd.DataFrame, summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The plan's rows of a cut and of its summary: what the packet, exports and saved plan hold."""
        plan = set(self.plan)
        return (turfs[turfs["turf_id"].isin(plan)].reset_index(drop=True),
                summary[summary["turf_id"].isin(plan)].reset_index(drop=True))


def fill_outings(turfs: pd.DataFrame, summary: pd.DataFrame, bureau_ids: list[str], crew: Crew) -> TurfCoverage:
    """Take turfs in priority order — bureaux in ``bureau_ids`` order, each bureau's turfs in walking
    order — while the crew's team-outings last.

    A turf takes one team-outing; one address longer than an outing by itself (never split) takes
    as many as its minutes need. The plan is a prefix: more volunteers add turfs after it.
    """
    rank = {str(b): i for i, b in enumerate(bureau_ids)}
    per = summary.set_index("turf_id")[["portes_estimees", "inscrits_estimes", "minutes_estimees"]].join(
        turfs.groupby("turf_id")["bureau_id"].first().astype(str))
    per = per.assign(_rank=per["bureau_id"].map(rank).fillna(len(rank))).sort_index()
    per = per.sort_values("_rank", kind="stable").drop(columns="_rank")
    per["sorties"] = np.maximum(1, np.ceil(per["minutes_estimees"] / crew.outing_minutes - 1e-9)).astype(int)
    per["in_plan"] = per["sorties"].cumsum() <= crew.team_outings
    by = per.groupby("bureau_id")
    table = pd.DataFrame({"parcours": by.size(), "planifies": by["in_plan"].sum(), "portes": by["portes_estimees"].sum()}
                         ).reindex(pd.Index([str(b) for b in bureau_ids], name="bureau_id")).fillna(0).astype(int)
    table["statut"] = np.select([table["parcours"] == 0, table["planifies"] == table["parcours"],
                                 table["planifies"] == 0], [EMPTY, FULL, OUT], PARTIAL)
    return TurfCoverage(per, table, crew)


def _ordinal(position: int) -> str:
    return "1er" if position == 1 else f"{position}e"


def _teams(crew: Crew, count: int) -> str:
    """« 6 binômes », « 4 équipes de 3 »."""
    return fr.counted(count, crew.team_name, "binômes" if crew.team_size == 2 else f"équipes de {crew.team_size}")


def _outings(crew: Crew, count: int) -> str:
    """« 6 sorties de binôme »."""
    return fr.counted(count, f"sortie de {crew.team_name}", f"sorties de {crew.team_name}")


def crew_text(crew: Crew) -> str:
    """« 12 bénévoles → 6 binômes × 1 sortie = 6 sorties de binôme de 3 h (36 heures-bénévoles). »"""
    hours = fr.number(crew.hours_per_outing, 0 if float(crew.hours_per_outing).is_integer() else 1)
    text = (f"{fr.counted(crew.volunteers, 'bénévole', 'bénévoles')} → {_teams(crew, crew.teams)} × "
            f"{fr.counted(crew.outings_per_volunteer, 'sortie', 'sorties')} = {_outings(crew, crew.team_outings)} "
            f"de {hours} h ({fr.counted(crew.volunteer_hours, 'heure-bénévole', 'heures-bénévoles')}).")
    idle = crew.volunteers % crew.team_size
    if idle:
        text += f" {fr.counted(idle, 'bénévole', 'bénévoles')} sans {crew.team_name} " + (
            "n'est pas compté." if idle < 2 else "ne sont pas comptés.")
    return text


def crew_problem(crew: Crew) -> str | None:
    """Why this crew can walk no turf at all, in French; None when it can."""
    if crew.team_outings:
        return None
    return (f"Aucune sortie de {crew.team_name} : il faut au moins {crew.team_size} bénévoles et une sortie "
            "chacun pour préparer des parcours. Le détail par bureau dit ce qu'il faudrait.")


def coverage_text(cov: TurfCoverage) -> str:
    """« 7 bureaux couverts en entier, le 8e en partie (3 parcours sur 5) ; 2 bureaux hors capacité. »"""
    full, out, empty = cov.count(FULL), cov.count(OUT), cov.count(EMPTY)
    parts = [f"{fr.counted(full, 'bureau couvert', 'bureaux couverts')} en entier"] if full else []
    for bureau_id, row in cov.bureaux[cov.bureaux["statut"] == PARTIAL].iterrows():  # at most one: a prefix
        which = _ordinal(cov.bureaux.index.get_loc(bureau_id) + 1) + ("" if full else " bureau")
        parts.append(f"le {which} en partie ({row['planifies']} parcours sur {row['parcours']})")
    text = ", ".join(parts) or "aucun bureau couvert"
    if out:
        text += f" ; {fr.counted(out, 'bureau', 'bureaux')} hors capacité"
    if empty:
        text += f" ; {fr.counted(empty, 'bureau', 'bureaux')} sans adresse à visiter"
    return text[0].upper() + text[1:] + "."


def shortfall_text(cov: TurfCoverage) -> str:
    """What more volunteers or outings would cover every turf, or the team-outings left over."""
    crew, missing = cov.crew, cov.outings_missing
    if not missing:
        spare = crew.team_outings - cov.outings_used
        return "Tous les parcours sont dans le plan." + (
            f" Il reste {_outings(crew, spare)} sans parcours : ajoutez des bureaux." if spare else "")
    ways = []
    if crew.outings_per_volunteer:
        teams = math.ceil(missing / crew.outings_per_volunteer)
        more = teams * crew.team_size - crew.volunteers % crew.team_size
        ways.append(f"{fr.counted(more, 'bénévole', 'bénévoles')} de plus "
                    f"({fr.counted(crew.outings_per_volunteer, 'sortie', 'sorties')} chacun)")
    if crew.teams:
        ways.append(f"{fr.counted(math.ceil(missing / crew.teams), 'sortie', 'sorties')} de plus pour chacun")
    return (f"Pour tout couvrir, il faudrait {_outings(crew, missing)} de plus"
            + (f" : {' ou '.join(ways)}." if ways else "."))


def long_turfs_text(cov: TurfCoverage) -> str | None:
    """Turfs of one address longer than an outing (an address is never split), if any."""
    long = cov.turfs[cov.turfs["sorties"] > 1]
    if long.empty:
        return None
    return (f"{fr.counted(len(long), 'parcours', 'parcours')} d'une seule adresse "
            f"({', '.join(long.index)}) {'dure' if len(long) < 2 else 'durent'} plus qu'une sortie : "
            f"{'il compte' if len(long) < 2 else 'chacun compte'} pour plusieurs sorties de {cov.crew.team_name} "
            "(plusieurs équipes dans le même immeuble).")


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
