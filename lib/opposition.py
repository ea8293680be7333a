"""Droit d'opposition (CNIL): addresses whose residents asked not to be visited.

Without a campaign the list lives in memory for the session; with one it is kept with the
campaign (:mod:`lib.store.sensitive`), never exported. It is matched once, when it is stored,
against the territory's addresses; what the walk lists and the phones use afterwards are the
matched address ids. Matching is on a normalised form of the number and street (case, accents,
punctuation, abbreviations, bis/ter), plus the postcode when the list gives one. A list is capped
at ``MAX_LINES`` lines: more than the largest territory's addresses (Paris: 157,000).
"""

from __future__ import annotations

import hashlib
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
MAX_ADDRESS_CHARS = 300  # one address; keys are indexed in the workspace
MAX_LINES = 200_000  # Paris has 157,000 addresses: a longer list is not one territory's objections


def check_size(lines: int) -> None:
    """Refuse a list longer than ``MAX_LINES`` (said in French, with the cap)."""
    if lines > MAX_LINES:
        raise TerrainError(f"liste d'opposition trop longue : {fr.number(lines)} lignes (limite "
                           f"{fr.number(MAX_LINES)}, plus que les adresses de Paris). Gardez les adresses "
                           "de votre territoire et réessayez.")


def addresses_fingerprint(addresses: pd.DataFrame) -> str:
    """A short fingerprint of a territory's address ids: a list matched against other ids is matched again."""
    ids = pd.util.hash_pandas_object(addresses["address_id"].astype(str), index=False).to_numpy()
    return hashlib.sha256(ids.tobytes()).hexdigest()[:32]


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
    check_size(data.count(b"\n") - 1)  # before parsing: a 900,000-line file is refused at once
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
    long = out[out["cle"].str.len() > MAX_ADDRESS_CHARS]
    if len(long):
        raise TerrainError(f"ligne {long['ligne'].iloc[0]} : plus de {MAX_ADDRESS_CHARS} caractères, ce n'est pas une "
                           "adresse. Une adresse par ligne, et réessayez.", source=filename)
    if out.empty:
        raise TerrainError("aucune adresse lisible dans la liste d'opposition.", source=filename)
    return out.reset_index(drop=True)


def opposed_in_bureaux(addresses: pd.DataFrame, bureau_ids, opposed_ids: frozenset[str]) -> frozenset[str]:
    """The matched ids that are addresses of these bureaux: what a cut needs, small (cached cuts hash it)."""
    ids = addresses.loc[addresses["bureau_id"].isin(list(bureau_ids)), "address_id"].astype(str)
    return frozenset(ids[ids.isin(opposed_ids)]) if opposed_ids else frozenset()


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
