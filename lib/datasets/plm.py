"""Paris, Lyon and Marseille results published per municipal arrondissement, on the commune's
bureau ids (and back).

Why: a results file may give a Paris bureau as commune 75115, bureau 0001 while the contours
number it 75056_1501 (arrondissement and bureau, « AABB »), or the reverse; matched as they are,
every result of the city would be « résultats sans contour ». Each election is remapped with the
form that matches the most contours, and only when it matches more than the ids as published.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from lib.datasets.addresses import PLM

PARENT = {arr: city for city, arrs in PLM.items() for arr in arrs}  # arrondissement → commune
NUMBER = {arr: i + 1 for arrs in PLM.values() for i, arr in enumerate(arrs)}  # arrondissement → its number


def to_commune_same_code(bid: str) -> str:
    """75115_0001 → 75056_0001 (a city numbering its bureaux across the commune)."""
    commune, _, bureau = bid.partition("_")
    return f"{PARENT[commune]}_{bureau}" if commune in PARENT else bid


def to_commune_aabb(bid: str) -> str:
    """75115_0001 → 75056_1501 (arrondissement number, then the bureau's two digits)."""
    commune, _, bureau = bid.partition("_")
    if commune not in PARENT or not re.fullmatch(r"00\d\d", bureau):
        return bid
    return f"{PARENT[commune]}_{NUMBER[commune]:02d}{bureau[2:]}"


def to_arrondissement(bid: str) -> str:
    """75056_1501 → 75115_0001 (the reverse: contours numbered per arrondissement)."""
    commune, _, bureau = bid.partition("_")
    if commune not in PLM or not re.fullmatch(r"\d{4}", bureau) or not 1 <= int(bureau[:2]) <= len(PLM[commune]):
        return bid
    return f"{PLM[commune][int(bureau[:2]) - 1]}_00{bureau[2:]}"


FORMS: dict[str, Callable[[str], str]] = {
    "arrondissement → commune (même numéro)": to_commune_same_code,
    "arrondissement → commune (AABB)": to_commune_aabb,
    "commune → arrondissement": to_arrondissement,
}


def remap(results: pd.DataFrame, contour_ids: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """Results of Paris, Lyon, Marseille on the contours' bureau ids, per election; notes say
    which election was remapped, how, and how many bureaux it gained."""
    if not (set(results["bureau_id"].astype(str).str[:5]) & (set(PARENT) | set(PLM))):
        return results, []
    out, notes = results.copy(), []
    for election, rows in results.groupby("election", sort=False):
        ids = rows["bureau_id"].astype(str)
        matched = ids[ids.isin(contour_ids)].nunique()
        name, mapped = max(((n, ids.map(f)) for n, f in FORMS.items()), key=lambda nf: nf[1].isin(contour_ids).sum())
        gained = mapped[mapped.isin(contour_ids)].nunique() - matched
        if gained > 0:
            out.loc[rows.index, "bureau_id"] = mapped
            notes.append(f"{election} : résultats publiés par arrondissement rapportés aux bureaux des contours "
                         f"({name}) : {gained} bureau(x) de plus en correspondance.")
    return out, notes
