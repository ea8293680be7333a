"""Panels beside and under the map: legend, selected bureau, ranking."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import criteria as crit
from lib import door_value, exports, fr, priority
from lib.dataset import TerritoryData
from lib.htmltable import TABLE_CSS, html_table
from lib.potential import Potential, explanation
from lib.ui.loaders import settings
from lib.ui.state import seed, select_bureau, update_view, view

PICKER_HITS = 20  # bureaux offered in the panel's picker (matches of the search, else the top of the ranking)


# Classes of the legend and the bureau figures: defined once per page (:func:`panel_styles`), because
# these blocks are re-sent at every slider move and inline styles were most of their bytes.
PANEL_CSS = (".tl-row{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}"
             ".tl-sw{display:inline-block;width:1.4rem;height:1.1rem;border:1px solid #555}"
             ".tl-lab{font-size:.95rem}.tl-note{font-size:.8rem;color:#555;margin-top:.4rem}"
             ".tl-figs{display:flex;gap:1rem;flex-wrap:wrap}.tl-fig{flex:1;min-width:6rem}"
             ".tl-fig i{display:block;font-style:normal;font-size:.85rem;color:#555}"
             ".tl-fig b{display:block;font-weight:400;font-size:1.6rem;line-height:1.3}" + TABLE_CSS)


def french_columns(frame: pd.DataFrame) -> dict:
    """Column settings that write numbers the French way (« 69,75 », « 1 679 ») and dates day first.

    Why: a table is drawn on a canvas by the browser, which formats what it is told to; the
    default writes « 69.75 ». « localized » follows the page's locale, French (lib/ui/web/chrome.js).
    """
    config: dict = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            continue
        if pd.api.types.is_numeric_dtype(dtype):
            config[column] = st.column_config.NumberColumn(format="localized")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            config[column] = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")
    return config


def table(data: object, *, column_config: dict | None = None, **options: object):
    """``st.dataframe`` the French way (numbers, dates), without index, full width."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    options = {"hide_index": True, "width": "stretch", **options}
    return st.dataframe(frame, column_config={**french_columns(frame), **(column_config or {})}, **options)


def panel_styles() -> None:
    """The CSS of :func:`legend_html` and the bureau figures (call once per page, outside fragments)."""
    st.html(f"<style>{PANEL_CSS}</style>")


def legend_html(legend: pd.DataFrame, note: str = "", title: str = "Priorité") -> str:
    """Legend block: swatch, label and bureau count per class, highest priority on top."""
    rows = [f'<div class="tl-row"><span class="tl-sw" style="background:{fr.escape(row["couleur"])}"></span>'
            f'<span class="tl-lab">{fr.escape(row["libelle"])}</span></div>'
            for _, row in legend.sort_values("classe", ascending=False).iterrows()]
    extra = f'<div class="tl-note">{fr.escape(note)}</div>' if note else ""
    return f"<div><b>{fr.escape(title)}</b>" + "".join(rows) + extra + "</div>"


def _unit_map(data: TerritoryData) -> dict[str, str]:
    return {i["id"]: i.get("unit", "") for i in data.metadata["indicators"] if i["available"]}


def _picker_options(labels: pd.Series, table: pd.DataFrame, current: str, query: str) -> list[str]:
    """The selected bureau, then the bureaux matching ``query`` (or the first of the ranking)."""
    if query:
        folded = fr.fold(query)
        hits = [b for b, lab in labels.items() if folded in fr.fold(f"{b} {lab}")][:PICKER_HITS]
    else:
        hits = table["rank"].nsmallest(PICKER_HITS).index.tolist()
    return [current] + [b for b in hits if b != current]


def _picked() -> None:
    update_view(selected=st.session_state["w_sel"])


def _picker(data: TerritoryData, table: pd.DataFrame) -> str:
    """Search box and a short list (fixed labels; the rank is shown beside, in the metrics).

    Until the user picks a bureau (map click, search, ranking row, this list), the panel follows
    the current #1 — a weight change shows the new #1, and the link names no bureau; once picked,
    a bureau stays selected. Why not every bureau in one list: its labels travelled at every
    slider move (24 kB on Paris, 2 MB on France) though they never change.
    """
    v = view()
    labels = data.bureaux["label"].reindex(table.index).fillna(pd.Series(table.index, index=table.index))
    best = table["rank"].idxmin() if table["rank"].notna().any() else table.index[0]
    current = v.selected if v.selected in table.index else best
    query = st.text_input("Chercher un bureau", key="w_find", placeholder="nom ou numéro — ou cliquez sur la carte")
    options = _picker_options(labels, table, current, query.strip())
    st.session_state["w_sel"] = current  # the view decides; a choice here goes through _picked first
    return st.selectbox("Bureau", options, key="w_sel", format_func=lambda b: labels.get(b, b), on_change=_picked,
                        help=f"Le bureau sélectionné, puis les {PICKER_HITS} premiers du classement "
                             "(ou ceux que la recherche trouve).")


def _figure(label: str, value: str) -> str:
    return f'<div class="tl-fig"><i>{fr.escape(label)}</i><b>{fr.escape(value)}</b></div>'


def _metrics(data: TerritoryData, table: pd.DataFrame, chosen: str, found: Potential | None = None) -> None:
    """Score, rank, class, potential and registered voters in one HTML row: one element, not nine, at each move."""
    row = table.loc[chosen]
    figures = [
        ("Score", "—" if pd.isna(row["score"]) else f"{fr.number(row['score'])} / 100"),
        ("Rang", "—" if pd.isna(row["rank"]) else f"{int(row['rank'])} / {int(table['rank'].max())}"),
        ("Classe", "—" if pd.isna(row["class_id"])
         else f"{int(row['class_id']) + 1} / {int(table['class_id'].max()) + 1}"),
        ("Inscrits", fr.number(data.bureaux.at[chosen, "registered"])),
    ]
    if found is not None and found.label(chosen):
        figures.insert(3, ("Potentiel", found.label(chosen)))
    label = data.bureaux["label"].get(chosen, chosen)
    qpv = (data.indicator("qpv_share") or {}).get("qpv_names", {}).get(chosen)
    st.html(f"<b>{fr.escape(label)}</b>"
            '<div class="tl-figs">' + "".join(_figure(*f) for f in figures) + "</div>"
            + (f'<div class="tl-note">Quartier prioritaire : {fr.escape(qpv)}</div>' if qpv else ""))
    if row["missing"]:
        st.warning(f"Données manquantes pour ce bureau : {fr.markdown_text(row['missing'])}.")
    flags = data.anomalies[data.anomalies["bureau_id"] == chosen]
    if len(flags):
        lead = ("Bureau atypique, écarté du classement" if bool(row.get("atypical", False))
                else "Bureau signalé par les contrôles des données")
        st.warning(lead + " :\n\n" + "\n".join(f"- {fr.markdown_text(m)}" for m in flags["message"]))


def bureau_panel(data: TerritoryData, result: priority.PriorityResult, values: pd.DataFrame,
                 found: Potential | None = None) -> None:
    """Selected bureau: score breakdown, raw values against the median, results history."""
    conf = settings()
    chosen = _picker(data, result.table)
    _metrics(data, result.table, chosen, found)
    detail = priority.breakdown(result, values, chosen, conf, _unit_map(data))
    st.markdown("**D'où vient le score** — points apportés par chaque critère (sur 100), "
                "valeur du bureau et médiane du territoire")
    # HTML, not st.dataframe: this panel is redrawn at every slider move (see lib/htmltable.py).
    st.html(html_table(detail, decimals={"Points": 1, "Valeur": 1, "Médiane du territoire": 1},
                       bars={"Points": 100.0}))
    st.markdown("**Résultats dans ce bureau**")
    v = view()
    history = priority.results_history(data.bureau_results(chosen), chosen, v.ours, data.elections, v.election)
    st.html(html_table(history, decimals={"Abstention (%)": 1, "Notre camp (%)": 1}))
    if (history["Série"] != "officielle").any():
        st.caption("Séries « reportées » : résultats 2017 transférés des anciens bureaux vers les bureaux "
                   "actuels au prorata des adresses BAN de chaque intersection (totaux conservés).")


def ranking_table(data: TerritoryData, result: priority.PriorityResult, values: pd.DataFrame,
                  found: Potential | None = None) -> None:
    """Sortable ranking with a top-N filter and a CSV download; a row click selects its bureau."""
    ranking = priority.ranking(result, data.bureaux["label"], values, settings(), data.anomalies,
                               notes=bureau_notes(data, found))
    n_max = len(ranking)
    seed("w_topn", min(50, n_max))
    top_n = st.slider("Afficher les N premiers", 1, max(n_max, 2), key="w_topn") if n_max > 1 else 1
    shown = ranking.head(top_n)
    event = table(shown, height=420, key="w_rank_rows", on_select="rerun", selection_mode="single-row",
                  column_config={"Bureau": None})  # the label says it; the id stays in the CSV
    rows = event.selection.rows if event is not None else []
    if rows and str(shown["Bureau"].iloc[rows[0]]) != view().selected:
        select_bureau(str(shown["Bureau"].iloc[rows[0]]))
        st.session_state["_show_panel"] = True
        st.session_state.pop("w_rank_rows", None)  # a stale row selection would re-select it later
        st.rerun(scope="fragment")
    st.caption("Cliquez une ligne pour voir le détail de ce bureau."
               + (" " + explanation(found, settings().potential) if found is not None else ""))
    export = exports.EXPORTS["ranking_csv"]
    st.download_button("Télécharger le classement (CSV)", lambda: export.build(ranking=ranking),
                       file_name=export.file_name.format(territory=data.id), mime=export.mime,
                       key="dl-ranking", icon=":material/download:")
    if result.withheld:
        st.caption(priority.export_note(result, settings()))


def bureau_notes(data: TerritoryData, found: Potential | None) -> dict[str, pd.Series]:
    """The ranking's and exports' text columns for this territory (:func:`lib.priority.bureau_notes`)."""
    names = (data.indicator("qpv_share") or {}).get("qpv_names")
    return priority.bureau_notes(found.frame["label"] if found is not None and len(found.frame) else None, names)


def bureau_label_map(data: TerritoryData, result: priority.PriorityResult) -> dict[str, str]:
    """« rang. libellé » per bureau id, for selectors (computed once per run, vectorised)."""
    ranks = result.table["rank"].astype("string").fillna("—")
    labels = data.bureaux["label"].reindex(result.table.index)
    return (ranks + ". " + labels.fillna("")).to_dict()


def download_buttons(keys: list[str], columns: int, *, key_prefix: str, **inputs: object) -> None:
    """One download button per export id of :data:`lib.exports.EXPORTS`, laid out in rows.

    ``inputs`` are passed to each builder lazily (only when the user clicks).
    """
    for start in range(0, len(keys), columns):
        cols = st.columns(columns)
        for col, export_id in zip(cols, keys[start:start + columns], strict=False):
            export = exports.EXPORTS[export_id]
            col.download_button(export.label, lambda e=export: e.build(**inputs),
                                file_name=export.file_name.format(**{k: v for k, v in inputs.items()
                                                                     if isinstance(v, str)}),
                                mime=export.mime, key=f"{key_prefix}-{export_id}", icon=export.icon)


def door_value_panel(data: TerritoryData, bureaux: list[str], doors: float, *, key: str) -> None:
    """What a saved plan may be worth in votes (:mod:`lib.door_value`): the published effect per
    contact as a stated prior, its range, set against the reference election's margin."""
    v, conf = view(), settings()
    election = v.election or next(iter(crit.elections_with_results(data)), "")
    if not election:
        st.info("Aucune élection avec des résultats : pas d'estimation en voix.")
        return
    ours = crit.ours_in(data.results, election, crit.Choices(election, v.ours, blocs=v.blocs), conf.blocs)
    found = door_value.margin(data.results, election, ours, bureaux)
    cols = st.columns(2)
    rate = cols[0].number_input("Portes ouvertes (%)", 0, 100, round(100 * door_value.CONTACT_RATE), key=f"{key}-rate",
                                help="Part des portes où quelqu'un est rencontré ; ≈ 30 % dans une campagne française.")
    share = cols[1].number_input("Notre part parmi les mobilisés (%)", 0, 100,
                                 round(100 * found.share) if found else 50, key=f"{key}-share",
                                 help="Par défaut : notre part face au premier adversaire dans ces bureaux.")
    value = door_value.door_value(doors, rate / 100, share / 100)
    low, mid, high = value.net_votes
    m = st.columns(3)
    m[0].metric("Voix nettes (a priori)", fr.number(mid))
    m[1].metric("Fourchette (IC 95 %)", f"{fr.number(low)} à {fr.number(high)}")
    m[2].metric("Écart à la dernière élection", fr.number(found.gap) if found else "—",
                help="Nos voix moins celles du premier adversaire dans ces bureaux, élection de référence.")
    st.markdown(door_value.reading(value, found, data.election(election)["label"]))
    if not ours:
        st.caption("Notre camp n'est pas choisi (barre latérale de la carte) : pas d'écart à comparer.")
    st.caption("Sources : " + " ".join(door_value.SOURCES))
