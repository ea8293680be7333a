"""Every in-app map, one call per map kind, all drawn by one element (``st.components.v2``).

Why one element: Streamlit's ``st.pydeck_chart`` brings its own deck.gl; with ours (the priority
map's) in the same page, luma.gl refused to start (« multiple versions detected ») and maps came
out empty. Now every map is this element, drawing with the vendored deck.gl served by the app
(``lib/vendor/deckgl``: no CDN, no tile, works offline). A territory's geometry travels to a
browser session once (binary, :mod:`lib.maps`); each rerun sends only the view's arrays.
A click on a bureau (priority map) comes back as its id.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components_v1

from lib import fr, priority, walk_exports
from lib.dataset import TerritoryData
from lib.geo import department_of
from lib.maps import styles, views, wire
from lib.maps.geometry import GROUP_PREFIX, ScreenGeometry
from lib.potential import Potential
from lib.ui.loaders import department_geometry, screen_geometry, settings, street_network_of

HERE = Path(__file__).resolve().parent
FOLDERS = {"vendor": HERE.parent / "vendor", "web": HERE / "web"}  # served as files by the app
ASSET_PREFIX = __name__ + "."  # component folders are declared as "<this module>.<folder>" (lib.webcache)
DECK_FILE = "deckgl/deckgl-9.4.0.min.js"
MODULE_FILE = "mapelement.js"
SENT = "_map_geometry_sent"  # session key: geometry keys this browser session already received


def _served_url(folder: str, file: str) -> str:
    """URL of a file of :data:`FOLDERS` on the app's own component file route.

    A v1 component declaration is Streamlit's public way to serve a folder of static files; the
    element's inline JavaScript, re-sent at every rerun, is then a short loader. The URL carries
    the file's content hash (``?v=``): ``serve.py`` lets the browser keep such a file for good
    (:mod:`lib.webcache`), and a changed file gets a new URL.
    """
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (base + "/" if base else "") + f"component/{ASSET_PREFIX}{folder}/{file}?v={_content_hash(folder, file)}"


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
    "terrain.map", js=LOADER % (json.dumps(_served_url("vendor", DECK_FILE)), json.dumps(_served_url("web", MODULE_FILE))),
    isolate_styles=False)


def criteria_labels() -> list[str]:
    """Short labels of the criteria, in the order the priority view's ``top_pairs`` index them."""
    return [c.short or c.label for c in settings().criteria.values()]


def payload(geom: ScreenGeometry, view: views.MapView, *, kind: str, with_geometry: bool, selected: int = -1,
            options: dict | None = None, height: str = "560px", label: str = "Carte") -> bytes:
    """One rerun's bytes: the view's arrays, plus the geometry (and the criteria's labels) when asked."""
    meta: dict = {"key": geom.key, "kind": kind, "view": view.meta, "options": options or {}, "selected": selected,
                  "height": height, "label": label, "deck_url": _served_url("vendor", DECK_FILE)}
    arrays = {f"m.{k}": v for k, v in view.arrays.items()}
    if with_geometry:
        meta["geometry"] = {**{k: v for k, v in geom.meta.items() if k != "sources"}, "criteria": criteria_labels()}
        arrays.update({f"g.{k}": v for k, v in geom.arrays.items()})
    return wire.pack(meta, arrays)


def map_element(geom: ScreenGeometry, view: views.MapView, *, kind: str, key: str, height: str = "560px",
                selected: str | None = None, clickable: bool = False, borders: bool = False,
                label: str = "Carte") -> str | None:
    """Draw a map; the id of the bureau just clicked (``clickable`` maps), else None.

    The geometry is included only the first time this session shows it (or when the browser
    says it lost it: the ``need`` trigger, then one more run).
    """
    _declare_folders()
    sent: set[str] = st.session_state.setdefault(SENT, set())
    position = int(geom.positions([selected])[0]) if selected else -1
    data = payload(geom, view, kind=kind, with_geometry=geom.key not in sent, selected=position,
                   options={"clickable": clickable, "borders": borders}, height=height, label=label)
    sent.add(geom.key)
    result = _element(key=key, data=data, on_click_change=lambda: None, on_need_change=lambda: None)
    if getattr(result, "need", None) == geom.key:
        sent.discard(geom.key)
        st.rerun()
    clicked = getattr(result, "click", None)
    return str(clicked) if clicked and not str(clicked).startswith(GROUP_PREFIX) else None


def priority_map(data: TerritoryData, result: priority.PriorityResult, *, key: str, height: str,
                 selected: str | None = None, borders: bool | None = None, rgba=None, numbered: int = 0,
                 qpv: bool = False) -> str | None:
    """The priority map of a result (classes' colours, score tooltips); returns a clicked bureau.

    ``rgba`` overrides the result's colours (bureaux already covered, faded); ``numbered`` writes
    the rank of the first N bureaux on the map; ``qpv`` draws the quartiers prioritaires' outlines.
    """
    geom = screen_geometry(data)
    view = views.priority_view(geom, result.table, result.rgba if rgba is None else rgba,
                               list(settings().criteria), numbered=numbered)
    if qpv:
        view = views.with_qpv_outlines(view, (data.indicator("qpv_share") or {}).get("qpv_outlines"))
    shows_borders = geom.n_bureaux <= styles.BORDERS_MAX_BUREAUX if borders is None else borders
    return map_element(geom, view, kind="priority", key=key, height=height, selected=selected, clickable=True,
                       borders=shows_borders, label=f"Carte des priorités — {data.name}")


def potential_map(data: TerritoryData, found: Potential, *, key: str, height: str,
                  selected: str | None = None) -> str | None:
    """Bureaux by potential category (bastion … difficile), moved ones outlined; returns a clicked bureau."""
    geom = screen_geometry(data)
    return map_element(geom, views.potential_view(geom, found), kind="potentiel", key=key, height=height,
                       selected=selected, clickable=True, label=f"Catégories de potentiel — {data.name}")


def department_map(data: TerritoryData, result: priority.PriorityResult, *, key: str, height: str) -> None:
    """One shape per département, coloured like its median bureau (large territories)."""
    groups = department_geometry(data)
    bureaux = data.bureaux.set_index(data.bureaux["bureau_id"].astype(str))
    members = GROUP_PREFIX + department_of(bureaux["commune_code"])
    view = views.department_view(groups, members, result.table, result.rgba, bureaux["label"],
                                 no_data=settings().no_data_colour)
    map_element(groups, view, kind="departements", key=key, height=height, borders=True,
                label=f"Carte des priorités par département — {data.name}")


def territory_map(data: TerritoryData, *, key: str, height: str = "560px") -> None:
    """The home map: the territory's bureaux by commune or arrondissement."""
    geom = screen_geometry(data)
    map_element(geom, views.territory_view(geom, data.bureaux), kind="territoire", key=key, height=height,
                label=f"Bureaux de vote — {data.name}")


def coverage_map(data: TerritoryData, coverage: pd.DataFrame, *, frame_on: list[str], key: str,
                 height: str = "460px") -> None:
    """Bureaux by the share of their planned addresses done, framed on ``frame_on`` (a plan's bureaux)."""
    geom = screen_geometry(data)
    map_element(geom, views.coverage_view(geom, coverage, frame_on=frame_on), kind="couverture", key=key,
                height=height, label="Couverture du terrain")


def turf_map(data: TerritoryData, turfs: pd.DataFrame, chosen: list[str], *, key: str,
             height: str = "480px") -> dict[str, list[int]]:
    """Turfs on the chosen bureaux; returns each turf's colour (the page draws the legend)."""
    geom = screen_geometry(data)
    network = street_network_of(data.id, str(settings().data_dir))
    view, colours = views.turf_view(geom, turfs, chosen, streets=data.streets,
                                    routes=walk_exports.route_lines(turfs, network) if network is not None else None)
    map_element(geom, view, kind="parcours", key=key, height=height, label="Parcours par équipe")
    return colours


def door_status_map(data: TerritoryData, stops: pd.DataFrame, labels: dict[str, str], *, key: str,
                    height: str = "460px") -> None:
    """A plan's addresses by their latest door status."""
    geom = screen_geometry(data)
    map_element(geom, views.door_status_view(geom, stops, labels), kind="portes", key=key, height=height,
                label="Statut des portes")


def swatch_legend(colours: dict[str, list[int]], captions: dict[str, str] | None = None) -> str:
    """HTML legend: one swatch per entry (turf colours), with an optional caption each."""
    rows = [f'<span class="tl-row" style="display:inline-flex;margin-right:1rem">'
            f'<span class="tl-sw" style="background:rgba({",".join(map(str, c[:3]))},1)"></span>'
            f'<span class="tl-lab">{fr.escape(name)}{" — " + fr.escape(captions[name]) if captions and name in captions else ""}'
            "</span></span>" for name, c in sorted(colours.items())]
    return '<div class="tl-legend">' + "".join(rows) + "</div>"
