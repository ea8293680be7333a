"""Ministère de l'Intérieur results files cropped while read: a national file's lines are filtered
on the territory's communes before any parsing, so it never sits in memory whole."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lib import fr, minint
from lib.datasets.addresses import plm_codes
from lib.datasets.archives import detect_encoding, open_binary
from lib.datasets.crop import Crop
from lib.errors import BuildError

MAX_HEADER_CHARS = 5_000_000  # a real header is a few thousand characters; far beyond is not a results file
LEADING_COLUMNS = 8  # the commune and département codes are among a results file's first columns
# What :func:`_commune_of_line` gives a line of Français de l'étranger (``ZZ``: no INSEE commune code)
ABROAD_COMMUNE = "étranger"


def read_header(path: Path, encoding: str) -> tuple[list[str], str]:
    """Header columns and separator of a results file (the whole first line, however long)."""
    with io.TextIOWrapper(open_binary(path), encoding=encoding, errors="replace") as fh:
        line = fh.readline()
    if len(line) > MAX_HEADER_CHARS:
        raise BuildError(f"en-tête de plus de {fr.number(MAX_HEADER_CHARS)} caractères : ce n'est pas un fichier de résultats.",
                         source=str(path))
    sep = minint.sniff_separator(line, name=str(path))
    cols = [c.strip().strip('"') for c in line.rstrip("\r\n").split(sep)]
    if len(cols) < 5:
        raise BuildError("mise en forme inattendue : trop peu de colonnes.", source=str(path))
    return cols, sep


def _commune_of_line(cols: list[str], sep: str, *, source: str) -> Callable[[str], str]:
    """A cheap reader of a line's INSEE commune code (before any parsing); overseas codes mapped,
    Français de l'étranger as :data:`ABROAD_COMMUNE`."""
    folded = [minint.fold_header(c) for c in cols[:LEADING_COLUMNS]]
    com_i = next((i for i, c in enumerate(folded) if c in ("code commune", "code de la commune")), None)
    dep_i = next((i for i, c in enumerate(folded) if c in ("code departement", "code du departement")), None)
    if com_i is None:
        raise BuildError("colonne « Code commune » (ou « Code de la commune ») introuvable parmi les premières "
                         f"colonnes ({', '.join(c[:40] for c in cols[:LEADING_COLUMNS])}) : ce n'est pas un fichier de résultats par bureau.",
                         source=source)

    def commune(line: str) -> str:
        fields = line.split(sep, LEADING_COLUMNS)
        if len(fields) <= com_i:
            return ""
        com = fields[com_i].strip().strip('"')
        if len(com) < 5 and dep_i is not None:
            return minint.insee_commune(fields[dep_i].strip().strip('"'), com) or ABROAD_COMMUNE
        return com
    return commune


def _kept_lines(path: Path, encoding: str, cols: list[str], sep: str, crop: Crop) -> tuple[list[str], Counter[str]]:
    """Header + the lines of the territory's communes, and every commune code seen (said when none
    is the territory's: a wrong commune is then named); lines of Français de l'étranger counted."""
    commune = _commune_of_line(cols, sep, source=str(path))
    wanted = plm_codes(crop.communes)
    kept, seen = [], Counter()
    with io.TextIOWrapper(open_binary(path), encoding=encoding, errors="replace") as fh:
        kept.append(fh.readline())
        for line in fh:
            code = commune(line)
            seen[code] += 1
            if code in wanted:
                kept.append(line)
    if seen[ABROAD_COMMUNE]:
        crop.notes.append(f"{Path(path).name} : {seen[ABROAD_COMMUNE]} ligne(s) des Français de l'étranger (code "
                          f"{minint.ABROAD_DEPARTEMENT}) laissées de côté : aucun bureau sur la carte")
    return kept, seen


SEEN_NAMED = 5  # commune codes named when a file has none of the territory's


def no_rows_message(seen: Counter[str], communes: set[str]) -> str:
    """« aucune ligne pour la commune 29061 ; communes du fichier : 29019 (104 lignes)… »."""
    codes = ", ".join(sorted(communes)) or "?"
    if not seen:
        return f"aucune ligne de résultats sous l'en-tête (commune(s) du territoire : {codes})"
    top = ", ".join(f"{c or '(vide)'} ({fr.number(n)} ligne(s))" for c, n in seen.most_common(SEEN_NAMED))
    more = f" et {len(seen) - SEEN_NAMED} autre(s)" if len(seen) > SEEN_NAMED else ""
    return f"aucune ligne pour la commune {codes} ; codes de commune du fichier : {top}{more}"


def read_wide(path: Path, crop: Crop) -> pd.DataFrame:
    """Rows of the territory of a wide file (one row per bureau), kept line by line, then parsed.

    The text is decoded with the encoding of the whole file; only the kept lines are parsed, so
    a national file is never held in memory.
    """
    encoding = detect_encoding(path)
    cols, sep = read_header(path, encoding)
    kept, seen = _kept_lines(path, encoding, cols, sep, crop)
    if len(kept) < 2:
        raise BuildError(no_rows_message(seen, crop.communes), source=str(path))
    table = minint.read_table("".join(kept).encode("utf-8"), name=str(path))
    crop.commune_names.update(commune_names(table))
    if minint.find_column(list(table.columns), "Voix") is not None:  # a long export with a wide file's name
        return minint.parse_long(table, election=crop.election, name=str(path))
    return minint.parse_wide(table, election=crop.election, name=str(path))


def commune_names(table: pd.DataFrame) -> dict[str, str]:
    """INSEE code → commune name as a results file gives it (« Libellé commune »): the official
    name of a commune whose contours carry none (a city's own file)."""
    cols = list(table.columns)
    code = minint.find_column(cols, "Code commune", "Code de la commune")
    name = minint.find_column(cols, "Libellé commune", "Libellé de la commune")
    dep = minint.find_column(cols, "Code département", "Code du département")
    if code is None or name is None:
        return {}
    codes = table[code].astype(str).str.strip()
    if dep is not None:  # 3-character commune codes (2017–2022 files) with their département
        short = codes.str.len() < 5
        codes = codes.where(~short, [minint.insee_commune(d, c) or "" for d, c in zip(
            table[dep].astype(str).str.strip(), codes, strict=True)])
    names = table[name].astype(str).str.strip()
    return {c: n for c, n in zip(codes, names, strict=True) if c and n}
