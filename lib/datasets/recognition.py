"""Recognising a source file by its content: published names are shared (both 2024 rounds are
« resultats-definitifs-par-bureau-de-vote.csv ») or lost in a download (docs/national_build.md)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lib import minint
from lib.datasets import contours
from lib.datasets.archives import SEVEN_ZIP_MAGIC, ZIP_MAGIC, magic, open_binary
from lib.errors import TerrainError

HEAD_BYTES = 65_536  # the header and a few rows: enough to tell a file by its content


def _head_text(path: Path, size: int = HEAD_BYTES) -> str:
    """The first bytes as text: UTF-8 (a character cut at the end is fine), else Latin-1."""
    with open_binary(path) as fh:
        head = fh.read(size)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("latin-1")


def _results_source(cols: list[str], lines: list[str], sep: str) -> str | None:
    """Which election a results header belongs to (see docs/national_build.md, « Recognition »)."""
    folded = {minint.fold_header(c) for c in cols}
    voix = sum(1 for c in folded if re.fullmatch(r"voix \d+", c))
    if "code localisation" in folded:
        return "euro2024"
    if any(c.startswith("sieges au cm") for c in folded):
        return "mun2026t1"
    if "code b vote" in folded:
        return "mun2020t1"
    if "code bv" in folded and voix:
        return "leg2024t1" if voix > 4 else "leg2024t2"
    if "code du b vote" in folded:
        election = "leg2022" if "nuance" in folded else "pres2022"
        return election + ("t2" if _max_candidates(cols, lines, sep) <= 4 else "t1")
    return None


def _max_candidates(cols: list[str], lines: list[str], sep: str) -> int:
    """Most candidates in one bureau among the sample lines (wide rows, or long rows per bureau)."""
    start = next((i for i, c in enumerate(cols) if minint.fold_header(c) in ("n panneau", "n pan")), len(cols))
    block = max(1, len(cols) - start)
    widths = [-(-(len(line.split(sep)) - start) // block) for line in lines if line.strip()]
    per_bureau: dict[str, int] = {}
    for line in lines:
        key = sep.join(line.split(sep)[:start])
        per_bureau[key] = per_bureau.get(key, 0) + 1
    return max([*widths, *per_bureau.values(), 1])


TABLE_SIGNATURES = {"id_ref_zdc": "idfm_gares", "code_uic": "sncf_gares", "id_fantoir": "ban",
                    "idcar_200m": "filosofi_200m"}


def _vector_source_id(path: Path) -> str | None:
    """Contours or Filosofi squares, told by the fields of a shapefile, GeoPackage or zip of one; a
    zip or 7z holding no vector file is INSEE's Filosofi archive (zip > 7z > GeoPackage)."""
    if magic(path).startswith(SEVEN_ZIP_MAGIC) or not contours.is_contour_file(path):
        return "filosofi_200m"
    try:
        fields = contours.contour_fields(path)
    except TerrainError:
        return None
    return "contours" if "codeBureauVote" in fields else ("filosofi_200m" if "idcar_200m" in fields else None)


def recognise(path: Path) -> str | None:
    """The source id of a file from its content, or None when it is none of ours."""
    kind = magic(path)
    if kind.startswith((ZIP_MAGIC, SEVEN_ZIP_MAGIC)) or Path(path).suffix.lower() in (".gpkg", ".shp"):
        return _vector_source_id(path)
    try:
        head = _head_text(path)
    except (OSError, EOFError):
        return None
    if head.lstrip().startswith("{"):
        return "contours" if "codeBureauVote" in head else ("filosofi_200m" if "idcar_200m" in head else None)
    lines = head.splitlines()
    if not lines:
        return None
    for key, sid in TABLE_SIGNATURES.items():
        if key in lines[0]:
            return sid
    try:
        sep = minint.sniff_separator(lines[0], name=str(path))
    except TerrainError:
        return None
    cols = [c.strip().strip('"') for c in lines[0].split(sep)]
    return _results_source(cols, lines[1:-1], sep)
