// Terrain's map element (st.components.v2): every in-app map, drawn by one vendored deck.gl.
// Served by the app as a file (the browser caches it); the element's inline JS only imports it.
//
// The Python side (lib/ui/maps.py) sends one binary container per rerun (lib/maps/wire.py): a
// JSON header and typed arrays. A territory's geometry ("g." arrays, with the STYLE of every
// layer: lib/maps/styles.py) comes only when this browser has not got it yet; it is kept in
// window.__terrainMap across reruns and pages. Each rerun brings the view ("m." arrays,
// lib/maps/views.py): fill colour indices, tooltip data, and optionally outlined bureaux, rank
// numbers, address points and walking routes. This file defines no colour or size of its own.

const G = (window.__terrainMap = window.__terrainMap || { geoms: new Map(), deck: null });
const TYPES = { u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array, f8: Float64Array };
const NO_SCORE = 255;
const NO_CRITERION = 255;
const FAILED = "La carte n'a pas pu être dessinée sur cet appareil. Rechargez la page ; le classement et les exports restent disponibles.";

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

// Inverse of lib/maps/wire.py pack(): one aligned copy, then zero-copy views.
export function unpack(bytes) {
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
  delete meta.arrays;
  return { meta, arrays };
}

// One object per polygon part: {positions (flat lon/lat view), holeIndices, f: feature index}.
export function parts(arrays, prefix) {
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
  const gm = meta.geometry;
  const names = gm.names.map((n, i) => ({ n, x: [g["names.xy"][2 * i], g["names.xy"][2 * i + 1]] }));
  return {
    key: meta.key, ids: gm.ids, labels: gm.labels, criteria: gm.criteria || [], frame: gm.frame, style: gm.style,
    bureaux: parts(g, "bureaux"), outlines: parts(g, "outlines"), names, anchor: g["bureaux.anchor"],
    stations: { length: g["stations.xy"].length / 2, attributes: { getPosition: { value: g["stations.xy"], size: 2 } } },
  };
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function lines(text) {
  return esc(text).replace(/\n/g, "<br/>");
}

function priorityTip(st, f) {
  const g = st.geom, v = st.view;
  const label = `<b>${esc(g.labels[f])}</b>`;
  const missing = v.missing.get(f) || "";
  const score = v.arrays["m.score"][f];
  if (score === NO_SCORE) return `${label}<br/>Score —<br/>${esc(missing)}`;  // sentence written by the server
  const top = v.meta.top_pairs[v.arrays["m.top"][f]].filter((i) => i !== NO_CRITERION)
    .map((i) => g.criteria[i]).join(", ");
  const why = missing ? `${top} (⚠️ sans ${missing})` : top;
  return `${label}<br/>Score ${score}/100 · rang ${v.arrays["m.rank"][f]} / ${v.meta.n_ranked}`
    + `<br/>Pèsent le plus : ${esc(why)}`;
}

function bureauTip(st, f) {
  if (st.view.meta.tip === "priority") return priorityTip(st, f);
  const text = st.view.meta.texts[st.view.arrays["m.tip"][f]] || "";
  return `<b>${esc(st.geom.labels[f])}</b>` + (text ? `<br/>${lines(text)}` : "");
}

function tooltip(st, info) {
  if (!st.view || info.index < 0) return null;
  const id = info.layer ? info.layer.id : "";
  let html = null;
  if (id.startsWith("points")) {
    const p = st.view.meta.points;
    html = lines(p.texts[st.view.arrays["m.points.tip"][info.index]]);
  } else if (id.startsWith("bureaux") && info.object) {
    html = bureauTip(st, info.object.f);
  }
  return html && { html, style: st.geom.style.tooltip };
}

function frameOf(st) {
  return (st.view && st.view.meta.frame) || st.geom.frame;
}

function fitView(deck, st) {
  const [x0, y0, x1, y1] = frameOf(st);
  const el = st.mapEl;
  const width = Math.max(el.clientWidth, 200), height = Math.max(el.clientHeight, 200);
  const vp = new deck.WebMercatorViewport({ width, height });
  const { longitude, latitude, zoom } = vp.fitBounds([[x0, y0], [x1, y1]], { padding: Math.min(24, width / 10) });
  return { longitude, latitude, zoom: Math.min(zoom, 17), pitch: 0, bearing: 0 };
}

function outlineLayer(deck, id, data, style) {
  return new deck.PolygonLayer({
    id, data, getPolygon: (d) => d, positionFormat: "XY", filled: false, stroked: true,
    getLineColor: style.colour, lineWidthMinPixels: style.width_px, pickable: false,
  });
}

function streetLayers(deck, st) {
  const g = st.geom, v = st.view, a = v.arrays, s = g.style.streets;
  if (!a["m.streets.xy"] || !s) return [];
  const starts = a["m.streets.start"], xy = a["m.streets.xy"], n = xy.length / 2, kind = a["m.streets.kind"];
  const data = Array.from(starts, (s0, i) => ({ s0, s1: i + 1 < starts.length ? starts[i + 1] : n, k: kind[i] }))
    .sort((p, q) => p.k - q.k);  // paths under streets under main streets
  const path = (id, getColor, extra) => new deck.PathLayer({
    id: `${id}-${g.key}-${st.moveId}`, data, positionFormat: "XY", pickable: false, capRounded: true,
    jointRounded: true, getPath: (d) => xy.subarray(2 * d.s0, 2 * d.s1), getColor, widthUnits: "meters",
    getWidth: (d) => s.width_m[d.k] + extra, widthMinPixels: s.min_px,
  });
  const out = [path("street-casing", s.casing, 1.5), path("streets", (d) => s.colour[d.k], 0)];
  const names = v.meta.streets.names, at = a["m.streets.label_xy"], angle = a["m.streets.label_angle"], l = s.label;
  out.push(new deck.TextLayer({
    id: `street-names-${g.key}-${st.moveId}`, data: names.map((text, i) => ({ text, i })), pickable: false,
    getPosition: (d) => [at[2 * d.i], at[2 * d.i + 1]], getText: (d) => d.text, getAngle: (d) => angle[d.i],
    sizeUnits: "meters", getSize: l.size_m, sizeMaxPixels: l.max_px, getColor: l.colour,
    outlineWidth: l.halo_px, outlineColor: l.halo, fontFamily: g.style.names.font,
    fontSettings: { sdf: true }, characterSet: "auto",
  }));
  return out;
}

function pointLayers(deck, st) {
  const g = st.geom, v = st.view, a = v.arrays, s = g.style, out = [];
  if (a["m.paths.xy"]) {
    const starts = a["m.paths.start"], xy = a["m.paths.xy"], n = xy.length / 2, pal = v.meta.paths.palette;
    const data = Array.from(starts, (s0, i) => ({ s0, s1: i + 1 < starts.length ? starts[i + 1] : n, i }));
    out.push(new deck.PathLayer({
      id: `paths-${g.key}-${st.moveId}`, data, positionFormat: "XY", pickable: false,
      getPath: (d) => xy.subarray(2 * d.s0, 2 * d.s1), getColor: (d) => pal[a["m.paths.colour"][d.i]],
      widthMinPixels: s.routes.width_px, widthUnits: "pixels", getWidth: s.routes.width_px,
    }));
  }
  if (a["m.points.xy"]) {
    const pal = v.meta.points.palette, colour = a["m.points.colour"];
    out.push(new deck.ScatterplotLayer({
      id: `points-${g.key}-${st.moveId}`, pickable: true, radiusUnits: "pixels",
      data: { length: a["m.points.xy"].length / 2, attributes: { getPosition: { value: a["m.points.xy"], size: 2 } } },
      getFillColor: (_, { index }) => pal[colour[index]], getRadius: s.points.radius_px,
      stroked: true, getLineColor: s.points.line, lineWidthMinPixels: s.points.line_px,
    }));
  }
  return out;
}

function numberLayer(deck, st) {
  const g = st.geom, a = st.view.arrays, s = g.style.numbers;
  if (!a["m.numbers.at"] || !st.root.dataset.coloured) return [];
  const data = Array.from(a["m.numbers.at"], (f, i) => ({ f, n: String(a["m.numbers.value"][i]) }));
  return [new deck.TextLayer({
    id: `numbers-${g.key}`, data, getPosition: (d) => [g.anchor[2 * d.f], g.anchor[2 * d.f + 1]],
    getText: (d) => d.n, getSize: s.size_px, getColor: s.colour, fontWeight: s.weight,
    outlineWidth: s.halo_px, outlineColor: s.halo, fontFamily: g.style.names.font,
    fontSettings: { sdf: true }, characterSet: "0123456789", pickable: false,
    updateTriggers: { getPosition: st.moveId, getText: st.moveId },
  })];
}

function layers(deck, st) {
  const g = st.geom, v = st.view, s = g.style, o = st.options;
  const palette = v.meta.palette, colour = v.arrays["m.colour"];
  const out = [new deck.PolygonLayer({
    id: `bureaux-${g.key}`, data: g.bureaux, getPolygon: (d) => d, positionFormat: "XY",
    getFillColor: (d) => palette[colour[d.f]], filled: true,
    stroked: !!o.borders, getLineColor: s.bureau_border.colour, lineWidthMinPixels: s.bureau_border.width_px,
    pickable: true, autoHighlight: true, highlightColor: s.hover,
    updateTriggers: { getFillColor: st.moveId },
  }), ...streetLayers(deck, st)];  // streets over the bureaux' fill, under their outlines
  if (v.arrays["m.focus"]) {
    const focus = new Set(v.arrays["m.focus"]);
    out.push(outlineLayer(deck, `focus-${g.key}-${st.moveId}`, g.bureaux.filter((d) => focus.has(d.f)), s.focus));
  }
  if (st.selected >= 0) {
    out.push(outlineLayer(deck, `selection-${g.key}-${st.selected}`, g.bureaux.filter((d) => d.f === st.selected),
      s.selection));
  }
  return [...out, ...pointLayers(deck, st), ...numberLayer(deck, st)];
}

// Outlines, stations and names: a second deck.gl canvas on top of the bureaux, which a rerun
// never redraws (only the colours change). Added once the colours are on screen: each layer
// type is one more shader program to compile before its first frame (~0.2–0.4 s in software GL).
function contextLayers(deck, g) {
  const s = g.style, n = s.names, st = s.stations;
  return [
    outlineLayer(deck, `outlines-${g.key}`, g.outlines, s.outlines),
    new deck.ScatterplotLayer({
      id: `stations-${g.key}`, data: g.stations, getRadius: st.radius_m, radiusMinPixels: st.min_px,
      radiusMaxPixels: st.max_px, getFillColor: st.colour, pickable: false,
    }),
    new deck.TextLayer({
      id: `names-${g.key}`, data: g.names, getPosition: (d) => d.x, getText: (d) => d.n, getSize: n.size_px,
      getColor: n.colour, fontWeight: n.weight, outlineWidth: n.halo_px, outlineColor: n.halo,
      fontFamily: n.font, fontSettings: { sdf: true }, characterSet: "auto", pickable: false,
    }),
  ];
}

function afterShown(callback) {
  requestAnimationFrame(() => requestAnimationFrame(callback));
}

const CANVAS_STYLE = { position: "absolute", left: "0", top: "0" };

function fail(st, error) {
  st.note.textContent = FAILED;
  st.note.style.display = "block";
  st.root.dataset.error = String((error && error.message) || error || "deck.gl");
}

// Page-clock stamps (ms since navigation) once a frame is on screen (two frames later: the browser
// may read a WebGL canvas back during the next frame): data-coloured, then data-complete.
function stamp(st, name, then = () => {}) {
  st.root.dataset[name] = "pending";
  afterShown(() => { st.root.dataset[name] = String(Math.round(performance.now())); then(); });
}

function addContext(deck, st) {
  st.overlay = new deck.Deck({
    parent: st.mapEl, viewState: st.viewState, controller: false, useDevicePixels: 1,
    style: { ...CANVAS_STYLE, pointerEvents: "none" }, layers: contextLayers(deck, st.geom),
    onError: (e) => fail(st, e),
    onAfterRender: () => {
      st.root.dataset.contextFrames = String(Number(st.root.dataset.contextFrames || 0) + 1);
      if (!st.root.dataset.complete) stamp(st, "complete");
    },
  });
  if (st.view.arrays["m.numbers.at"]) st.deck.setProps({ layers: layers(deck, st) });
}

function createDeck(deck, st) {
  st.viewState = fitView(deck, st);
  st.deck = new deck.Deck({
    parent: st.mapEl, initialViewState: st.viewState, controller: true, useDevicePixels: 1,
    style: CANVAS_STYLE, layers: layers(deck, st),
    onError: (e) => fail(st, e),
    onViewStateChange: ({ viewState }) => {
      st.viewState = viewState;
      if (st.overlay) st.overlay.setProps({ viewState });
    },
    getTooltip: (info) => tooltip(st, info),
    onClick: ({ object, layer }) => {
      if (!object || !st.options.clickable || !layer || !layer.id.startsWith("bureaux")) return;
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
  st.framed = frameKey(st);
}

function frameKey(st) {
  return st.geom.key + JSON.stringify(frameOf(st));
}

function draw(st) {
  const deck = window.deck;
  if (!st.geom || !deck) return;
  if (!st.deck) return createDeck(deck, st);
  const props = { layers: layers(deck, st) };
  if (st.framed !== frameKey(st)) {  // another territory or another frame: fit it
    const newTerritory = !st.framed.startsWith(st.geom.key);
    st.viewState = fitView(deck, st);
    props.initialViewState = st.viewState;
    st.framed = frameKey(st);
    if (st.overlay) st.overlay.setProps({ viewState: st.viewState, ...(newTerritory ? { layers: contextLayers(deck, st.geom) } : {}) });
  }
  st.deck.setProps(props);
}

function setup(parentElement, style) {
  const root = document.createElement("div");
  root.className = "terrain-map";
  Object.assign(root.style, { position: "relative", width: "100%", minHeight: "300px", borderRadius: "6px",
    overflow: "hidden", background: style });
  const mapEl = document.createElement("div");
  Object.assign(mapEl.style, { position: "absolute", inset: "0" });
  mapEl.className = "terrain-map-canvas";
  const note = document.createElement("div");
  note.className = "terrain-map-note";
  note.setAttribute("role", "status");
  Object.assign(note.style, { position: "absolute", left: "12px", top: "10px", right: "12px", fontSize: "14px", color: "#333" });
  note.textContent = "Chargement de la carte…";
  root.append(mapEl, note);
  parentElement.appendChild(root);
  return { root, mapEl, note, deck: null, overlay: null, geom: null, view: null, moveId: 0, selected: -1, options: {} };
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

function receive(st, meta, arrays) {
  const view = { meta: meta.view, arrays, missing: new Map() };
  if (arrays["m.missing_at"]) {  // sparse: bureau index → text
    arrays["m.missing_at"].forEach((f, i) => view.missing.set(f, meta.view.missing_texts[arrays["m.missing"][i]]));
  }
  st.view = view;
  st.moveId += 1;
  st.options = meta.options || {};
  st.selected = meta.selected;
  st.root.dataset.key = meta.key;
  st.root.dataset.kind = meta.kind || "";
  if (!st.root.dataset.firstData) st.root.dataset.firstData = String(Math.round(performance.now()));
  st.root.dataset.move = String(st.moveId);
}

export function render(component) {
  const { parentElement, data, setTriggerValue } = component;
  const bytes = asBytes(data);
  let st = parentElement.__terrainMap;
  if (!bytes || (st && bytes === st.lastBytes)) return;
  const { meta, arrays } = unpack(bytes);
  if (meta.geometry) G.geoms.set(meta.key, geometryFrom(meta, arrays));
  const geom = G.geoms.get(meta.key);
  if (!st) st = parentElement.__terrainMap = setup(parentElement, geom ? `rgb(${geom.style.background.join(",")})` : "#f3f1ec");
  st.setTriggerValue = setTriggerValue;
  st.lastBytes = bytes;
  st.root.style.height = meta.height;
  st.root.setAttribute("aria-label", meta.label || "Carte");
  if (!geom) {
    setTriggerValue("need", meta.key); // this browser lost the geometry: ask for it once more
    return;
  }
  st.geom = geom;
  receive(st, meta, arrays);
  loadDeck(meta.deck_url).then(() => {
    try {
      draw(st);
      if (!st.root.dataset.error) st.note.style.display = "none";
    } catch (e) {
      fail(st, e);
    }
  }).catch((e) => fail(st, e));
}
