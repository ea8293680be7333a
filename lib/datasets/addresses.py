"""Base Adresse Nationale: the addresses of a territory's communes, read by chunks into contract
columns (the bureau is assigned later, by point in polygon)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.datasets.archives import open_binary
from lib.datasets.raw import require_columns
from lib.errors import BuildError

PLM = {  # Paris, Lyon, Marseille: the commune and its municipal arrondissements (INSEE codes)
    "75056": tuple(f"751{i:02d}" for i in range(1, 21)),
    "69123": tuple(f"6938{i}" for i in range(1, 10)),
    "13055": tuple(f"132{i:02d}" for i in range(1, 17)),
}


def plm_codes(communes: set[str] | frozenset[str]) -> set[str]:
    """``communes`` plus, for Paris, Lyon and Marseille, the arrondissement codes (and back).

    Why: the BAN (and some files) code a Paris address 75101–75120, never 75056; a build of
    ``--commune 75056`` would otherwise find no address at all.
    """
    out = set(communes)
    for city, arrondissements in PLM.items():
        if city in out or out & set(arrondissements):
            out |= {city, *arrondissements}
    return out


ADDRESS_COLUMNS = ["address_id", "number", "street", "postcode", "commune_code", "label", "lon", "lat"]
BAN_COLUMNS = ["id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat"]


def read_ban(path: Path, communes: set[str] | None = None, *, town: str | None = None,
             chunk_rows: int = 200_000) -> pd.DataFrame:
    """BAN addresses (of ``communes`` only when given) in contract columns, read by chunks.

    ``town`` replaces the BAN commune name in labels (« Paris » rather than « Paris 1er
    Arrondissement »). The bureau is assigned later, by point in polygon.
    """
    frames, rows = [], 0
    try:
        with open_binary(path) as fh:
            for chunk in pd.read_csv(fh, sep=";", dtype=str, chunksize=chunk_rows, keep_default_na=False):
                rows += len(chunk)
                require_columns(chunk, BAN_COLUMNS, source=str(path))
                keep = chunk["code_insee"].isin(plm_codes(communes)) if communes is not None else slice(None)
                frames.append(chunk[keep])
    except (EOFError, OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise BuildError(f"fichier d'adresses tronqué ou mal formé ({err}).", source=str(path)) from err
    if not rows:
        raise BuildError("aucune adresse lue : fichier BAN vide ou tronqué. Re-téléchargez-le.", source=str(path))
    raw = pd.concat(frames, ignore_index=True)
    number = raw["numero"].str.strip() + raw["rep"].str.strip().str.lower()
    place = town if town is not None else raw["nom_commune"]
    out = pd.DataFrame({"address_id": raw["id"], "number": number, "street": raw["nom_voie"],
                        "postcode": raw["code_postal"], "commune_code": raw["code_insee"],
                        "label": number + " " + raw["nom_voie"] + ", " + raw["code_postal"] + " " + place,
                        "lon": pd.to_numeric(raw["lon"], errors="coerce"),
                        "lat": pd.to_numeric(raw["lat"], errors="coerce")}, columns=ADDRESS_COLUMNS)
    return out.dropna(subset=["lon", "lat"]).drop_duplicates("address_id").reset_index(drop=True)
