"""The offline interactive map: one HTML file, Leaflet inlined (``lib/vendor/leaflet``), that opens
without a network — the map beside a panel with the legend, key figures, the numbered top 10, the
layer switches and the settings that made it (an absolute link back to the view).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib import briefing, fr
from lib.geo import LAMBERT93, WGS84
from lib.mapexport import QPV_COLOUR

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


def interactive_html(scored: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame, legend: pd.DataFrame,
                     provenance: Mapping[str, str], *, title: str, stations: pd.DataFrame | None = None,
                     figures: Sequence[briefing.KeyFigure] | None = None, qpv: gpd.GeoDataFrame | None = None) -> bytes:
    """A standalone Leaflet map that opens offline: Leaflet is inlined, no tile layer, no CDN.

    The map fills the window beside a side panel (legend, key figures, top 10, how it was made),
    so nothing covers the map's data; hovering a bureau shows its tooltip whatever layers are on.
    """
    import folium

    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=True, zoom_snap=0.25)
    m.default_js = []  # folium would load Leaflet, jQuery, Bootstrap… from CDNs
    m.default_css = []
    root = m.get_root()
    root.header.add_child(folium.Element(
        "<style>" + (VENDOR / "leaflet.css").read_text(encoding="utf-8") + HTML_CSS + "</style>"
        "<script>" + (VENDOR / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"))
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


