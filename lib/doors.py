"""The field vocabulary, one home for every page, export and the store: door statuses and turf totals.

Why one home: the phone, the paper packet, the CSV/XLSX lists and the paper import must speak
the same four door statuses, so a sheet filled by hand reads back exactly. A door status says
what happened at the door, never what the people think: opinions are only counted per turf
(``TURF_TOTALS``), never per address or per person (CNIL).
"""

from __future__ import annotations

import math

DOOR_STATUSES = {"absent": "Absent", "ouvert": "Ouvert", "refus": "Refus", "a_revoir": "À revoir"}
OPENED = ("ouvert", "refus")  # somebody came to the door
DONE = ("absent", "ouvert", "refus")  # somebody knocked; « à revoir » stays to do
STATUS_COLUMN = "Statut"  # the column of the exported lists filled in by hand, read back by the paper import
MAX_TURF_TOTAL = 10_000  # a turf's count (conversations…) above this is a typo, refused in French
STOP_MAX = 100_000  # stop numbers of a turf (a phone sending 10^30 is refused in French)
TOTAL_PER_DOOR = 5  # what a turf's reports may add up to per door (a household, visited again)
TURF_TOTALS = {"conversations": "Conversations", "interested": "Personnes intéressées",
               "proxies": "Procurations demandées"}


def totals_cap(addresses: int, est_doors: float) -> int:
    """The most each of a turf's totals (conversations…) may add up to over all its reports.

    Why: three reports at the 10,000 cap were accepted for a 20-address turf. A turf cannot give
    more conversations than its doors (at least one per address) times a household, visited again.
    """
    return min(MAX_TURF_TOTAL, TOTAL_PER_DOOR * max(int(addresses), math.ceil(est_doors)))


def status_hint() -> str:
    """« Absent, Ouvert, Refus ou À revoir »: the statuses as a French enumeration."""
    labels = list(DOOR_STATUSES.values())
    return ", ".join(labels[:-1]) + " ou " + labels[-1]
