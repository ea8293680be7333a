"""Droit d'opposition (CNIL): addresses whose residents asked not to be visited.

The uploaded list lives only in memory for the session: nothing is written to disk, and it is
used only to remove addresses from turfs and exports. Matching is on a normalised form of the
number and street (case, accents, punctuation, abbreviations, bis/ter), plus the postcode when
the list gives one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from lib import fr
from lib.errors import TerrainError
from lib.minint import read_table

ABBREVIATIONS = {
    "bd": "boulevard", "bld": "boulevard", "boul": "boulevard", "av": "avenue", "ave": "avenue",
    "r": "rue", "pl": "place", "fg": "faubourg", "fbg": "faubourg", "st": "saint", "ste": "sainte",
    "imp": "impasse", "sq": "square", "all": "allee", "chem": "chemin", "crs": "cours", "qu": "quai",
    "rte": "route", "pas": "passage", "psg": "passage", "vla": "villa", "cite": "cite", "hab": "hameau",
    "prom": "promenade", "pte": "porte", "res": "residence", "sen": "sentier", "mal": "mail",
}
SUFFIXES = {"b": "bis", "bis": "bis", "t": "ter", "ter": "ter", "q": "quater", "quater": "quater"}


def normalise_address(text: str) -> str:
    """« 12 bis, Bd de l'Hôpital » and « 12B boulevard de l hopital » give the same key."""
    words = fr.fold(text).split()
    out: list[str] = []
    for i, w in enumerate(words):
        m = re.fullmatch(r"(\d+)([a-z]*)", w)
        if m and not out:
            out.append(m.group(1))
            if m.group(2) in SUFFIXES:
                out.append(SUFFIXES[m.group(2)])
            continue
        if out and len(out) == 1 and w in SUFFIXES and i == 1:
            out.append(SUFFIXES[w])
            continue
        out.append(ABBREVIATIONS.get(w, w))
    return " ".join(out)


def address_keys(addresses: pd.DataFrame) -> pd.Series:
    """Normalised « number street » key of dataset addresses."""
    return (addresses["number"].astype(str) + " " + addresses["street"].astype(str)).map(normalise_address)


def read_opposition_csv(data: bytes, filename: str) -> pd.DataFrame:
    """Uploaded list → DataFrame(line, text, key, postcode). French errors for unusable files."""
    try:
        table = read_table(data, name=filename)
    except TerrainError as err:
        if "une seule colonne" not in str(err):
            raise
        lines = [ln for ln in data.decode("utf-8-sig", errors="replace").splitlines() if ln.strip()]
        table = pd.DataFrame({"adresse": lines[1:] if lines and "adresse" in fr.fold(lines[0]) else lines})
    cols = {fr.fold(c): c for c in table.columns}
    postcode_col = next((cols[c] for c in ("code postal", "cp", "postcode", "code_postal") if c in cols), None)
    if "adresse" in cols or "address" in cols:
        text = table[cols.get("adresse") or cols["address"]].astype(str)
    else:
        number = next((cols[c] for c in ("numero", "num", "n", "number") if c in cols), None)
        street = next((cols[c] for c in ("voie", "rue", "nom voie", "street") if c in cols), None)
        if number is None or street is None:
            raise TerrainError("colonnes introuvables : attendu « adresse », ou « numero » et « voie » "
                               "(avec « code_postal » en option).", source=filename)
        text = table[number].astype(str) + " " + table[street].astype(str)
    postcode = table[postcode_col].astype(str).str.extract(r"(\d{5})")[0] if postcode_col else None
    if postcode is None:  # a postcode typed inside the address
        postcode = text.str.extract(r"\b(\d{5})\b")[0]
        text = text.str.replace(r"\b\d{5}\b.*$", "", regex=True)
    out = pd.DataFrame({"ligne": range(2, len(text) + 2), "texte": text.str.strip(),
                        "cle": text.map(normalise_address), "code_postal": postcode})
    out = out[out["cle"].str.len() > 0]
    if out.empty:
        raise TerrainError("aucune adresse lisible dans la liste d'opposition.", source=filename)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class OppositionMatch:
    """Which dataset addresses are opposed, and which uploaded lines matched nothing."""

    opposed_ids: frozenset[str]
    unmatched: pd.DataFrame
    n_lines: int

    @property
    def n_matched_lines(self) -> int:
        """Uploaded lines that matched at least one address."""
        return self.n_lines - len(self.unmatched)


def match_opposition(addresses: pd.DataFrame, opposed: pd.DataFrame) -> OppositionMatch:
    """Match uploaded lines to dataset addresses on the normalised key (+ postcode if given)."""
    keys = pd.DataFrame({"address_id": addresses["address_id"].astype(str), "cle": address_keys(addresses),
                         "code_postal": addresses["postcode"].astype(str)})
    with_pc = opposed[opposed["code_postal"].notna()]
    without_pc = opposed[opposed["code_postal"].isna()]
    hits = pd.concat([with_pc.merge(keys, on=["cle", "code_postal"]),
                      without_pc.drop(columns=["code_postal"]).merge(keys, on="cle")])
    matched_lines = set(hits["ligne"])
    unmatched = opposed[~opposed["ligne"].isin(matched_lines)][["ligne", "texte"]].assign(
        raison="adresse introuvable dans les bureaux choisis")
    return OppositionMatch(frozenset(hits["address_id"]), unmatched.reset_index(drop=True), len(opposed))
