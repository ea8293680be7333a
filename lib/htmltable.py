"""Small read-only tables as HTML, for panels redrawn at every slider move.

``st.dataframe`` is a canvas data grid: sortable and searchable, but each one costs the browser
tens of milliseconds to redraw. The bureau panel's few-row tables need none of that, so they are
plain HTML (escaped), with optional in-cell bars and French number formatting.
"""

from __future__ import annotations

import pandas as pd

from lib import fr

MISSING = fr.MISSING


def _cell(value: object, decimals: int | None) -> str:
    if decimals is not None:
        return fr.number(value, decimals)
    return MISSING if fr.is_missing(value) else str(value)


TABLE_CSS = (".tl-t{width:100%;border-collapse:collapse;font-size:.9rem}"
             ".tl-t th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc}"
             ".tl-t td{padding:.25rem .5rem;border-bottom:1px solid #eee}.tl-t .r{text-align:right}"
             ".tl-bar{display:flex;align-items:center;gap:.4rem}"
             ".tl-track{flex:1;background:#eee;height:.7rem;min-width:4rem}"
             ".tl-track div{height:100%;background:#d7301f}")
"""The tables' style, sent once per page (the panel's CSS): each table then travels as bare
markup, about half the bytes of inline styles on every cell."""


def _bar(text: str, value: float, full: float) -> str:
    share = max(0.0, min(1.0, float(value) / full)) if full else 0.0
    return f'<div class="tl-bar"><div class="tl-track"><div style="width:{share * 100:.1f}%"></div></div>' \
           f"<span>{text}</span></div>"


def html_table(frame: pd.DataFrame, *, decimals: dict[str, int] | None = None,
               bars: dict[str, float] | None = None) -> str:
    """``frame`` as an HTML table styled by :data:`TABLE_CSS`; every text is escaped.

    ``decimals`` formats numeric columns the French way; ``bars`` maps a column to the value of
    a full bar (e.g. 100 points) and draws the value as a bar behind its text.
    """
    decimals = decimals or {}
    bars = bars or {}
    right = {c for c in frame.columns if c in decimals and c not in bars}
    head = "".join(f'<th{" class=r" if c in right else ""}>{fr.escape(c)}</th>' for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text = fr.escape(_cell(value, decimals.get(column)))
            if column in bars and text != MISSING:
                text = _bar(text, value, bars[column])
            cells.append(f'<td{" class=r" if column in decimals else ""}>{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="tl-t"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
