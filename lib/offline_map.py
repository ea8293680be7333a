"""The offline interactive map: one HTML file, Leaflet inlined (``lib/vendor/leaflet``), that opens
without a network — the map beside a panel with the legend, key figures, the numbered top 10, the
layer switches and the settings that made it (an absolute link back to the view).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lib import briefing, fr
from lib.geo import LAMBERT93, WGS84, l93_to_lonlat, lonlat_to_l93
from lib.mapexport import QPV_COLOUR
from lib.maps.styles import TURF_COLOURS
from lib.maps.views import neighbour_colours
from lib.streetmap import OSM_CREDIT, OSM_LICENCE, StreetLayer
from lib.walk_exports import route_lines

VENDOR = Path(__file__).resolve().parent / "vendor" / "leaflet"

PANEL_PX = 340
HTML_CSS = f"""
.folium-map {{position: absolute !important; left: 0 !important; top: 0 !important; bottom: 0 !important;
  right: {PANEL_PX}px !important; width: auto !important; height: auto !important;}}
#terrain-panel {{position: absolute; top: 0; right: 0; bottom: 0; width: {PANEL_PX}px; box-sizing: border-box;
  overflow: auto; padding: 12px 16px; border-left: 1px solid #bbb; background: #fff; color: #111;
  font: 14px/1.4 system-ui, sans-serif;}}
#terrain-panel h1 {{font-size: 19px; margin: 0 0 4px;}} #terrain-panel h2 {{font-size: 15px; margin: 14px 0 4px;}}
#terrain-panel .weights {{font-weight: 600; margin: 0;}}
#terrain-panel .sw {{display: inline-block; width: 14px; height: 14px; border: 1px solid #444; margin-right: 6px;
  vertical-align: -2px;}}
#terrain-panel ol {{list-style: none; padding: 0; margin: 0;}} #terrain-panel li {{margin: 2px 0;}}
#terrain-panel li b {{float: right;}} #terrain-panel details {{margin-top: 14px;}}
#terrain-panel a {{word-break: break-all;}}
.leaflet-tooltip {{white-space: normal; width: max-content; max-width: 340px;}}
#terrain-layers .leaflet-control-layers {{float: none; box-shadow: none; border: 0; margin: 0; padding: 0;
  font-size: 14px;}}
.terrain-badge {{display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  width: 24px; height: 24px; border-radius: 50%; background: #fff; border: 2px solid #111;
  font: bold 12px sans-serif; color: #111;}}
#terrain-panel .terrain-badge {{display: inline-flex; width: 22px; height: 22px; margin-right: 6px;}}
@media (max-width: 760px) {{
  .folium-map {{right: 0 !important; bottom: auto !important; height: 62vh !important;}}
  #terrain-panel {{top: 62vh; left: 0; width: auto; border-left: 0; border-top: 1px solid #bbb;}}
}}
"""


def _badge_html(rank: int) -> str:
    return f'<div class="terrain-badge">{int(rank)}</div>'


def _bureaux_layer(scored: gpd.GeoDataFrame):
    """Bureaux in their class colours, with a tooltip (score, rank and class as integers)."""
    import folium

    def whole(value: object) -> str:
        return fr.MISSING if fr.is_missing(value) else str(int(value))  # « 691 », never « 691.0 »

    slim = scored.assign(
        geometry=scored.geometry.to_crs(LAMBERT93).simplify(2).to_crs(WGS84).set_precision(1e-5),
        libelle=scored["label"].map(lambda s: fr.escape(str(s))),
        score_txt=scored["score"].map(lambda s: "données manquantes" if pd.isna(s) else f"{s:.0f}/100"),
        rang=scored["rank"].map(whole), classe_txt=scored["classe"].map(whole),
        fill=scored["couleur"].fillna("#bdbdbd"))[["bureau_id", "libelle", "score_txt", "rang", "classe_txt", "fill", "geometry"]]
    layer = folium.FeatureGroup(name="Bureaux (priorité)", show=True)
    folium.GeoJson(
        slim.to_json(),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#ffffff", "weight": 0.5,
                                  "fillOpacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["libelle", "score_txt", "rang", "classe_txt"],
                                      aliases=["Bureau", "Score", "Rang", "Classe"]),
    ).add_to(layer)
    return layer


def _qpv_layer(qpv: gpd.GeoDataFrame):
    """The quartiers prioritaires' outlines (dashed, the app's violet), a switch of the side panel."""
    import folium

    layer = folium.FeatureGroup(name="Quartiers prioritaires (QPV)", show=True)
    folium.GeoJson(qpv[["name", "geometry"]].assign(name=qpv["name"].map(lambda s: fr.escape(str(s)))).to_json(),
                   style_function=lambda f: {"fill": False, "color": QPV_COLOUR, "weight": 2, "dashArray": "6 4"},
                   interactive=False).add_to(layer)
    return layer


def _outline_layer(outlines: gpd.GeoDataFrame):
    """Commune/arrondissement lines and names, drawn over the bureaux but deaf to the mouse.

    Why non-interactive: on top, their polygons (hit-tested inside even when unfilled) and name
    boxes would take every hover, and the bureaux' tooltips would only show with this layer off.
    """
    import folium

    layer = folium.FeatureGroup(name="Arrondissements / communes", show=True)
    folium.GeoJson(outlines[["name", "geometry"]].assign(name=outlines["name"].map(lambda s: fr.escape(str(s)))).to_json(),
                   style_function=lambda f: {"fill": False, "color": "#222222", "weight": 2},
                   interactive=False).add_to(layer)
    for name, lon, lat in zip(outlines["name"], outlines["label_lon"], outlines["label_lat"], strict=True):
        folium.Marker([lat, lon], interactive=False, icon=folium.DivIcon(
            html=f'<div style="font:bold 12px sans-serif;text-shadow:0 0 3px #fff;white-space:nowrap;'
                 f'transform:translate(-50%,-50%)">{fr.escape(str(name))}</div>')).add_to(layer)
    return layer


def _top_layer(scored: gpd.GeoDataFrame, top: pd.DataFrame):
    """The top bureaux' numbered badges (the same numbers as the panel's list), deaf to the mouse."""
    import folium

    layer = folium.FeatureGroup(name="Les 10 premiers (numéros)", show=True)
    points = scored.set_index("bureau_id").geometry.reindex(top.index).to_crs(LAMBERT93).representative_point()
    for rank, p in zip(top["rank"], points.to_crs(WGS84), strict=True):
        folium.Marker([p.y, p.x], interactive=False, icon=folium.DivIcon(
            html=_badge_html(rank), icon_size=(24, 24), icon_anchor=(12, 12))).add_to(layer)
    return layer


# The badges' repulsion of spread_apart, in the browser at each zoom: neighbouring top bureaux keep
# readable numbers at every scale, off the commune names, each tied to its bureau by a leader line
# when pushed away.
SPREAD_JS = string.Template("""(function (map, group, names) {
  var homes = [], lines = L.layerGroup(), d = 27;
  group.eachLayer(function (m) { homes.push({marker: m, home: m.getLatLng()}); });
  group.addLayer(lines);
  function walls() {
    var out = [];
    names.eachLayer(function (m) {
      if (!m._icon || !m.getLatLng) return;
      var c = map.latLngToLayerPoint(m.getLatLng()), half = m._icon.firstChild.offsetWidth / 2;
      for (var x = c.x - half; x <= c.x + half; x += d / 2) out.push(L.point(x, c.y));
    });
    return out;
  }
  function push(a, b, dist, dx, dy, share, k) {
    var ux = dist > 1e-9 ? dx / dist : Math.cos(2.4 * k), uy = dist > 1e-9 ? dy / dist : Math.sin(2.4 * k);
    a.x -= ux * (d - dist) * share; a.y -= uy * (d - dist) * share;
    if (b) { b.x += ux * (d - dist) * share; b.y += uy * (d - dist) * share; }
  }
  function place() {
    var pts = homes.map(function (o) { return map.latLngToLayerPoint(o.home); });
    var pos = pts.map(function (p) { return p.clone(); }), fixed = map.hasLayer(names) ? walls() : [];
    for (var round = 0; round < 300; round++) {
      var moved = false;
      for (var i = 0; i < pos.length; i++) {
        for (var j = i + 1; j < pos.length; j++) {
          var dx = pos[j].x - pos[i].x, dy = pos[j].y - pos[i].y, dist = Math.sqrt(dx * dx + dy * dy);
          if (dist < d) { push(pos[i], pos[j], dist, dx, dy, 0.51, i + j); moved = true; }
        }
        fixed.forEach(function (w, k) {
          var dx = w.x - pos[i].x, dy = w.y - pos[i].y, dist = Math.sqrt(dx * dx + dy * dy);
          if (dist < d) { push(pos[i], null, dist, dx, dy, 1.01, i + k); moved = true; }
        });
      }
      if (!moved) break;
    }
    lines.clearLayers();
    homes.forEach(function (o, i) {
      var at = map.layerPointToLatLng(pos[i]);
      o.marker.setLatLng(at);
      if (pos[i].distanceTo(pts[i]) > 8) {
        L.polyline([o.home, at], {color: "#111", weight: 1.5, interactive: false}).addTo(lines);
      }
    });
  }
  map.on("zoomend overlayadd overlayremove", place);
  place();
})($map, $group, $names);""")


def _script(js: str):
    """Raw JavaScript, run after the map's elements added before it (folium renders them in order)."""
    from branca.element import MacroElement
    from jinja2 import Template

    element = MacroElement()
    element._template = Template("{% macro script(this, kwargs) %}{% raw %}" + js + "{% endraw %}{% endmacro %}")
    return element


def _provenance_rows(provenance: Mapping[str, str]) -> str:
    """« Comment cette carte a été faite »: one line per setting; the link is a real, absolute link."""
    rows = []
    for key, value in provenance.items():
        text = fr.escape(str(value))
        if key == "Lien" and str(value).startswith(("http://", "https://")):
            text = f'<a href="{text}">{text}</a>'
        rows.append(f"<div><b>{fr.escape(key)}</b> : {text}</div>")
    return "".join(rows)


def _html_panel(legend: pd.DataFrame, provenance: Mapping[str, str], title: str, top: pd.DataFrame,
                figures: Sequence[briefing.KeyFigure] | None) -> str:
    """The side panel beside the map (never over it): weights, legend, key figures, top 10, provenance."""
    rows = "".join(f'<div><span class="sw" style="background:{fr.escape(r.couleur)}"></span>{fr.escape(r.libelle)}</div>'
                   for r in briefing.short_legend(legend).itertuples())
    figs = "".join(f"<div><b>{fr.escape(f.value)}</b> {fr.escape(f.label)}</div>" for f in figures or ())
    tops = "".join(f"<li>{_badge_html(rank)}{fr.escape(label)} <b>{fr.number(score)}</b></li>"
                   for rank, label, score in zip(top["rank"], top["label"], top["score"], strict=True))
    return (f'<aside id="terrain-panel"><h1>{fr.escape(title)}</h1>'
            f'<p class="weights">{fr.escape(provenance.get("Pondération", ""))}</p>'
            f"<h2>{fr.escape(briefing.legend_title(legend))}</h2>{rows}"
            + (f"<h2>Chiffres clés</h2>{figs}" if figs else "")
            + (f"<h2>Les {len(top)} premiers bureaux</h2><ol>{tops}</ol>" if len(top) else "")
            + '<h2>Couches</h2><div id="terrain-layers"></div>'
            + f"<details><summary>Comment cette carte a été faite</summary>{_provenance_rows(provenance)}</details></aside>")


def _leaflet_map(css: str, *, attribution: bool = True):
    """A folium map with Leaflet inlined (``lib/vendor/leaflet``) and ``css``: no tile, no CDN."""
    import folium

    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=True, zoom_snap=0.25, attribution_control=attribution)
    m.default_js = []  # folium would load Leaflet, jQuery, Bootstrap… from CDNs
    m.default_css = []
    m.get_root().header.add_child(folium.Element(
        "<style>" + (VENDOR / "leaflet.css").read_text(encoding="utf-8") + css + "</style>"
        "<script>" + (VENDOR / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"))
    return m


def interactive_html(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                     provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None,
                     figures: Sequence[briefing.KeyFigure] | None = None, qpv: gpd.GeoDataFrame | None = None) -> bytes:
    """A standalone Leaflet map that opens offline: Leaflet is inlined, no tile layer, no CDN.

    The map fills the window beside a side panel (legend, key figures, top 10, how it was made),
    so nothing covers the map's data; hovering a bureau shows its tooltip whatever layers are on.
    """
    import folium

    m = _leaflet_map(HTML_CSS)
    root = m.get_root()
    top = briefing.top_ten(scored.set_index("bureau_id"))
    badges, names = _top_layer(scored, top), _outline_layer(outlines)
    for layer in (_bureaux_layer(scored), names, badges):
        layer.add_to(m)
    if stations is not None and len(stations):
        gares = folium.FeatureGroup(name="Gares et stations", show=False)
        for name, lon, lat in zip(stations["name"], stations["lon"], stations["lat"], strict=True):
            folium.CircleMarker([lat, lon], radius=3, color="#1f3c88", fill=True, tooltip=fr.escape(str(name))).add_to(gares)
        gares.add_to(m)
    if qpv is not None and len(qpv):
        _qpv_layer(qpv).add_to(m)
    layers = folium.LayerControl(collapsed=False).add_to(m)
    # Metres and kilometres only: Leaflet's default scale adds feet and miles.
    m.add_child(_script(f"L.control.scale({{metric: true, imperial: false}}).addTo({m.get_name()});"))
    root.html.add_child(folium.Element(_html_panel(legend, provenance, title, top, figures)))
    root.header.add_child(folium.Element(f'<meta name="description" content="{fr.escape(fr.provenance_text(provenance))}">'))
    minx, miny, maxx, maxy = scored.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12))
    m.add_child(_script(SPREAD_JS.substitute(map=m.get_name(), group=badges.get_name(),
                                                  names=names.get_name())))  # after the framing
    # The layer switches live in the side panel: over the map they would hide a corner of it.
    m.add_child(_script(f'document.getElementById("terrain-layers").appendChild({layers.get_name()}.getContainer());'))
    return m.get_root().render().encode("utf-8")




# --- the walk plan's offline map: turfs and routes over the streets --------------------------------

WALK_CSS = HTML_CSS + """
.leaflet-container {background: #f3efe6;}
.terrain-rue {pointer-events: none;}
.terrain-rue div {position: absolute; white-space: nowrap; font: 600 11px system-ui, sans-serif; color: #333;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;}
.terrain-far .terrain-rue {display: none;}
#terrain-panel .credit {font-size: 12px; color: #444; margin-top: 12px;}
.terrain-depart div {position: absolute; transform: translate(-50%, -135%); padding: 1px 5px; border-radius: 4px;
  border: 3px solid; background: #fff; font: 700 12px system-ui, sans-serif; color: #111; white-space: nowrap;}
"""
STREET_STYLE = {"foot": ("#8c7a5e", 1.2, "3 3"), "street": ("#a9a9a9", 3.5, None), "major": ("#8f8f8f", 5.0, None)}
STREETS_MARGIN_M = 150.0  # streets around the turfs' doors
NAMES_FROM_ZOOM = 16  # street names show from this zoom on (a street block is then ~150 px)
NAME_PX = 11

# The street names of the walk map: hidden when zoomed out, and one over another never shown (the
# longest streets' names come first).
NAMES_JS = string.Template("""(function (map, names) {
  function place() {
    var far = map.getZoom() < $zoom, kept = [];
    map.getContainer().classList.toggle("terrain-far", far);
    if (far || !map.hasLayer(names)) return;
    names.eachLayer(function (m) {
      var label = m._icon && m._icon.firstChild;
      if (!label) return;
      label.style.visibility = "visible";
      var r = label.getBoundingClientRect();
      var hit = kept.some(function (o) { return r.left < o.right && o.left < r.right && r.top < o.bottom && o.top < r.bottom; });
      if (hit) label.style.visibility = "hidden"; else kept.push(r);
    });
  }
  map.on("zoomend moveend overlayadd", place);
  place();
})($map, $names);""")


def _street_layers(layer, rect: tuple[float, float, float, float], doors, lat: float) -> tuple:
    """The streets inside ``rect`` (Lambert-93) drawn by class, and their names along them."""
    import folium

    hits, clipped = layer.cut(rect, 1.0)
    lines = folium.FeatureGroup(name="Rues (OpenStreetMap)", show=True)
    for kind, (colour, weight, dash) in STREET_STYLE.items():
        geoms = gpd.GeoSeries(clipped[layer.kind[hits] == kind], crs=LAMBERT93).to_crs(WGS84).set_precision(1e-6)
        geoms = geoms[~geoms.is_empty]
        if len(geoms):
            folium.GeoJson(gpd.GeoDataFrame(geometry=geoms).to_json(), interactive=False,
                           style_function=lambda f, c=colour, w=weight, d=dash: {"color": c, "weight": w,
                                                                                "dashArray": d, "opacity": 1},
                           ).add_to(lines)
    names = folium.FeatureGroup(name="Noms des rues", show=True)
    metres_per_px = 156543.03 * np.cos(np.radians(lat)) / 2 ** (NAMES_FROM_ZOOM + 1)
    for spot in layer.name_spots(hits, clipped, doors, metres_per_px, NAME_PX):
        (lon,), (lat_,) = l93_to_lonlat(np.array([spot.x]), np.array([spot.y]))
        folium.Marker([lat_, lon], interactive=False, icon=folium.DivIcon(
            class_name="terrain-rue", icon_size=(0, 0),
            html=f'<div style="transform:translate(-50%,-50%) rotate({-spot.angle:.0f}deg)">{fr.escape(spot.name)}</div>',
        )).add_to(names)
    return lines, names


def _turf_layer(turfs: pd.DataFrame, lines: Mapping[str, list[list[float]]], colours: Mapping[str, str]):
    """Each turf's route (along the streets when the plan has them) and its stops, in the turf's colour."""
    import folium

    group = folium.FeatureGroup(name="Parcours", show=True)
    for turf_id, rows in turfs.sort_values(["turf_id", "stop"]).groupby("turf_id", sort=True):
        colour = colours[str(turf_id)]
        if len(lines[str(turf_id)]) > 1:
            folium.PolyLine([[lat, lon] for lon, lat in lines[str(turf_id)]], color=colour, weight=4,
                            opacity=0.9).add_to(group)
        for row in rows.itertuples(index=False):
            folium.CircleMarker([row.lat, row.lon], radius=5, color="#111", weight=1, fill=True, fill_color=colour,
                                fill_opacity=1, tooltip=fr.escape(f"{turf_id} · {int(row.stop)}. {row.label}"),
                                ).add_to(group)
        start = rows.iloc[0]  # the turf's code where its walk starts: with more turfs than colours, two share one
        folium.Marker([start.lat, start.lon], interactive=False, icon=folium.DivIcon(
            class_name="terrain-depart", icon_size=(0, 0),
            html=f'<div style="border-color:{colour}">{fr.escape(str(turf_id))}</div>')).add_to(group)
    return group


def _walk_panel(summary: pd.DataFrame, colours: Mapping[str, str], provenance: Mapping[str, str], title: str,
                credit: str) -> str:
    """The side panel of the walk map: one line per turf in its colour, the credits, how it was made."""
    rows = "".join(f'<div><span class="sw" style="background:{colours[str(r.turf_id)]}"></span><b>{fr.escape(str(r.turf_id))}</b> '
                   f"— {int(r.adresses)} adresses, ≈ {int(r.minutes_estimees)} min</div>"
                   for r in summary.itertuples(index=False))
    return (f'<aside id="terrain-panel"><h1>{fr.escape(title)}</h1><h2>Parcours ({len(summary)})</h2>{rows}'
            '<h2>Couches</h2><div id="terrain-layers"></div>'
            f'<p class="credit">{fr.escape(credit)}</p>'
            f"<details><summary>Comment cette carte a été faite</summary>{_provenance_rows(provenance)}</details></aside>")


def walk_html(turfs: pd.DataFrame, summary: pd.DataFrame, provenance: Mapping[str, str], *, title: str,
              streets: gpd.GeoDataFrame | None = None, network=None) -> bytes:
    """The walk plan as one HTML file that opens offline (Leaflet inlined, no tile, no CDN): each turf's
    route and stops in its colour over the OpenStreetMap streets and their names when the territory
    has them (credited, ODbL), a side panel listing the turfs."""
    import folium

    m = _leaflet_map(WALK_CSS, attribution=False)
    index = neighbour_colours(turfs.sort_values(["turf_id", "stop"]), len(TURF_COLOURS))
    colours = {t: "#{:02x}{:02x}{:02x}".format(*TURF_COLOURS[i][:3]) for t, i in index.items()}
    layer = StreetLayer.of(streets)
    credit = "Adresses : Base Adresse Nationale (Licence Ouverte 2.0)."
    names = None
    if layer is not None:
        x, y = lonlat_to_l93(turfs["lon"].to_numpy(float), turfs["lat"].to_numpy(float))
        rect = (x.min() - STREETS_MARGIN_M, y.min() - STREETS_MARGIN_M, x.max() + STREETS_MARGIN_M,
                y.max() + STREETS_MARGIN_M)
        lines, names = _street_layers(layer, rect, shapely.multipoints(np.c_[x, y]), float(turfs["lat"].mean()))
        lines.add_to(m)
        names.add_to(m)
        credit += f" Rues : {OSM_CREDIT} ({OSM_LICENCE})."
        m.add_child(_script(f"L.control.attribution({{prefix: false}}).addAttribution("
                            f"{json.dumps(f'{OSM_CREDIT} ({OSM_LICENCE})')}).addTo({m.get_name()});"))
    _turf_layer(turfs, route_lines(turfs, network), colours).add_to(m)
    layers = folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(folium.Element(_walk_panel(summary, colours, provenance, title, credit)))
    m.fit_bounds([[turfs["lat"].min(), turfs["lon"].min()], [turfs["lat"].max(), turfs["lon"].max()]], padding=(12, 12))
    m.add_child(_script(f"L.control.scale({{metric: true, imperial: false}}).addTo({m.get_name()});"))
    if names is not None:  # after the framing
        m.add_child(_script(NAMES_JS.substitute(map=m.get_name(), names=names.get_name(), zoom=NAMES_FROM_ZOOM)))
    m.add_child(_script(f'document.getElementById("terrain-layers").appendChild({layers.get_name()}.getContainer());'))
    return m.get_root().render().encode("utf-8")
