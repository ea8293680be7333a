"""The priority map element (``st.components.v2``): Python side.

Why not ``st.pydeck_chart``: every rerun re-sent every polygon and Streamlit re-parsed the whole
deck spec. Here the territory's geometry travels once per browser session (binary, see
:mod:`lib.mapwire`) and each slider move sends only the per-bureau arrays. The element's
JavaScript (``mapelement.js``) keeps the geometry across reruns and draws with a vendored
deck.gl served by the app itself (``lib/vendor/deckgl``): no CDN, no tile, works offline.
A click on a bureau comes back as its id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components_v1

from lib import mapwire
from lib.config import Criterion

HERE = Path(__file__).resolve().parent
FOLDERS = {"vendor": HERE.parent / "vendor", "web": HERE / "web"}  # served as files by the app
DECK_FILE = "deckgl/deckgl-9.4.0.min.js"
MODULE_FILE = "mapelement.js"
SENT = "_mapwire_sent"  # session key: geometry keys this browser session already received


def _served_url(folder: str, file: str) -> str:
    """URL of a file of :data:`FOLDERS` on the app's own component file route.

    A v1 component declaration is Streamlit's public way to serve a folder of static files; the
    element's inline JavaScript, re-sent at every rerun, is then a short loader. The URL carries
    the file's content hash (``?v=``): ``serve.py`` lets the browser keep such a file for good
    (:mod:`lib.webcache`), and a changed file gets a new URL.
    """
    name = f"{__name__}.{folder}"
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (base + "/" if base else "") + f"component/{name}/{file}?v={_content_hash(folder, file)}"


@cache
def _content_hash(folder: str, file: str) -> str:
    return hashlib.sha256((FOLDERS[folder] / file).read_bytes()).hexdigest()[:12]


def _declare_folders() -> None:
    for folder, path in FOLDERS.items():
        components_v1.declare_component(folder, path=str(path))


# deck.gl is fetched as soon as the element mounts, alongside the module (not after it).
LOADER = """
let module = null;
export default function (component) {
  if (!module) {
    const hint = Object.assign(document.createElement("link"), {rel: "preload", as: "script", href: %s});
    document.head.appendChild(hint);
    module = import(new URL(%s, document.baseURI).href);
  }
  module.then((m) => m.render(component));
  return () => module.then((m) => m.unmount(component.parentElement));
}
"""

_element = st.components.v2.component(
    "terrain.priority_map", js=LOADER % (json.dumps(_served_url("vendor", DECK_FILE)),
                                         json.dumps(_served_url("web", MODULE_FILE))),
    isolate_styles=False)


def criteria_table(criteria: Mapping[str, Criterion]) -> tuple[list[str], list[str]]:
    """Criteria ids (the order the per-move ``top`` indices refer to) and their short labels."""
    ids = list(criteria)
    return ids, [criteria[c].short or criteria[c].label for c in ids]


def payload(geom: mapwire.ScreenGeometry, move: tuple[dict, dict[str, np.ndarray]], *,
            criteria_labels: list[str], with_geometry: bool, selected: str | None = None,
            borders: bool = False, height: str = "600px", deck_url: str = "") -> bytes:
    """One rerun's bytes: per-move arrays, plus the geometry and label table when asked."""
    move_meta, move_arrays = move
    key = _once_key(geom, criteria_labels)
    meta: dict = {"key": key, "move": move_meta, "options": {"borders": bool(borders)},
                  "selected": _index_of(geom, selected), "height": height, "deck_url": deck_url}
    arrays = {f"m.{k}": v for k, v in move_arrays.items()}
    if with_geometry:
        meta["geometry"] = {**{k: v for k, v in geom.meta.items() if k != "sources"},
                            "criteria": criteria_labels}
        arrays.update({f"g.{k}": v for k, v in geom.arrays.items()})
    return mapwire.pack(meta, arrays)


def _once_key(geom: mapwire.ScreenGeometry, criteria_labels: list[str]) -> str:
    return geom.key + "-" + mapwire.fingerprint({"criteria": criteria_labels}, {})[:8]


def _index_of(geom: mapwire.ScreenGeometry, bureau_id: str | None) -> int:
    if not bureau_id:
        return -1
    hits = np.flatnonzero(geom.bureau_ids == bureau_id)
    return int(hits[0]) if len(hits) else -1


def priority_map(geom: mapwire.ScreenGeometry, move: tuple[dict, dict[str, np.ndarray]], *,
                 criteria: Mapping[str, Criterion], key: str, selected: str | None = None,
                 borders: bool = False, height: str = "600px") -> str | None:
    """Draw the map; the id of the bureau just clicked, else None.

    The geometry is included only the first time this session shows this territory (or when
    the browser says it lost it: the ``need`` trigger, then one more run).
    """
    _declare_folders()
    _, labels = criteria_table(criteria)
    once = _once_key(geom, labels)
    sent: set[str] = st.session_state.setdefault(SENT, set())
    data = payload(geom, move, criteria_labels=labels, with_geometry=once not in sent, selected=selected,
                   borders=borders, height=height, deck_url=_served_url("vendor", DECK_FILE))
    sent.add(once)
    result = _element(key=key, data=data, on_click_change=lambda: None, on_need_change=lambda: None)
    if getattr(result, "need", None) == once:
        sent.discard(once)
        st.rerun()
    clicked = getattr(result, "click", None)
    return str(clicked) if clicked else None
