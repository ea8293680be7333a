"""Reading a user's spreadsheet upload without trusting its size: streamed, capped, refused in French.

Why: an XLSX is a zip of XML. Its declared dimension (« A1:XFD1048576 ») or one cell far away
made a full-sheet reader (``pandas.read_excel``) allocate every cell in between — a 4.8 kB file
took 9.4 GB. Here the zip's content is capped before opening, each sheet is streamed row by row
(openpyxl read-only, the declared dimension ignored), and rows or columns beyond the caps are
refused with the line or cell named, before anything is kept.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lib import fr
from lib.config import BYTES_PER_MB
from lib.errors import TerrainError

XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_CONTENT = 64 * BYTES_PER_MB  # uncompressed XML of a workbook; an exported walk list is ~100× smaller
MAX_SHEET_COLUMNS = 100  # an exported walk list has about ten
WHERE = "_ligne"  # column of :func:`xlsx_sheets` frames: « onglet « T01 », ligne 5 »


def is_xlsx(data: bytes) -> bool:
    """An Excel workbook (a zip) rather than a text file."""
    return data[:4] == XLSX_MAGIC


def _check_content(data: bytes, name: str) -> None:
    """Refuse a workbook whose unpacked content exceeds the cap (declared sizes are enforced on reading)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as err:
        raise TerrainError("fichier Excel illisible : enregistrez-le à nouveau et réessayez.", source=name) from err
    if unpacked > MAX_XLSX_CONTENT:
        raise TerrainError(f"classeur trop volumineux une fois décompressé ({fr.number(unpacked / BYTES_PER_MB)} Mo, "
                           f"limite {fr.number(MAX_XLSX_CONTENT / BYTES_PER_MB)} Mo) : gardez les onglets des "
                           "parcours et réessayez.", source=name)


def cell_text(value: object) -> str:
    """A cell as the text a user typed: 3.0 → « 3 », 3.7 → « 3.7 », a date → « 2026-03-15 »."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _rows(ws, name: str, budget: list[int]) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the non-empty rows of a read-only sheet, within the caps."""
    ws.reset_dimensions()  # the declared dimension may be a lie (« A1:XFD1048576 »)
    header = True
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if len(values) > MAX_SHEET_COLUMNS and any(v is not None for v in values[MAX_SHEET_COLUMNS:]):
            far = max(i for i, v in enumerate(values) if v is not None) + 1
            raise TerrainError(f"onglet « {ws.title} », cellule {get_column_letter(far)}{number} : au-delà de la "
                               f"limite de {MAX_SHEET_COLUMNS} colonnes. Gardez les colonnes de la liste exportée "
                               "et réessayez.", source=name)
        budget[0] -= 0 if header else 1  # the cap counts lines, not each sheet's header
        header = False
        if budget[0] < 0:
            raise TerrainError(f"onglet « {ws.title} », ligne {fr.number(number)} : trop de lignes (limite "
                               f"{fr.number(budget[1])} pour l'ensemble du classeur). Envoyez le classeur en "
                               "plusieurs fois.", source=name)
        yield number, [cell_text(v) for v in values[:MAX_SHEET_COLUMNS]]


def xlsx_sheets(data: bytes, name: str, *, max_rows: int) -> list[tuple[str, pd.DataFrame]]:
    """Every sheet of a workbook as (title, frame of texts), its first non-empty row the header.

    Each frame has a ``WHERE`` column naming the sheet and row of each line for messages.
    At most ``max_rows`` non-empty rows over the whole workbook, ``MAX_SHEET_COLUMNS`` columns.
    """
    _check_content(data, name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:
        raise TerrainError("fichier Excel illisible : enregistrez-le à nouveau et réessayez.", source=name) from err
    budget = [max_rows, max_rows]
    sheets = []
    try:
        for ws in book.worksheets:
            rows = list(_rows(ws, name, budget))
            if not rows:
                continue
            header = [h.strip() for h in rows[0][1]]
            body = [(r + [""] * len(header))[:len(header)] for _, r in rows[1:]]
            frame = pd.DataFrame(body, columns=header, dtype=str)
            frame[WHERE] = [f"onglet « {ws.title} », ligne {n}" for n, _ in rows[1:]]
            sheets.append((ws.title, frame))
    except TerrainError:
        raise
    except Exception as err:  # a damaged sheet part
        raise TerrainError("fichier Excel illisible : enregistrez-le à nouveau et réessayez.", source=name) from err
    finally:
        book.close()
    return sheets
