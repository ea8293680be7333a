"""Readers for the Ministère de l'Intérieur results-per-bureau layouts.

Used by the territory builds and by user uploads, so both go through the same checks. Output is
the long ``results.parquet`` contract (``docs/data.md``): one row per bureau × candidate/list.

Layouts handled:
- *wide* (official "résultats par bureau de vote" files, 2017–2026): fixed columns then one block
  per candidate (``Nuance candidat k``, ``Nom candidat k``, ``Voix k``…) or list (``Nuance liste
  k``, ``Libellé abrégé de liste k``, ``Voix k``…);
- *long* (OpenDataSoft/MinInt exports, one row per bureau × candidate: ``Code du b.vote``,
  ``Nom``, ``Voix``…) and a *simple* long CSV a campaign can type (bureau, candidat, voix,
  inscrits, votants).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from lib import fr
from lib.contract import BUREAU_ID_PATTERN, RESULTS_COLUMNS
from lib.errors import TerrainError

ENCODINGS = ("utf-8-sig", "cp1252")


def fold_header(text: str) -> str:
    """A column header as a matching key (« % Voix/Ins » → « % voix ins »): ``fr.fold`` keeping %."""
    return fr.fold(text, keep="%")


MAX_COLUMNS = 5_000  # 38 lists × 8 columns (européennes) is ~330; far beyond is not a results file
SEPARATORS = (";", ",", "\t")
OFFICIAL_SEPARATORS = 4  # a header with this many « ; » (or tabulations) is an official file's: never « , »
LAYOUT_SAMPLE_ROWS = 2_000  # rows looked at to tell a long export (a bureau on several rows) from a wide file


def decode(raw: bytes) -> str:
    """Whole-file decoding: UTF-8 (with or without BOM) when every byte fits, else Windows-1252.

    Why the whole file: a sniff on the first bytes can cut an « é » in two and misread a UTF-8
    file as Windows-1252 (or miss a Latin-1 byte far down a UTF-8-looking file).
    """
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # cp1252 leaves a few bytes undefined


def sniff_separator(header_line: str, *, name: str) -> str:
    """« ; » or a tabulation when the header has several (official files), else the most present.

    Why not simply the most present: a column name may hold commas (« tableur, numéro 1 »).
    """
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    preferred = next((sep for sep in (";", "\t") if counts[sep] >= OFFICIAL_SEPARATORS), None)
    sep = preferred or max(counts, key=counts.get)
    if counts[sep] == 0:
        raise TerrainError("une seule colonne lue : le séparateur n'est ni « ; » ni « , » ni une "
                           "tabulation. Enregistrez le fichier en CSV avec « ; ».", source=name)
    return sep


def _check_binary(raw: bytes, *, name: str) -> None:
    if not raw.strip():
        raise TerrainError("le fichier est vide. Exportez les résultats en CSV et réessayez.", source=name)
    if raw[:4] in (b"PK\x03\x04",) or b"\x00" in raw[:2000]:
        raise TerrainError("ce n'est pas un fichier texte CSV (fichier Excel, image ou encodage "
                           "UTF-16 ?). Enregistrez-le au format CSV (UTF-8 ou Latin-1) et réessayez.",
                           source=name)


def _rows(text: str, sep: str, *, name: str) -> list[list[str]]:
    """CSV rows in one linear pass (the csv module), with a French message on a broken field."""
    try:
        return list(csv.reader(io.StringIO(text), delimiter=sep, strict=True))
    except csv.Error as err:
        raise TerrainError(f"lignes mal formées ({err}) : un champ démesuré ou des guillemets non refermés. "
                           "Vérifiez que le fichier n'est pas tronqué.", source=name) from err


def read_table(data: bytes | str | Path, *, name: str) -> pd.DataFrame:
    """Read a results CSV as strings: encoding (UTF-8, BOM, Latin-1) and separator detected."""
    raw = Path(data).read_bytes() if isinstance(data, (str, Path)) else bytes(data)
    _check_binary(raw, name=name)
    text = decode(raw)
    end = text.find("\n")
    sep = sniff_separator(text if end < 0 else text[:end], name=name)
    rows = _rows(text, sep, name=name)
    header = [h.strip() for h in rows[0]]
    if len(header) > MAX_COLUMNS:
        raise TerrainError(f"{len(header)} colonnes dans l'en-tête (limite {MAX_COLUMNS}) : ce n'est pas un "
                           "fichier de résultats par bureau.", source=name)
    wide = next((i for i, r in enumerate(rows) if len(r) > MAX_COLUMNS), None)
    if wide is not None:
        raise TerrainError(f"ligne {wide + 1} : {len(rows[wide])} champs (limite {MAX_COLUMNS}) : ce n'est pas un "
                           "fichier de résultats par bureau.", source=name)
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not body:
        raise TerrainError("aucune ligne de données sous l'en-tête.", source=name)
    start = _block_start(header)
    if start is not None and not _numbered(header) and not _one_row_per_candidate(header, body, start):
        return _number_blocks(header, body, start)
    return _frame(header, body, name=name)


def _frame(header: list[str], body: list[list[str]], *, name: str) -> pd.DataFrame:
    """Rows as a frame of strings; a row longer than the header (beyond empty cells) is named."""
    width = len(header)
    for i, row in enumerate(body):
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise TerrainError(f"ligne {i + 2} : {len(row)} champs pour {width} colonnes. Vérifiez que le "
                               "fichier n'est pas tronqué et que les champs contenant le séparateur sont "
                               "entre guillemets.", source=name)
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in body], columns=header, dtype=str)
    if len(set(header)) != width:  # repeated names: keep them apart (« Voix », « Voix.1 »)
        seen: dict[str, int] = {}
        cols = []
        for h in header:
            cols.append(h if h not in seen else f"{h}.{seen[h]}")
            seen[h] = seen.get(h, 0) + 1
        frame.columns = cols
    return frame


BLOCK_STARTS = ("N°Panneau", "Numéro de panneau", "N° de panneau", "N°Liste", "N.Pan.")
_BLOCK_KEYS = {fold_header(b) for b in BLOCK_STARTS}


def _block_start(header: list[str]) -> int | None:
    return next((i for i, h in enumerate(header) if fold_header(h) in _BLOCK_KEYS), None)


def _numbered(header: list[str]) -> bool:
    return any(re.search(r"\s1$", h) for h in header)


def _one_row_per_candidate(header: list[str], body: list[list[str]], start: int) -> bool:
    """Long exports (OpenDataSoft) repeat a bureau on one row per candidate; wide files never do."""
    sample = body[:LAYOUT_SAMPLE_ROWS]
    keys = [tuple(r[:start]) for r in sample]
    return len(set(keys)) < len(keys) and all(len(r) <= len(header) for r in sample)


BLOCK_RENAMES = {"n panneau": "Numéro de panneau", "n pan": "Numéro de panneau", "nom": "Nom candidat",
                 "prenom": "Prénom candidat", "sexe": "Sexe candidat", "nuance": "Nuance candidat"}


def _number_blocks(header: list[str], body: list[list[str]], start: int) -> pd.DataFrame:
    """Official 2017–2022 files (and municipales 2020) name only the first candidate block, or repeat
    its names; later blocks are extra fields. Number every block (« Voix 1 », « Voix 2 »…) so
    :func:`parse_wide` reads them like the 2024 layout. Trailing empty cells (stray tabulations)
    are dropped and the last block padded."""
    first = fold_header(header[start])
    period = next((j - start for j in range(start + 1, len(header)) if fold_header(header[j]) == first),
                  len(header) - start)
    block = header[start:start + period]
    rows = []
    for row in body:
        while len(row) > start + period and not row[-1].strip():
            row = row[:-1]  # stray trailing separators; the last block is padded back below
        rows.append(row)
    blocks = max(1, max(-(-(len(r) - start) // period) for r in rows))
    names = header[:start] + [f"{BLOCK_RENAMES.get(fold_header(b), b)} {k}" for k in range(1, blocks + 1)
                              for b in block]
    width = len(names)
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=names, dtype=str)


def to_number(series: pd.Series) -> pd.Series:
    """French numbers (« 1 234,5 », « 12,3 % ») to floats; empty → NaN."""
    text = (series.astype("string").str.replace("\u202f", "", regex=False)
            .str.replace("\xa0", "", regex=False).str.replace(" ", "", regex=False)
            .str.replace("%", "", regex=False).str.replace(",", ".", regex=False))
    return pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype(float)


THOUSANDS = r"\d{1,3}(?:[.,]\d{3})+"


def to_count(series: pd.Series, *, column: str, name: str) -> pd.Series:
    """A count column (inscrits, voix…) to floats; « 1.234 » / « 1,234 » named as thousands separators.

    Why: read as decimals they become 1.234 voters, and the file then fails later with a
    misleading « plus de votants que d'inscrits ».
    """
    text = series.astype("string").str.strip()
    odd = text.str.fullmatch(THOUSANDS).fillna(False)
    if odd.any():
        raise TerrainError(f"colonne « {column} » : « {text[odd].iloc[0]} » est écrit avec un séparateur de "
                           "milliers (« 1.234 » ou « 1,234 » pour 1 234). Enregistrez les nombres sans "
                           "séparateur de milliers et réessayez.", source=name)
    return to_number(series)


def find_column(columns: list[str], *candidates: str) -> str | None:
    """The first column of ``columns`` matching one of ``candidates`` (accents, case, punctuation ignored)."""
    folded = {fold_header(c): c for c in columns}
    for cand in candidates:
        if fold_header(cand) in folded:
            return folded[fold_header(cand)]
    return None


OVERSEAS = {  # MinInt letter codes of overseas départements and collectivities → INSEE département
    "ZA": "971", "ZB": "972", "ZC": "973", "ZD": "974", "ZM": "976", "ZN": "988", "ZP": "987",
    "ZS": "975", "ZW": "986", "ZX": "97",  # ZX: Saint-Martin (978) and Saint-Barthélemy (977)
}
# The MinInt département code of Français de l'étranger: no commune in France, left out (and counted) by the builds
ABROAD_DEPARTEMENT = "ZZ"


def insee_commune(dep: str, com: str) -> str | None:
    """INSEE commune code from a MinInt département code and a 3-character commune code.

    ``92`` + ``2`` → ``92002``; overseas letters: ``ZA`` + ``101`` → ``97101`` (the 3 characters are
    the end of the INSEE code). ``ZZ`` (Français de l'étranger) has no commune: None.
    """
    dep, com = dep.strip(), com.strip()
    if len(com) == 5:
        return com
    if dep.upper() == ABROAD_DEPARTEMENT:
        return None
    if dep.upper() in OVERSEAS:
        return OVERSEAS[dep.upper()][:2] + com.zfill(3)
    return dep.zfill(2) + com.zfill(3)


def bureau_ids(frame: pd.DataFrame, *, name: str) -> pd.Series:
    """``<commune INSEE>_<4-char code>`` from the commune and bureau columns of any layout.

    Rows of Français de l'étranger (``ZZ``) get <NA>: they belong to no bureau map.
    """
    cols = list(frame.columns)
    dep = find_column(cols, "Code département", "Code du département")
    com = find_column(cols, "Code commune", "Code de la commune")
    bv = find_column(cols, "Code BV", "Code du b.vote", "Code B.Vote", "Code bureau de vote", "Numéro de bureau")
    if com is None or bv is None:
        raise TerrainError("colonnes de commune ou de bureau introuvables (attendu « Code commune » "
                           "et « Code BV », ou « Code de la commune » et « Code du b.vote »).", source=name)
    commune = frame[com].astype("string").str.strip()
    short = commune.str.len() < 5
    if short.any():
        if dep is None:
            raise TerrainError("code commune sur 3 caractères sans colonne « Code département ».", source=name)
        full = [insee_commune(d, c) for d, c in zip(frame[dep].astype(str), commune.fillna(""), strict=True)]
        commune = commune.where(~short, pd.Series(full, index=frame.index, dtype="string"))
    return commune + "_" + bureau_code(frame[bv])


def bureau_code(codes: pd.Series) -> pd.Series:
    """Bureau codes to the official 4 characters: ``1`` → ``0001``, ``69A`` → ``069A``, and a city's
    5-character ``0069A`` → ``069A`` (leading zeros only; anything else is left for the format check)."""
    code = codes.astype("string").str.strip().str.upper()
    long_zero = code.str.len().gt(4) & code.str.match(r"^0+[0-9A-Z]{1,4}$").fillna(False)
    code = code.where(~long_zero, code.str.lstrip("0").str.zfill(4))
    return code.str.zfill(4)


_TOTALS = {
    "registered": ("Inscrits",),
    "voters": ("Votants",),
    "expressed": ("Exprimés", "Exprimes"),
    "blank": ("Blancs",),
    "null": ("Nuls",),
}


def _totals(frame: pd.DataFrame, *, name: str) -> pd.DataFrame:
    cols = list(frame.columns)
    out = {}
    for key, names in _TOTALS.items():
        col = find_column(cols, *names)
        if col is None and key in ("registered", "voters", "expressed"):
            raise TerrainError(f"colonne « {names[0]} » introuvable ; colonnes lues : "
                               f"{', '.join(cols[:10])}…", source=name)
        out[key] = to_count(frame[col], column=col, name=name) if col is not None else \
            pd.Series(np.nan, index=frame.index)
    return pd.DataFrame(out, index=frame.index)


_BLOCK = re.compile(r"^(?P<field>.+?)\s+(?P<k>\d+)$")
_FIELDS = {
    "nuance": ("nuance candidat", "nuance liste", "code nuance"),
    "surname": ("nom candidat", "nom prenom candidat"),
    "first": ("prenom candidat",),
    "list_short": ("libelle abrege de liste", "libelle abrege liste"),
    "list_long": ("libelle de liste", "liste"),
    "votes": ("voix",),
}


def parse_wide(frame: pd.DataFrame, *, election: str, name: str) -> pd.DataFrame:
    """Official wide layout → long contract rows (empty candidate blocks dropped)."""
    ids = bureau_ids(frame, name=name)
    totals = _totals(frame, name=name)
    incomplete = totals[["registered", "voters", "expressed"]].isna().any(axis=1)
    if incomplete.any():
        line = int(np.flatnonzero(incomplete.to_numpy())[0]) + 2
        raise TerrainError(f"ligne {line} incomplète (bureau {ids.iloc[line - 2]}) : inscrits, votants ou "
                           "exprimés vides — fichier tronqué ? Re-téléchargez-le ou complétez la ligne.",
                           source=name)
    blocks: dict[int, dict[str, str]] = {}
    for col in frame.columns:
        m = _BLOCK.match(str(col).strip())
        if not m:
            continue
        field = fold_header(m.group("field"))
        for key, names in _FIELDS.items():
            if field in names:
                blocks.setdefault(int(m.group("k")), {})[key] = col
    blocks = {k: b for k, b in blocks.items() if "votes" in b}
    if not blocks:
        raise TerrainError("aucun bloc « Voix 1, Voix 2… » : ce n'est pas un fichier de résultats par "
                           "bureau au format du Ministère.", source=name)
    parts = []
    for _, cols in sorted(blocks.items()):
        candidate = _block_label(frame, cols)
        part = pd.DataFrame({"bureau_id": ids, "candidate": candidate.str.strip(),
                             "nuance": (frame[cols["nuance"]].astype("string").str.strip()
                                        if "nuance" in cols else pd.NA),
                             "votes": to_count(frame[cols["votes"]], column=cols["votes"], name=name)})
        parts.append(pd.concat([part, totals], axis=1))
    long = pd.concat(parts, ignore_index=True)
    long = long[long["candidate"].fillna("").str.len() > 0]
    return _finish(long, election=election, name=name)


def _block_label(frame: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    """A block's label: the list when there is one (européennes, municipales), else « NOM Prénom »."""
    label = cols.get("list_short") or cols.get("list_long")
    if label:
        text = frame[label].astype("string").str.strip()
        if text.fillna("").str.len().gt(0).any():
            return text
    if "surname" not in cols:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    name = frame[cols["surname"]].astype("string").str.strip()
    return name + " " + frame[cols["first"]].astype("string").str.strip() if "first" in cols else name


def parse_long(frame: pd.DataFrame, *, election: str, name: str) -> pd.DataFrame:
    """Long layouts: MinInt/OpenDataSoft (one row per bureau × candidate) or a simple CSV."""
    cols = list(frame.columns)
    votes_col = find_column(cols, "Voix", "votes", "nb voix")
    if votes_col is None:
        raise TerrainError(f"colonne « Voix » introuvable : ce fichier ne ressemble pas à des résultats par "
                           f"bureau de vote (colonnes lues : {', '.join(cols[:8])}…).", source=name)
    bureau_col = find_column(cols, "bureau_id", "bureau", "id_bureau", "code bureau complet")
    has_codes = find_column(cols, "Code commune", "Code de la commune") is not None
    if bureau_col is not None and not has_codes:
        ids = frame[bureau_col].astype("string").str.strip()
    else:
        ids = bureau_ids(frame, name=name)
    surname = find_column(cols, "Nom", "candidat", "candidate", "liste", "Libellé de liste")
    first = find_column(cols, "Prénom")
    nuance = find_column(cols, "Nuance", "Code nuance")
    if surname is None:
        raise TerrainError("colonne du candidat ou de la liste introuvable (« Nom », « candidat » ou "
                           "« liste »).", source=name)
    candidate = frame[surname].astype("string").str.strip()
    if first is not None:
        candidate = candidate + " " + frame[first].astype("string").str.strip()
    cols_lower = {fold_header(c) for c in cols}
    totals = _totals(frame, name=name) if "exprimes" in cols_lower else _simple_totals(frame, name=name)
    long = pd.concat([pd.DataFrame({"bureau_id": ids, "candidate": candidate,
                                    "nuance": frame[nuance].astype("string").str.strip() if nuance else pd.NA,
                                    "votes": to_count(frame[votes_col], column=votes_col, name=name)}), totals], axis=1)
    if totals["expressed"].isna().all():
        long["expressed"] = long.groupby("bureau_id")["votes"].transform("sum")
    return _finish(long, election=election, name=name)


def _simple_totals(frame: pd.DataFrame, *, name: str) -> pd.DataFrame:
    cols = list(frame.columns)
    reg = find_column(cols, "Inscrits", "registered")
    vot = find_column(cols, "Votants", "voters")
    if reg is None or vot is None:
        raise TerrainError("colonnes « inscrits » et « votants » requises dans un fichier simple "
                           "(bureau ; candidat ; voix ; inscrits ; votants).", source=name)
    out = pd.DataFrame({"registered": to_count(frame[reg], column=reg, name=name),
                        "voters": to_count(frame[vot], column=vot, name=name),
                        "expressed": np.nan, "blank": np.nan, "null": np.nan}, index=frame.index)
    for key, names in (("expressed", ("Exprimés", "expressed")), ("blank", ("Blancs",)), ("null", ("Nuls",))):
        col = find_column(cols, *names)
        if col is not None:
            out[key] = to_number(frame[col])
    return out


REGISTERED_CAP = 50_000  # the largest French bureaux have a few thousand registered voters
REGISTERED_FLOOR = 10_000  # a bureau below this many registered voters is never implausible…
REGISTERED_MEDIAN_FACTOR = 20  # … nor one below 20 × the file's median
VOTES_ROUNDING = 0.5  # votes summed from rounded counts may pass the expressed by less than one


def _finish(long: pd.DataFrame, *, election: str, name: str) -> pd.DataFrame:
    """Validate values and return the contract columns."""
    abroad = long["bureau_id"].isna()
    long = long[~abroad]
    if long.empty:
        raise TerrainError("aucune ligne de résultat exploitable.", source=name)
    bad_ids = ~long["bureau_id"].astype("string").str.fullmatch(BUREAU_ID_PATTERN.pattern).fillna(False)
    if bad_ids.any():
        raise TerrainError(f"{int(bad_ids.sum())} ligne(s) au code de bureau hors format, par exemple "
                           f"« {long.loc[bad_ids, 'bureau_id'].iloc[0]} ». Attendu : code commune INSEE (5 caractères) "
                           "et code de bureau sur 4 caractères, chiffres ou lettres (« 92002_0001 », « 92002_069A » ; "
                           "« 69A » et « 0069A » sont ramenés à « 069A »).", source=name)
    _check_values(long, name=name)
    if long.duplicated(["bureau_id", "candidate"]).any():
        dup = long.loc[long.duplicated(["bureau_id", "candidate"]), ["bureau_id", "candidate"]].iloc[0]
        raise TerrainError(f"ligne en double : bureau {dup['bureau_id']}, {dup['candidate']}.", source=name)
    per_bureau = long.groupby("bureau_id").agg(votes=("votes", "sum"), expressed=("expressed", "first"),
                                               voters=("voters", "first"), registered=("registered", "first"))
    over = per_bureau[per_bureau["votes"] > per_bureau["expressed"] + VOTES_ROUNDING]
    if len(over):
        raise TerrainError(f"bureau {over.index[0]} : la somme des voix dépasse les exprimés.", source=name)
    over = per_bureau[per_bureau["voters"] > per_bureau["registered"]]
    if len(over):
        raise TerrainError(f"bureau {over.index[0]} : plus de votants que d'inscrits.", source=name)
    long = long.assign(election=election, value_kind="votes", carried=False,
                       share=np.where(long["expressed"] > 0, long["votes"] / long["expressed"] * 100, 0.0),
                       candidate=long["candidate"].map(_clean_text))
    out = long[RESULTS_COLUMNS].reset_index(drop=True)
    out.attrs["left_out"] = int(abroad.sum())  # rows of Français de l'étranger (ZZ): no bureau map
    return out


def _check_values(long: pd.DataFrame, *, name: str) -> None:
    """Counts must be numbers, finite, non-negative and plausible against the file's own bureaux."""
    for col in ("votes", "registered", "voters", "expressed"):
        if long[col].isna().any():
            raise TerrainError(f"valeur non numérique ou vide dans « {col} » (bureau "
                               f"{long.loc[long[col].isna(), 'bureau_id'].iloc[0]}).", source=name)
        infinite = ~np.isfinite(long[col])
        if infinite.any():
            raise TerrainError(f"valeur infinie (« inf ») dans « {col} » (bureau "
                               f"{long.loc[infinite, 'bureau_id'].iloc[0]}) : corrigez la cellule.", source=name)
        if (long[col] < 0).any():
            raise TerrainError(f"valeur négative dans « {col} ».", source=name)
    registered = long.drop_duplicates("bureau_id").set_index("bureau_id")["registered"]
    limit = min(REGISTERED_CAP, max(REGISTERED_FLOOR, REGISTERED_MEDIAN_FACTOR * float(registered.median())))
    if (registered > limit).any():
        bid = registered[registered > limit].index[0]
        raise TerrainError(f"bureau {bid} : {fr.number(registered[bid])} inscrits, invraisemblable (médiane du "
                           f"fichier : {fr.number(registered.median())} ; limite {fr.number(limit)}). Vérifiez la "
                           "colonne des inscrits.", source=name)


def _clean_text(value: object) -> str:
    """Strip control characters; HTML stays as text (escaping is the display's job)."""
    return re.sub(r"[\x00-\x1f\x7f]", "", str(value)).strip()
