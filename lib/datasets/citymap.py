"""A city's own bureau contours, read through an explicit column mapping (pure, no I/O but the sidecar).

Why: many cities publish their bureau perimeters on their own open-data portal, with their own
property names (Brest métropole: ``DEPCO`` = INSEE code, ``BVOTE`` = bureau number as an integer;
Toulouse: ``uniq_bdv``, no commune column at all). The national build reads the Etalab names
(``codeCommune``, ``codeBureauVote``, ``nomCommune``); a :class:`ContourMap` says which of the
city's columns play those parts, and where the file comes from (its real publisher and licence).

The mapping comes from command-line flags (``--contours-commune DEPCO --contours-bureau BVOTE``,
``--commune-code 31555``), from a ``terrain_contours.toml`` file next to the contours, or from the
« Nouveau territoire » page; see docs/national_build.md.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lib import geo, minint
from lib.contract import BUREAU_CODE_PATTERN, COMMUNE_CODE_PATTERN
from lib.errors import BuildError

SIDECAR = "terrain_contours.toml"
UNNAMED = "Commune "  # + INSEE code: the name of a commune the contours do not name (the results may)
ETALAB = ("codeCommune", "codeBureauVote", "nomCommune")


@dataclass(frozen=True)
class ContourMap:
    """Which columns of a city's contours hold the commune and the bureau, and whose file it is."""

    commune: str = ""  # column holding the INSEE commune code (e.g. DEPCO)
    bureau: str = ""  # column holding the bureau number or code (e.g. BVOTE, uniq_bdv)
    commune_code: str = ""  # the INSEE code when the file has no commune column (e.g. 31555)
    commune_name: str = ""  # the commune's name when the file has none (e.g. Toulouse)
    file: str = ""  # the contours' file name, when the folder holds other GeoJSON files
    title: str = ""
    publisher: str = ""
    licence: str = ""
    page: str = ""

    @property
    def given(self) -> bool:
        """True when the user said anything about the columns (otherwise: Etalab names)."""
        return bool(self.commune or self.bureau or self.commune_code)

    def merged(self, **overrides: str | None) -> ContourMap:
        """This mapping with the non-empty ``overrides`` (flags win over the sidecar)."""
        return dataclasses.replace(self, **{k: v.strip() for k, v in overrides.items() if v and v.strip()})

    def missing(self, fields: list[str]) -> list[str]:
        """What this mapping still lacks against a file's ``fields``: columns it names that the
        file does not have, and the parts it does not name (all said at once)."""
        out = [c for c in (self.commune, self.bureau) if c and c not in fields]
        if not (self.commune or self.commune_code):
            out.append("code INSEE de la commune (colonne ou code saisi, non indiqué)")
        if not self.bureau:
            out.append("numéro de bureau (colonne non indiquée)")
        return out


def default_title(filename: str, publisher: str = "") -> str:
    """The map caption of a city's contours given no title: the file actually used and its publisher
    (never the Etalab title of a file that was not read)."""
    return f"Contours des bureaux de vote : {filename} ({publisher.strip() or 'éditeur non indiqué'})"


KEYS = tuple(f.name for f in dataclasses.fields(ContourMap))
SOURCE_KEYS = ("title", "publisher", "licence", "page")


def load_sidecar(folder: Path) -> ContourMap:
    """The ``terrain_contours.toml`` of ``folder`` (an empty mapping when there is none).

    Top-level keys name the columns; an optional ``[source]`` table gives title, publisher,
    licence and page. An unknown key is an error: a typo must not fall back to Etalab names.
    """
    path = Path(folder) / SIDECAR
    if not path.is_file():
        return ContourMap()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise BuildError(f"fichier de correspondance illisible ({err}).", source=path.name) from err
    source = data.pop("source", {})
    unknown = sorted(set(data) - set(KEYS) | (set(source) - set(SOURCE_KEYS) if isinstance(source, dict) else {"source"}))
    if unknown:
        raise BuildError(f"clé(s) inconnue(s) : {', '.join(unknown)} ; clés possibles : {', '.join(KEYS[:5])} "
                         f"et une table [source] ({', '.join(SOURCE_KEYS)}).", source=path.name)
    return ContourMap(**{k: str(v) for k, v in {**data, **source}.items()})


def missing_columns_message(missing: list[str], found: list[str]) -> str:
    """One sentence naming every missing column, the columns found and how to map them."""
    return (f"colonne(s) absente(s) des contours : {', '.join(missing)}. Colonnes trouvées : "
            f"{', '.join(found) or 'aucune'}. Indiquez lesquelles utiliser : --contours-commune COLONNE "
            "(code INSEE) et --contours-bureau COLONNE (numéro de bureau), ou --commune-code CODE si le fichier "
            f"n'a pas de colonne commune ; ou un fichier {SIDECAR} à côté des contours "
            "(voir docs/national_build.md).")


def to_etalab(frame: pd.DataFrame, mapping: ContourMap, *, source: str) -> pd.DataFrame:
    """The city's features with the Etalab columns the build reads (codeCommune, codeBureauVote,
    nomCommune, codeDepartement); the city's own columns are kept beside them."""
    commune = _commune_codes(frame, mapping, source=source)
    bureau = _bureau_codes(frame[mapping.bureau], column=mapping.bureau, source=source)
    name = mapping.commune_name or ""
    return frame.assign(
        codeCommune=commune.to_numpy(), codeBureauVote=(commune + "_" + bureau).to_numpy(),
        nomCommune=[name or f"{UNNAMED}{c}" for c in commune],
        codeDepartement=geo.department_of(commune).to_numpy())


def _commune_codes(frame: pd.DataFrame, mapping: ContourMap, *, source: str) -> pd.Series:
    """INSEE codes from the commune column (an integer loses its leading zero: put back), or the
    one code typed by the user."""
    if mapping.commune:
        codes = _text(frame[mapping.commune]).str.zfill(5)
        where = f"colonne {mapping.commune}"
    else:
        codes = pd.Series(mapping.commune_code.strip(), index=frame.index, dtype="string")
        where = "--commune-code"
    bad = codes[~codes.fillna("").str.fullmatch(COMMUNE_CODE_PATTERN.pattern)]
    if len(bad):
        raise BuildError(f"code INSEE de commune invalide ({where}) : « {bad.iloc[0]} » ; attendu 5 caractères, "
                         "ex. 29019.", source=source)
    return codes.astype(str)


def _bureau_codes(values: pd.Series, *, column: str, source: str) -> pd.Series:
    """Bureau numbers to the official 4 characters (76 → 0076, 0069A → 069A), or a French error
    with the expected form and an example from the file."""
    codes = minint.bureau_code(_text(values))
    bad = codes[~codes.fillna("").str.fullmatch(BUREAU_CODE_PATTERN.pattern)]
    if len(bad):
        example = values.loc[bad.index[0]]
        raise BuildError(f"{len(bad)} numéro(s) de bureau de la colonne {column} hors format : « {example} » ; "
                         "attendu un numéro (76) ou un code de 4 caractères (0076, 069A).", source=source)
    return codes.astype(str)


def _text(values: pd.Series) -> pd.Series:
    """Codes as text: integers stored as floats (76.0) lose their « .0 »."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0)
        values = values.astype(object).where(~whole, values[whole].astype("Int64").astype(str))
    return values.astype("string").str.strip()


COMMUNE_HINTS = ("code insee", "insee", "code commune", "codecommune", "depco", "code com", "insee com")
BUREAU_HINTS = ("code bureau", "codebureauvote", "bvote", "uniq bdv", "num bureau", "numero bureau", "bureau",
                "code bv", "num bv", "bv")


def suggest(fields: list[str]) -> ContourMap:
    """A first guess of the commune and bureau columns among ``fields`` (the page preselects it)."""
    folded = {minint.fold_header(f).replace("_", " "): f for f in fields}
    commune = next((folded[h] for h in COMMUNE_HINTS if h in folded), "")
    bureau = next((folded[h] for h in BUREAU_HINTS if h in folded and folded[h] != commune), "")
    return ContourMap(commune=commune, bureau=bureau)
