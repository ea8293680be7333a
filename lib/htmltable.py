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


def html_table(frame: pd.DataFrame, *, decimals: dict[str, int] | None = None,
               bars: dict[str, float] | None = None, bar_colour: str = "#d7301f") -> str:
    """``frame`` as an HTML table; every text is escaped.

    ``decimals`` formats numeric columns the French way; ``bars`` maps a column to the value of
    a full bar (e.g. 100 points) and draws the value as a bar behind its text.
    """
    decimals = decimals or {}
    bars = bars or {}
    head = "".join(f'<th style="text-align:{"right" if c in decimals and c not in bars else "left"};'
                   f'padding:.3rem .5rem;border-bottom:1px solid #ccc">{fr.escape(c)}</th>'
                   for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text = fr.escape(_cell(value, decimals.get(column)))
            numeric = column in decimals
            style = "padding:.25rem .5rem;border-bottom:1px solid #eee" + (";text-align:right" if numeric else "")
            if column in bars and text != MISSING:
                share = max(0.0, min(1.0, float(value) / bars[column])) if bars[column] else 0.0
                text = (f'<div style="display:flex;align-items:center;gap:.4rem">'
                        f'<div style="flex:1;background:#eee;height:.7rem;min-width:4rem">'
                        f'<div style="width:{share * 100:.1f}%;height:100%;background:{bar_colour}"></div></div>'
                        f"<span>{text}</span></div>")
            cells.append(f'<td style="{style}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table style="width:100%;border-collapse:collapse;font-size:.9rem">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
