"""French presentation, in one place: numbers, text folding, HTML escaping, spreadsheets, provenance.

Why one module: the same small helpers were written many times (number formats with or without
thousands separators, four accent-folding variants, three HTML escapers, four CSV writers), and
copies drift apart. Everything a user reads as a number or opens in Excel goes through here.

Spreadsheet cells are neutralised against formula injection (OWASP "CSV injection"): a text that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula by
Excel or LibreOffice. Such a text is prefixed with an apostrophe in CSV (Excel hides it) and
stored as a quoted-prefix string cell in XLSX, so it stays readable and is never evaluated.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd

from lib.errors import TerrainError

MISSING = "—"
THIN_SPACE = "\u202f"  # narrow no-break space: the French thousands separator
MINUS = "\u2212"  # the typographic minus sign: « −1,6 », never a hyphen beside it
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------------------------ numbers

def is_missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT are all "no value"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def number(value: object, decimals: int = 0, *, missing: str = MISSING) -> str:
    """``1234.5`` → ``1 234,5`` (narrow no-break space, decimal comma); missing → an em dash.

    Text is returned unchanged: only numbers are reformatted.
    """
    if is_missing(value):
        return missing
    if isinstance(value, str):
        return value
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return missing
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    text = f"{x:,.{decimals}f}".replace(",", THIN_SPACE).replace(".", ",")
    return MINUS + text[1:] if text.startswith("-") else text


def percent(value: object, decimals: int = 1) -> str:
    """``25.34`` → ``25,3 %`` (a share already in percent)."""
    text = number(value, decimals)
    return text if text == MISSING else f"{text}\u00a0%"


def plural(n: object, one: str, many: str) -> str:
    """The French form of a noun for ``n``: singular below 2 (« 0 bureau », « 1,5 heure »), else plural.

    Why a helper: « 1 bureaux » slipped into exports wherever a count was glued to a fixed plural.
    """
    return one if not is_missing(n) and abs(float(n)) < 2 else many  # type: ignore[arg-type]


def counted(n: object, one: str, many: str, decimals: int = 0) -> str:
    """``counted(1, "bureau", "bureaux")`` → « 1 bureau »; ``1234`` → « 1 234 bureaux »."""
    return f"{number(n, decimals)} {plural(n, one, many)}"


# ------------------------------------------------------------------------------------ text

def strip_accents(text: object) -> str:
    """« Élodie Hôpital » → « Elodie Hopital » (combining marks removed, case kept)."""
    norm = unicodedata.normalize("NFKD", "" if text is None else str(text))
    return "".join(c for c in norm if not unicodedata.combining(c))


def fold(text: object, *, keep: str = "") -> str:
    """Lower case, no accents, punctuation as single spaces: a key for matching names.

    ``keep`` lists punctuation to keep (e.g. ``"%"`` for column headers like ``% Voix/Ins``).
    """
    lowered = strip_accents(text).lower()
    return re.sub(rf"[^a-z0-9{re.escape(keep)}]+", " ", lowered).strip()


def fold_upper(text: object) -> str:
    """Upper case without accents, spacing kept: candidate names across sources."""
    return strip_accents(text).upper().strip()


DAY_FORMAT = "%d/%m/%Y"
DAY_PATTERN = r"^(\d{1,2}/\d{1,2}/\d{4})?$"  # what a date cell accepts (empty = no date)


def day_text(day: object) -> str:
    """``date(2026, 3, 7)`` → « 07/03/2026 »; no date → "" (a table cell stays empty, never « None »)."""
    if is_missing(day) or day in ("", None):
        return ""
    return pd.Timestamp(day).strftime(DAY_FORMAT)


def parse_day(text: object) -> date | None:
    """« 7/3/2026 » → 7 March 2026 (day first, as written in France); "" → None."""
    text = str(text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, DAY_FORMAT).date()
    except ValueError as err:
        raise TerrainError(f"date « {text} » illisible : écrivez-la jj/mm/aaaa (ex. 07/03/2026).") from err


def first_items(items: list[str], limit: int = 10) -> str:
    """« a, b, c … »: the first ``limit`` items, an ellipsis when there are more (a message stays short)."""
    return ", ".join(items[:limit]) + (" …" if len(items) > limit else "")


def slug(text: object, *, max_length: int = 40) -> str:
    """``Législatives 2022 T1`` → ``legislatives_2022_t1``."""
    return fold(text).replace(" ", "_")[:max_length].strip("_")


def escape(value: object) -> str:
    """HTML-escape any value shown as HTML (``unsafe_allow_html``, ``st.html``, exports)."""
    return html.escape("" if value is None else str(value), quote=True)


def escape_text(value: object) -> str:
    """HTML-escape for text nodes only (deck.gl tooltips use innerHTML; quotes are harmless)."""
    return html.escape("" if value is None else str(value), quote=False)


# Bare addresses GitHub-flavoured Markdown turns into links even when escaped (« https://… »,
# « www.… », « a@b.fr »): an invisible word joiner before their last character breaks the match.
AUTOLINK = re.compile(r"(?i)(:/|www\.|\w@)")
WORD_JOINER = "\u2060"
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@/])")


def markdown_text(value: object) -> str:
    """Any value shown as plain text inside Streamlit Markdown (``st.markdown``, captions, titles,
    alerts, widget labels): every Markdown, HTML, LaTeX (``$``) and Streamlit directive
    (``:red[…]``, ``:material/…:``) character backslash-escaped, line breaks as spaces, and bare
    addresses (``https://``, ``www.``, e-mail) kept from becoming links by an invisible word joiner.

    Why: turf codes, address labels and names come from uploads and restored backups; rendered as
    Markdown, ``![](https://…)`` made a volunteer's phone fetch an outside image (a tracking pixel)
    and ``[Relevé](https://…)`` showed a phishing link. :func:`escape` covers HTML only.
    """
    flat = re.sub(r"[\r\n\t]+", " ", "" if value is None else str(value))
    return MARKDOWN_SPECIAL.sub(r"\\\1", AUTOLINK.sub(lambda m: m[0][:-1] + WORD_JOINER + m[0][-1], flat))


def source_link(url: object) -> str:
    """A source's address in Markdown: a link when it is a plain web address, else shown as text
    (an address from a user's build or a restored file may be anything, ``javascript:`` included)."""
    text = "" if url is None else str(url).strip()
    if re.fullmatch(r"https?://[^\s()<>\[\]]+", text):
        return f"[{markdown_text(text)}]({text})"
    return markdown_text(text)


# ------------------------------------------------------------------------------------ spreadsheets

def neutralise(value: object) -> object:
    """A spreadsheet-safe value: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(neutralise, na_action="ignore")
    return out


def csv_bytes(frame: pd.DataFrame, *, decimals: bool = True) -> bytes:
    """CSV that French Excel opens as columns: UTF-8 with BOM, « ; », decimal comma.

    Every text cell is neutralised (:func:`neutralise`).
    """
    safe = _neutralise_frame(frame)
    text = safe.to_csv(sep=";", decimal="," if decimals else ".", index=False)
    return text.encode("utf-8-sig")


def xlsx_rows(ws: Any, rows: Iterable[Iterable[object]]) -> None:
    """Append rows to an openpyxl worksheet; formula-like texts are stored as plain text."""
    for row in rows:
        values = [None if is_missing(v) else _plain(v) for v in row]
        ws.append(values)
        for cell, value in zip(ws[ws.max_row], values, strict=False):
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type = "s"  # openpyxl guessed a formula from the leading character
                cell.quotePrefix = True


def xlsx_frame(ws: Any, frame: pd.DataFrame) -> None:
    """Header then every row of ``frame`` (see :func:`xlsx_rows`)."""
    xlsx_rows(ws, [list(map(str, frame.columns))])
    xlsx_rows(ws, frame.itertuples(index=False, name=None))


def _plain(value: object) -> object:
    """numpy scalars → Python scalars (openpyxl refuses some numpy types)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


# ------------------------------------------------------------------------------------ provenance

def distinct_labels(labels: Mapping[Any, str]) -> dict[Any, str]:
    """Labels made unique: a repeated one gets « (n° id) ». Why: a select box maps the user's
    choice back through its label, so two campaigns named alike were swapped."""
    counts = pd.Series(list(labels.values()), dtype=object).value_counts()
    return {key: f"{label} (n° {key})" if counts.get(label, 0) > 1 else label for key, label in labels.items()}


def provenance_text(provenance: Mapping[str, object], *, sep: str = " · ") -> str:
    """« Territoire : Paris · Date : 2026-11-25 · … »: how a file was made, in one line."""
    return sep.join(f"{k} : {v}" for k, v in provenance.items())


def sources_caption(sources: Iterable[Mapping[str, str]]) -> str:
    """« Sources : publisher — title (licence) ; … » from a territory's metadata sources."""
    parts = [f"{s['publisher']} — {s['title']} ({s['licence']})" for s in sources]
    return "Sources : " + " ; ".join(parts)


def view_link(base_url: str | None, page: str, params: Mapping[str, object]) -> str:
    """The absolute address of a view (``base_url/page?params``), or a plain French note when the
    app's address is unknown.

    Why absolute: a file opened weeks later from a mail or a USB key has no server to be relative
    to; a relative « ?t=paris… » leads nowhere.
    """
    query = urlencode({k: str(v) for k, v in params.items()}, safe=":,|")
    target = f"/{page}" + (f"?{query}" if query else "")
    parts = urlsplit(base_url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return base_url.rstrip("/") + target  # type: ignore[union-attr]
    return f"adresse de l'application inconnue : ajoutez « {target} » à l'adresse de Terrain"


def provenance(*, territory: str, date: str, sentence: str, sources: str,
               details: Mapping[str, object] | None = None) -> dict[str, str]:
    """The provenance every export carries: territory, date, weights, ``details``, then sources."""
    out = {"Territoire": territory, "Date": date, "Pondération": sentence}
    out.update({k: str(v) for k, v in (details or {}).items() if v is not None})
    out["Sources"] = sources.removeprefix("Sources : ")  # a caption already starting « Sources : »
    return out

