"""What a briefing shows beside its map: key figures, the top 10 and a short legend.

One home for the « Mode briefing » page and its PNG/PDF/HTML exports, so a slide handed around
says exactly what the projector said.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib import capacity, fr
from lib.config import Capacity

TOP_N = 10


@dataclass(frozen=True)
class KeyFigure:
    """A figure and what it counts: « 181 » « bureaux en priorité maximale »."""

    value: str
    label: str


def targeted_ids(table: pd.DataFrame) -> list[str]:
    """Bureaux of the highest priority class (the ones the briefing asks to cover first)."""
    return table[table["class_id"] == table["class_id"].max()].index.astype(str).tolist()


def key_figures(table: pd.DataFrame, bureaux: pd.DataFrame, addresses: pd.DataFrame | None,
                cap: Capacity) -> list[KeyFigure]:
    """Bureaux targeted, registered voters covered, estimated doors and volunteer-hours."""
    targeted = targeted_ids(table)
    registered = float(pd.to_numeric(bureaux.set_index("bureau_id")["registered"].reindex(targeted)).sum())
    effort = capacity.targeted_effort(targeted, bureaux, addresses, registered_per_door=cap.registered_per_door,
                                      doors_per_hour_collective=cap.doors_per_hour_collective,
                                      doors_per_hour_individual=cap.doors_per_hour_individual)
    hours = (fr.number(effort.hours_low) if effort.exact_mix
             else f"{fr.number(effort.hours_low)} à {fr.number(effort.hours_high)}")
    mix = "" if effort.exact_mix else " (immeubles → pavillons)"
    return [KeyFigure(fr.number(len(targeted)), f"{fr.plural(len(targeted), 'bureau', 'bureaux')} en priorité maximale"),
            KeyFigure(fr.number(registered), fr.plural(registered, "inscrit couvert", "inscrits couverts")),
            KeyFigure(f"≈ {fr.number(effort.doors)}", f"{fr.plural(round(effort.doors), 'porte', 'portes')} (estimation)"),
            KeyFigure(f"≈ {hours}", f"{fr.plural(effort.hours_high, 'heure', 'heures')}-bénévoles{mix}")]


POTENTIAL = "potentiel"  # optional column of the scored frame: « bastion ↑ » (lib.potential)


def top_ten(frame: pd.DataFrame, n: int = TOP_N) -> pd.DataFrame:
    """The ``n`` first ranked bureaux: ``rank`` (int), ``label`` and ``score``, indexed by bureau id.

    ``frame`` holds ``rank``, ``score`` and ``label`` per bureau; unranked bureaux (no score,
    set aside) never enter the top. With a ``potentiel`` column the label carries the bureau's
    potential category in brackets, so the slide, the PDF and the HTML all say it.
    """
    ranked = frame[pd.to_numeric(frame["rank"], errors="coerce").notna()]
    top = ranked.assign(rank=pd.to_numeric(ranked["rank"]).astype(int)).sort_values("rank").head(n)
    if POTENTIAL in top:
        category = top[POTENTIAL].fillna("").astype(str)
        top = top.assign(label=top["label"].astype(str).where(category == "", top["label"].astype(str)
                                                                 + " (" + category + ")"))
    return top[["rank", "label", "score"]]


def legend_title(legend: pd.DataFrame) -> str:
    """« Priorité (4 = la plus forte) »: the top class is the number of classes shown."""
    top = int(legend["classe"].max()) if len(legend) else 0
    return f"Priorité ({top} = la plus forte)" if top > 1 else "Priorité"


def legend_line(classe: int, low: float, high: float, bureaux: int) -> str:
    """Short legend line for a slide: « 5 · 76 – 100 · 181 bureaux »."""
    count = fr.counted(bureaux, "bureau", "bureaux")
    if classe == 0:
        return f"sans score · {count}"
    if classe < 0:
        return f"atypiques, écartés · {count}"
    return f"{classe} · {low:.0f} – {high:.0f} · {count}"


def short_legend(legend: pd.DataFrame) -> pd.DataFrame:
    """``legend`` with its ``libelle`` replaced by :func:`legend_line`, highest class first."""
    lines = [legend_line(int(r.classe), r.min, r.max, int(r.bureaux)) for r in legend.itertuples()]
    out = legend.assign(libelle=lines)
    return out.sort_values("classe", ascending=False, key=lambda c: c.replace(0, -0.5))


def side_html(figures: list[KeyFigure], top: pd.DataFrame) -> str:
    """Key figures and the numbered top 10 for the briefing's side column (classes styled by the page).

    One row per bureau, its number in a disc like the map's badges; a long name is cut by the
    page's CSS (one line per row), the full name stays in the row's title.
    """
    figs = "".join(f"<b>{fr.escape(f.value)}</b><span>{fr.escape(f.label)}</span>" for f in figures)
    rows = "".join(f'<li class="brief-row" title="{fr.escape(label)}"><span class="brief-n">{int(rank)}</span>'
                   f'<span class="brief-lab">{fr.escape(label)}</span><b>{fr.number(score)}</b></li>'
                   for rank, label, score in zip(top["rank"], top["label"], top["score"], strict=True))
    title = f"Les {len(top)} premiers bureaux" if len(top) > 1 else "Le premier bureau"
    return (f'<div class="brief-h">Chiffres clés</div><div class="brief-figs">{figs}</div>'
            f'<div class="brief-h">{title}</div><ol class="brief-top">{rows}</ol>')
