// Terrain priority map element (st.components.v2): geometry once per territory, colours per move.
// Served by the app as a file (the browser caches it); the element's inline JS only imports it.
//
// The Python side (lib/ui/mapelement.py) sends one binary container per rerun (lib/mapwire.py):
// a JSON header and typed arrays. The territory's geometry ("g." arrays) comes only when this
// browser has not got it yet; it is kept in window.__terrainMap across reruns and pages. Each
// move brings per-bureau arrays ("m." arrays): colour index, score, rank, top criteria, missing.
// deck.gl (vendored, served by the app: no CDN) keeps its polygon tessellation and only
// refreshes the fill colours. Tooltips are written here from those arrays and the label table.

const G = (window.__terrainMap = window.__terrainMap || { geoms: new Map(), deck: null });
const TYPES = { u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array, f8: Float64Array };
const NO_SCORE = 255;
const NO_CRITERION = 255;

function loadDeck(url) {
  if (!G.deck) {
    G.deck = new Promise((resolve, reject) => {
      if (window.deck) return resolve(window.deck);
      const s = document.createElement("script");
      s.src = url;
      s.onload = () => (window.deck ? resolve(window.deck) : reject(new Error("deck.gl")));
      s.onerror = () => { G.deck = null; reject(new Error("deck.gl")); };
      document.head.appendChild(s);
    });
  }
  return G.deck;
}

function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

// Inverse of mapwire.pack: one aligned copy, then zero-copy views.
function unpack(bytes) {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const u8 = new Uint8Array(buf);
  if (String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== "TMW1") throw new Error("payload");
  const n = new DataView(buf).getUint32(4, true);
  const meta = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const start = 8 + n + ((8 - ((8 + n) % 8)) % 8);
  const arrays = {};
  for (const [name, dtype, shape, offset] of meta.arrays) {
    const count = shape.reduce((a, b) => a * b, 1);
    arrays[name] = new TYPES[dtype](buf, start + offset, count);
  }
  return { meta, arrays };
}

// One object per polygon part: {positions (flat lon/lat view), holeIndices, f: feature index}.
function parts(arrays, prefix) {
  const xy = arrays[prefix + ".xy"], vertex = arrays[prefix + ".vertex"];
  const ring = arrays[prefix + ".ring"], poly = arrays[prefix + ".poly"];
  const out = [];
  for (let f = 0; f + 1 < poly.length; f++) {
    for (let p = poly[f]; p < poly[f + 1]; p++) {
      const r0 = ring[p], r1 = ring[p + 1], v0 = vertex[r0], v1 = vertex[r1];
      const part = { positions: xy.subarray(2 * v0, 2 * v1), f };
      if (r1 - r0 > 1) {
        part.holeIndices = [];
        for (let r = r0 + 1; r < r1; r++) part.holeIndices.push(2 * (vertex[r] - v0));
      }
      out.push(part);
    }
  }
  return out;
}

function geometryFrom(meta, arrays) {
  const g = {};
  for (const [k, v] of Object.entries(arrays)) if (k.startsWith("g.")) g[k.slice(2)] = v;
  const names = meta.geometry.names.map((n, i) => ({ n, x: [g["names.xy"][2 * i], g["names.xy"][2 * i + 1]] }));
  return {
    key: meta.key, ids: meta.geometry.ids, labels: meta.geometry.labels, criteria: meta.geometry.criteria,
    frame: meta.geometry.frame, bureaux: parts(g, "bureaux"), outlines: parts(g, "outlines"), names,
    stations: { length: g["stations.xy"].length / 2, attributes: { getPosition: { value: g["stations.xy"], size: 2 } } },
  };
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function tooltip(st, f) {
  const g = st.geom, m = st.move;
  if (!m) return null;
  const label = `<b>${esc(g.labels[f])}</b>`;
  const missing = m.missing.get(f) || "";
  const score = m.arrays["m.score"][f];
  if (score === NO_SCORE) return `${label}<br/>Score —<br/>${esc(missing)}`;  // sentence written by the server
  const top = m.meta.top_pairs[m.arrays["m.top"][f]].filter((i) => i !== NO_CRITERION)
    .map((i) => g.criteria[i]).join(", ");
  const why = missing ? `${top} (⚠️ sans ${missing})` : top;
  return `${label}<br/>Score ${score}/100 · rang ${m.arrays["m.rank"][f]} / ${m.meta.n_ranked}`
    + `<br/>Pèsent le plus : ${esc(why)}`;
}

function fitView(deck, geom, el) {
  const [x0, y0, x1, y1] = geom.frame;
  const width = Math.max(el.clientWidth, 200), height = Math.max(el.clientHeight, 200);
  const vp = new deck.WebMercatorViewport({ width, height });
  const { longitude, latitude, zoom } = vp.fitBounds([[x0, y0], [x1, y1]], { padding: Math.min(24, width / 10) });
  return { longitude, latitude, zoom: Math.min(zoom, 16), pitch: 0, bearing: 0 };
}

function layers(deck, st) {
  const g = st.geom, m = st.move, o = st.options;
  const palette = m ? m.meta.palette : [[200, 200, 200, 200]];
  const colour = m ? m.arrays["m.colour"] : null;
  const out = [
    new deck.PolygonLayer({
      id: `bureaux-${g.key}`, data: g.bureaux, getPolygon: (d) => d, positionFormat: "XY",
      getFillColor: (d) => palette[colour ? colour[d.f] : 0], filled: true,
      stroked: !!o.borders, getLineColor: [255, 255, 255], lineWidthMinPixels: 0.5,
      pickable: true, autoHighlight: true, highlightColor: [0, 90, 200, 120],
      updateTriggers: { getFillColor: st.moveId },
    }),
  ];
  if (st.selected >= 0) {
    out.push(new deck.PolygonLayer({
      id: `selection-${g.key}-${st.selected}`, data: g.bureaux.filter((d) => d.f === st.selected),
      getPolygon: (d) => d, positionFormat: "XY", filled: false, stroked: true,
      getLineColor: [0, 90, 200], lineWidthMinPixels: 3.5, pickable: false,
    }));
  }
  return out;
}

// Outlines, stations and names: a second deck.gl canvas on top of the bureaux, which a slider move
// never redraws (only the colours change). Added once the colours are on screen: each layer type
// is one more shader program to compile before its first frame (~0.2–0.4 s each in software WebGL).
function contextLayers(deck, g) {
  return [
    new deck.PolygonLayer({
      id: `outlines-${g.key}`, data: g.outlines, getPolygon: (d) => d, positionFormat: "XY",
      filled: false, stroked: true, getLineColor: [40, 40, 40], lineWidthMinPixels: 1.6, pickable: false,
    }),
    new deck.ScatterplotLayer({
      id: `stations-${g.key}`, data: g.stations, getRadius: 18, radiusMinPixels: 1.2, radiusMaxPixels: 3.5,
      getFillColor: [20, 60, 140, 200], pickable: false,
    }),
    new deck.TextLayer({
      id: `names-${g.key}`, data: g.names, getPosition: (d) => d.x, getText: (d) => d.n, getSize: 13,
      getColor: [20, 20, 20], fontWeight: 700, outlineWidth: 3, outlineColor: [255, 255, 255],
      fontFamily: '"Source Sans", "Source Sans Pro", sans-serif',  // the app's own font, not Monaco
      fontSettings: { sdf: true }, characterSet: "auto", pickable: false,
    }),
  ];
}

function afterShown(callback) {
  requestAnimationFrame(() => requestAnimationFrame(callback));
}

const CANVAS_STYLE = { position: "absolute", left: "0", top: "0" };

// Page-clock stamps (ms since navigation) once a frame is on screen (two frames later: the browser
// may read a WebGL canvas back during the next frame): data-coloured, then data-complete.
function stamp(st, name, then = () => {}) {
  st.root.dataset[name] = "pending";
  afterShown(() => { st.root.dataset[name] = String(Math.round(performance.now())); then(); });
}

function addContext(deck, st) {
  st.overlay = new deck.Deck({
    parent: st.mapEl, viewState: st.view, controller: false, useDevicePixels: 1,
    style: { ...CANVAS_STYLE, pointerEvents: "none" }, layers: contextLayers(deck, st.geom),
    onAfterRender: () => {
      st.root.dataset.contextFrames = String(Number(st.root.dataset.contextFrames || 0) + 1);
      if (!st.root.dataset.complete) stamp(st, "complete");
    },
  });
}

function createDeck(deck, st) {
  st.view = fitView(deck, st.geom, st.mapEl);
  st.deck = new deck.Deck({
    parent: st.mapEl, initialViewState: st.view, controller: true, useDevicePixels: 1,
    style: CANVAS_STYLE, layers: layers(deck, st),
    onViewStateChange: ({ viewState }) => {
      st.view = viewState;
      if (st.overlay) st.overlay.setProps({ viewState });
    },
    getTooltip: ({ object }) => object && { html: tooltip(st, object.f), style: { fontSize: "14px", maxWidth: "340px" } },
    onClick: ({ object }) => {
      if (!object) return;
      st.selected = object.f;
      st.deck.setProps({ layers: layers(deck, st) });
      st.setTriggerValue("click", st.geom.ids[object.f]);
    },
    onAfterRender: () => {
      if (!st.root.dataset.firstPaint) st.root.dataset.firstPaint = String(Math.round(performance.now()));
      st.root.dataset.painted = String(st.moveId);
      if (!st.overlay && !st.root.dataset.coloured) stamp(st, "coloured", () => st.deck && addContext(deck, st));
    },
  });
  st.framed = st.geom.key;
}

function draw(st) {
  const deck = window.deck;
  if (!st.geom || !deck) return;
  if (!st.deck) return createDeck(deck, st);
  const props = { layers: layers(deck, st) };
  if (st.framed !== st.geom.key) {  // another territory: frame it, and its context layers
    st.view = fitView(deck, st.geom, st.mapEl);
    props.initialViewState = st.view;
    st.framed = st.geom.key;
    if (st.overlay) st.overlay.setProps({ viewState: st.view, layers: contextLayers(deck, st.geom) });
  }
  st.deck.setProps(props);
}

const CSS = `
.terrain-map {position: relative; width: 100%; min-height: 360px; background: #f3f1ec; border-radius: 6px; overflow: hidden;}
.terrain-map-canvas {position: absolute; inset: 0;}
.terrain-map-note {position: absolute; left: 12px; top: 10px; font-size: 14px; color: #444;}`;

function setup(parentElement) {
  if (!document.getElementById("terrain-map-css")) {
    const style = document.createElement("style");
    style.id = "terrain-map-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  const root = document.createElement("div");
  root.className = "terrain-map";
  const mapEl = document.createElement("div");
  mapEl.className = "terrain-map-canvas";
  const note = document.createElement("div");
  note.className = "terrain-map-note";
  note.textContent = "Chargement de la carte…";
  root.append(mapEl, note);
  parentElement.appendChild(root);
  return { root, mapEl, note, deck: null, overlay: null, geom: null, move: null, moveId: 0, selected: -1, options: {} };
}

// Streamlit calls this when the element leaves the page: stop deck.gl's render loop, free WebGL.
export function unmount(parentElement) {
  const st = parentElement.__terrainMap;
  if (!st || parentElement.isConnected) return;
  if (st.deck) st.deck.finalize();
  if (st.overlay) st.overlay.finalize();
  st.deck = null;
  st.overlay = null;
  delete parentElement.__terrainMap;
}

export function render(component) {
  const { parentElement, data, setTriggerValue } = component;
  const st = parentElement.__terrainMap || (parentElement.__terrainMap = setup(parentElement));
  st.setTriggerValue = setTriggerValue;
  const bytes = asBytes(data);
  if (!bytes || bytes === st.lastBytes) return;
  st.lastBytes = bytes;
  const { meta, arrays } = unpack(bytes);
  st.root.style.height = meta.height;
  if (meta.geometry) G.geoms.set(meta.key, geometryFrom(meta, arrays));
  const geom = G.geoms.get(meta.key);
  if (!geom) {
    setTriggerValue("need", meta.key); // this browser lost the geometry: ask for it once more
    return;
  }
  st.geom = geom;
  const missing = new Map();  // sparse: bureau index → text
  arrays["m.missing_at"].forEach((f, i) => missing.set(f, meta.move.missing_texts[arrays["m.missing"][i]]));
  st.move = { meta: meta.move, arrays, missing };
  st.moveId += 1;
  st.options = meta.options || {};
  st.selected = meta.selected;
  st.root.dataset.key = meta.key;
  if (!st.root.dataset.firstData) st.root.dataset.firstData = String(Math.round(performance.now()));
  st.root.dataset.move = String(st.moveId);
  loadDeck(meta.deck_url).then(() => { st.note.style.display = "none"; draw(st); })
    .catch(() => { st.note.textContent = "La carte n'a pas pu être chargée (deck.gl). Rechargez la page."; });
}
