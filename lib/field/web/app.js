// The volunteers' return page (Terrain). Offline first: every tap goes to an outbox kept in
// IndexedDB, sent in batches when the network is there (retry with backoff); the turf's sheet is
// kept too, so a reload without network still shows the turf. The link's token is read from the
// URL fragment (never sent by a browser) and sent in the X-Terrain-Jeton header only.
"use strict";

const API = "../api/terrain/";
const REFRESH_MS = 30000;  // other phones' statuses, while the page is visible and online
const MAX_BACKOFF_MS = 60000;
const CLOCK_WARN_MS = 120000;
const UNDO_MS = 8000;
const $ = (id) => document.getElementById(id);
const state = {token: "", sheet: null, pending: new Map(), outbox: [], lastSync: null, offset: 0,
               failures: 0, timer: 0, flushing: false, again: false, mine: new Map(), previous: new Map(),
               dead: "", buttons: new Map(), map: null, dots: null, mapScale: 1};

// --- IndexedDB: outbox (taps and totals not yet acknowledged), sheets (per token), meta --------
let dbPromise = null;
function db() {
  dbPromise = dbPromise || new Promise((resolve, reject) => {
    const open = indexedDB.open("terrain-retours", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", {keyPath: "id"});
      open.result.createObjectStore("sheets", {keyPath: "token"});
      open.result.createObjectStore("meta", {keyPath: "key"});
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}
async function tx(store, mode, work) {
  const conn = await db();
  return new Promise((resolve, reject) => {
    const t = conn.transaction(store, mode);
    const result = work(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
const dbAll = (store) => tx(store, "readonly", (s) => s.getAll());
const dbGet = (store, key) => tx(store, "readonly", (s) => s.get(key));
const dbPut = (store, value) => tx(store, "readwrite", (s) => { s.put(value); });
const dbDelete = (store, keys) => tx(store, "readwrite", (s) => { keys.forEach((k) => s.delete(k)); });

// --- small helpers -----------------------------------------------------------------------------
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
const serverNow = () => new Date(Date.now() + state.offset);
const hhmm = (d) => d.toLocaleTimeString("fr-FR", {hour: "2-digit", minute: "2-digit"});
const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;
const label = (status) => state.sheet.vocabulary.statuses[status] || status;
function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}
function alertText(message) {
  $("alerte").textContent = message || "";
  $("alerte").hidden = !message;
}

async function call(method, path, body, token) {
  const response = await fetch(API + path, {
    method, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
    headers: {"X-Terrain-Jeton": token || state.token, "Content-Type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body)});
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  return {status: response.status, data};
}

// --- the sheet ---------------------------------------------------------------------------------
async function loadSheet() {
  const t0 = Date.now();
  const {status, data} = await call("GET", "feuille");
  if (status !== 200) return refused(status, data);
  state.offset = Date.parse(data.server_time) - (t0 + Date.now()) / 2;
  await dbPut("meta", {key: "clock", offset: state.offset});
  await keepSheet(data);
  draw();
}
async function keepSheet(sheet) {
  state.sheet = sheet;
  state.dead = "";
  await dbPut("sheets", {token: state.token, sheet});
}
async function refused(status, data) {
  const message = (data && data.error) || "Le serveur n'a pas pu répondre : réessayez dans un instant.";
  if (status === 403 || status === 410) {  // a revoked or expired link, a closed campaign: show nothing
    state.dead = message;
    state.sheet = null;
    await dbDelete("sheets", [state.token]);
    await dbDelete("meta", [mapKey()]);
    state.map = null;
    $("parcours").hidden = true;
    alertText(message);
    statusLine();
    return;
  }
  alertText(message);
}

function draw() {
  const sheet = state.sheet;
  if (!sheet) return;
  $("parcours").hidden = false;
  $("titre").textContent = `Parcours ${sheet.turf}`;
  $("bureau").textContent = sheet.bureau ? `Bureau ${sheet.bureau}` : "";
  $("lien").textContent = `Votre lien : ${sheet.link}. Si ce téléphone est perdu, ce repère permet à la personne ` +
    "qui organise de retirer ce lien seul.";
  drawTaken();
  if ($("adresses").childElementCount !== sheet.stops.length) {  // an address gone to the opposition list
    $("adresses").replaceChildren();
    state.buttons.clear();
    drawStops();
  }
  if (!$("champs").childElementCount) drawTotals();
  if (state.map && !state.dots) drawMap();
  sheet.stops.forEach((s) => paintStop(s.stop));
  progress();
  statusLine();
}

function drawStops() {
  const list = $("adresses");
  for (const s of state.sheet.stops) {
    const item = el("li", {class: "adresse", id: `porte-${s.stop}`});
    item.append(el("h3", {}, `${s.stop}. ${s.label}`),
                el("p", {class: "portes"}, `${plural(s.doors, "porte estimée", "portes estimées")}`));
    const choices = el("div", {class: "choix", role: "group", "aria-label": `Adresse ${s.stop} : ${s.label}`});
    const buttons = {};
    for (const [key, text] of Object.entries(state.sheet.vocabulary.statuses)) {
      const b = el("button", {type: "button", "data-statut": key, "aria-pressed": "false"}, text);
      b.addEventListener("click", () => tap(s.stop, key));
      choices.append(b);
      buttons[key] = b;
    }
    const line = el("p", {class: "suivi", id: `suivi-${s.stop}`});
    item.append(choices, line);
    list.append(item);
    state.buttons.set(s.stop, {buttons, line});
  }
}

function shown(stop) {
  const mine = state.pending.get(stop);
  const s = state.sheet.stops.find((x) => x.stop === stop);
  return mine ? {status: mine.status, at: mine.at, pending: true} : {status: s && s.status, at: s && s.at, pending: false};
}

function paintStop(stop) {
  const row = state.buttons.get(stop);
  if (!row) return;
  const now = shown(stop);
  Object.entries(row.buttons).forEach(([key, b]) => b.setAttribute("aria-pressed", String(key === now.status)));
  const before = state.previous.get(stop);
  const replaced = before && before !== now.status ? ` (remplace « ${label(before)} »)` : "";
  const ours = state.mine.get(stop);
  let text = "";
  let cls = "suivi";
  if (now.pending) {
    text = `${label(now.status)}${replaced} : en attente d'envoi`;
    cls += " attente";
  } else if (now.status && ours && ours.status === now.status) {
    text = `${label(now.status)}${replaced} : enregistré à ${hhmm(new Date(now.at))}`;
    cls += " enregistre";
  } else if (now.status) {
    text = `${label(now.status)} : noté à ${hhmm(new Date(now.at))} (par un autre téléphone)`;
  }
  row.line.textContent = text;
  row.line.className = cls;
}

function progress() {
  const done = state.sheet.stops.filter((s) => shown(s.stop).status).length;
  $("avancement").textContent = `${done} adresse(s) sur ${state.sheet.stops.length} notées`;
  nextDoor();
}

function drawTaken() {
  const who = state.sheet.taken_by;
  $("pris-par").textContent = who ? `Pris par : ${who}` : "Personne n'a encore pris ce parcours.";
  if (who === state.takenShown) return;  // a sync does not fold the box while someone types in it
  state.takenShown = who;
  if ($("forcer").hidden) $("prise").open = !who;  // folded once a team has it, unless the choice is pending
}

function drawTotals() {
  const box = $("champs");
  for (const [key, text] of Object.entries(state.sheet.vocabulary.totals)) {
    box.append(el("label", {for: `total-${key}`}, text),
               el("input", {id: `total-${key}`, name: key, type: "number", inputmode: "numeric", min: "0",
                            max: String(state.sheet.vocabulary.max_total), step: "1", value: "0"}));
  }
}

// --- the turf's map: streets around it (OpenStreetMap), the route, the doors, the next door ------
// Drawn here in SVG from the server's compact payload (whole metres from the frame's top-left
// corner, lines delta-encoded), kept in IndexedDB: no tile, no third party, offline after one load.
const MAP_VERSION = 1;
const SVG = "http://www.w3.org/2000/svg";
const mapKey = () => `carte:${state.token}`;
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, String(v)));
  if (text !== undefined) node.textContent = text;
  return node;
}
function undelta(flat) {
  const out = [];
  let x = 0, y = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) { x += flat[i]; y += flat[i + 1]; out.push(`${x},${y}`); }
  return out.join(" ");
}

async function loadMap() {
  if (state.map && state.sheet) {  // an address put on the opposition list since: the kept map goes
    const stops = new Set(state.sheet.stops.map((s) => s.stop));
    if (state.map.doors.some(([stop]) => !stops.has(stop))) {
      state.map = null;
      await dbDelete("meta", [mapKey()]);
    }
  }
  if (state.dead || (state.map && state.map.version === MAP_VERSION)) return;
  const {status, data} = await call("GET", "carte");
  if (status !== 200 || !data.size) return;  // the list works without its map
  state.map = data;
  await dbPut("meta", {key: mapKey(), map: data});
  drawMap();
}

function drawMap() {
  const map = state.map;
  if (!map || !state.sheet) return;
  const box = $("carte");
  box.hidden = false;
  const [w, h] = map.size;
  state.mapWidth = box.clientWidth;
  const k = w / Math.max(box.clientWidth || 358, 200);  // metres per screen pixel
  const root = svg("svg", {viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `Plan du parcours ${state.sheet.turf}`});
  root.append(svg("rect", {class: "fond", x: 0, y: 0, width: w, height: h}));
  for (const kind of ["foot", "street", "major"]) {
    const group = svg("g", {class: `rues ${kind}`});
    for (const line of map.streets[kind] || []) group.append(svg("polyline", {points: undelta(line)}));
    root.append(group);
  }
  root.append(svg("polyline", {class: "trajet", points: undelta(map.route)}));
  const doors = svg("g", {class: "portes-carte"});
  state.dots = new Map();
  const listed = new Set(state.sheet.stops.map((s) => s.stop));
  for (const [stop, x, y] of map.doors.filter(([stop]) => listed.has(stop))) {
    const dot = svg("circle", {cx: x, cy: y, r: 4.5 * k, "stroke-width": 1.5 * k});
    state.dots.set(stop, dot);
    doors.append(dot);
  }
  // Names over the route and the dots (placed clear of the dots where their street allows), under the next door
  root.append(doors, streetNames(map, k, w, h), svg("g", {id: "prochaine", class: "prochaine"}), mapFrame(map, k, w, h));
  $("carte-plan").replaceChildren(root);
  state.mapScale = k;
  nextDoor();
}

function mapFrame(map, k, w, h) {
  const group = svg("g", {class: "cadre"});
  const metres = [20, 50, 100, 200, 500, 1000].filter((m) => m <= w / 4).pop() || 20;
  const y = h - 8 * k;
  group.append(svg("line", {x1: 8 * k, y1: y, x2: 8 * k + metres, y2: y, "stroke-width": 3 * k}),
               svg("text", {x: 8 * k, y: y - 5 * k, "font-size": 11 * k, "stroke-width": 3 * k}, `${metres} m`));
  if (map.credit) {
    group.append(svg("text", {class: "credit", x: w - 4 * k, y: h - 4 * k, "font-size": 10 * k, "stroke-width": 3 * k,
                              "text-anchor": "end"}, map.credit));
  }
  if (map.note) {
    group.append(svg("text", {class: "note", x: w / 2, y: 18 * k, "font-size": 13 * k, "stroke-width": 4 * k,
                              "text-anchor": "middle"}, map.note));
  }
  return group;
}

// Street names along their street, the longest first, none over another, none off the map
function streetNames(map, k, w, h) {
  const group = svg("g", {class: "noms"});
  const size = (map.name_px || 11) * k;
  const placed = [];
  for (const [name, x, y, angle, length] of map.names || []) {
    const width = name.length * 0.55 * size;
    if (width > length * 0.95) continue;
    const rad = angle * Math.PI / 180, dx = Math.cos(rad) * width / 2, dy = Math.sin(rad) * width / 2;
    const seg = [x - dx, y - dy, x + dx, y + dy];
    const inside = [seg[0], seg[2]].every((v) => v > size && v < w - size) &&
                   [seg[1], seg[3]].every((v) => v > size && v < h - 22 * k);
    if (!inside || placed.some((other) => segmentGap(seg, other) < size * 1.1)) continue;
    placed.push(seg);
    group.append(svg("text", {x, y, "font-size": size, "stroke-width": 3 * k, "text-anchor": "middle",
                              "dominant-baseline": "central", transform: `rotate(${angle} ${x} ${y})`}, name));
  }
  return group;
}

function segmentGap(a, b) {  // the shortest distance between two segments [x1, y1, x2, y2]
  const cross = (p, q, r) => (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
  const [p1, p2, q1, q2] = [[a[0], a[1]], [a[2], a[3]], [b[0], b[1]], [b[2], b[3]]];
  if (cross(p1, p2, q1) * cross(p1, p2, q2) < 0 && cross(q1, q2, p1) * cross(q1, q2, p2) < 0) return 0;
  const toSeg = (p, s, e) => {
    const vx = e[0] - s[0], vy = e[1] - s[1], len = vx * vx + vy * vy;
    const t = len ? Math.max(0, Math.min(1, ((p[0] - s[0]) * vx + (p[1] - s[1]) * vy) / len)) : 0;
    return Math.hypot(p[0] - s[0] - t * vx, p[1] - s[1] - t * vy);
  };
  return Math.min(toSeg(p1, q1, q2), toSeg(p2, q1, q2), toSeg(q1, p1, p2), toSeg(q2, p1, p2));
}

// The next door: the first address in walking order not yet noted (« À revoir » counts as not yet)
function nextDoor() {
  if (!state.map || !state.dots) return;
  const open = (s) => { const now = shown(s.stop).status; return !now || now === "a_revoir"; };
  const next = state.sheet.stops.find(open);
  state.dots.forEach((dot, stop) => dot.setAttribute("class", open({stop}) ? "a-faire" : "faite"));
  const mark = $("prochaine");
  mark.replaceChildren();
  const where = next && state.map.doors.find((d) => d[0] === next.stop);
  $("carte-suivante").textContent = next ? `Prochaine porte : ${next.stop}. ${next.label}` :
    "Toutes les adresses sont notées.";
  if (!where) { mark.removeAttribute("data-stop"); return; }
  const k = state.mapScale, [, x, y] = where;
  mark.setAttribute("data-stop", String(next.stop));
  mark.append(svg("circle", {cx: x, cy: y, r: 12 * k, "stroke-width": 3 * k}),
              svg("text", {x, y, "font-size": 12 * k, "text-anchor": "middle", "dominant-baseline": "central"},
                  String(next.stop)));
}

// --- taps and the outbox -----------------------------------------------------------------------
async function tap(stop, status) {
  if (!state.sheet || state.dead) return;
  const {status: before, at: beforeAt} = shown(stop);
  if (before === status) return;  // already this status: nothing new to record
  // Later than the status it replaces, even if the clock estimate moved since: the latest by time wins
  const at = new Date(Math.max(serverNow().getTime(), beforeAt ? Date.parse(beforeAt) + 1 : 0)).toISOString();
  const item = {id: newId(), kind: "tap", token: state.token, stop, status, at};
  state.previous.set(stop, before || null);
  state.pending.set(stop, item);
  paintStop(stop);
  progress();
  offerUndo(stop, status, before);
  statusLine();
  await dbPut("outbox", item);
  state.outbox.push(item);
  statusLine();
  flush();
}

let undoTimer = 0;
function offerUndo(stop, status, before) {
  const s = state.sheet.stops.find((x) => x.stop === stop);
  $("annuler-texte").textContent = `${stop}. ${s.label} : ${label(status)}` + (before ? ` (avant : ${label(before)})` : "");
  $("annuler").hidden = false;
  $("annuler-bouton").onclick = () => {
    $("annuler").hidden = true;
    tap(stop, before || "a_revoir");  // an undo is a new status, replacing the tap visibly
  };
  clearTimeout(undoTimer);
  undoTimer = setTimeout(() => { $("annuler").hidden = true; }, UNDO_MS);
}

async function flush() {
  if (state.flushing) { state.again = true; return; }
  state.flushing = true;
  clearTimeout(state.timer);
  try {
    do {
      state.again = false;
      const items = await dbAll("outbox");
      state.outbox = items;
      if (!items.length || !navigator.onLine) break;
      await sendAll(items);
      state.outbox = await dbAll("outbox");  // what is left: the status line counts it
    } while (state.again);
    state.failures = 0;
  } catch (err) {  // no network, server down or busy: try again later, nothing is lost
    if (state.dead) return;  // a revoked link: nothing will ever be accepted
    state.failures += 1;
    const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** state.failures) * (0.5 + Math.random() / 2);
    state.timer = setTimeout(flush, wait);
  } finally {
    state.flushing = false;
    statusLine();
  }
}

async function sendAll(items) {
  const byToken = new Map();
  items.forEach((i) => byToken.set(i.token, [...(byToken.get(i.token) || []), i]));
  for (const [token, list] of byToken) {
    const taps = list.filter((i) => i.kind === "tap");
    const size = (state.sheet && state.sheet.vocabulary.max_batch) || 200;
    for (let at = 0; at < taps.length; at += size) await sendTaps(token, taps.slice(at, at + size));
    for (const report of list.filter((i) => i.kind === "bilan")) await sendReport(token, report);
  }
}

async function sendTaps(token, taps) {
  const body = {taps: taps.map(({id, stop, status, at}) => ({id, stop, status, at}))};
  const {status, data} = await call("POST", "portes", body, token);
  if (status === 429 || status >= 500) throw new Error(data.error || String(status));
  if (token !== state.token) {  // another turf's taps left from an earlier link: sent, not shown
    if (status < 500) await dbDelete("outbox", taps.map((t) => t.id));
    return;
  }
  if (status === 403 || status === 410) { await refused(status, data); throw new Error("lien"); }
  const rejected = new Set((data.rejected || []).map((r) => r.id));
  if (status === 400) taps.forEach((t) => rejected.add(t.id));
  if (rejected.size) alertText(data.error || data.rejected[0].error);
  await dbDelete("outbox", taps.map((t) => t.id));
  for (const t of taps) {
    const shownTap = state.pending.get(t.stop);
    if (shownTap && shownTap.id === t.id) state.pending.delete(t.stop);
    if (!rejected.has(t.id)) state.mine.set(t.stop, t);
  }
  if (data.statuses) mergeStatuses(data.statuses);
  state.lastSync = new Date();
  await dbPut("meta", {key: "sync", at: state.lastSync.toISOString()});
}

function mergeStatuses(statuses) {
  for (const s of state.sheet.stops) {
    const got = statuses[String(s.stop)];
    s.status = got ? got.status : null;
    s.at = got ? got.at : null;
  }
  keepSheet(state.sheet);
  draw();
}

async function sendReport(token, report) {
  const {status, data} = await call("POST", "bilan", report.body, token);
  if (status === 429 || status >= 500) throw new Error(data.error || String(status));
  await dbDelete("outbox", [report.id]);
  if (token === state.token) {
    $("totaux-etat").textContent = status === 200 ? "Totaux envoyés. Merci pour cette sortie !" : data.error;
  }
}

function statusLine() {
  const line = $("etat");
  if (state.dead) { line.textContent = "Lien non valable"; return; }
  // A tap counts from the touch, before the outbox has stored it, until the server acknowledges it
  const waiting = new Set(state.outbox.filter((i) => i.kind === "tap").map((i) => i.id));
  state.pending.forEach((i) => waiting.add(i.id));
  const doors = waiting.size;
  const reports = state.outbox.filter((i) => i.kind === "bilan").length;
  const last = state.lastSync ? ` · dernier envoi à ${hhmm(state.lastSync)}` : "";
  const offline = navigator.onLine ? "" : "Hors ligne · ";
  let text = "tout est envoyé";
  if (doors || reports) {
    text = [doors ? `${plural(doors, "porte", "portes")} en attente d'envoi` : "",
            reports ? "totaux en attente d'envoi" : ""].filter(Boolean).join(", ");
  }
  line.textContent = `${offline}${text}${last}`;
  line.className = doors || reports ? "attente" : "";
}

// --- « pris par », totals ----------------------------------------------------------------------
async function take(force) {
  const team = $("equipe").value.trim();
  if (!team) { alertText("Indiquez le nom de votre équipe."); return; }
  let answer;
  try { answer = await call("POST", "pris", {team, force}); } catch (err) {
    alertText("Pas de réseau : réessayez une fois connecté (les portes, elles, sont gardées hors ligne).");
    return;
  }
  $("forcer").hidden = answer.status !== 409;
  if (answer.status !== 200) { alertText(answer.data.error); return; }
  alertText("");
  state.sheet.taken_by = answer.data.taken_by;
  await keepSheet(state.sheet);
  drawTaken();
}

async function sendTotals(event) {
  event.preventDefault();
  const body = {id: newId()};
  const max = state.sheet.vocabulary.max_total;
  for (const key of Object.keys(state.sheet.vocabulary.totals)) {
    const value = Number($(`total-${key}`).value || 0);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      $("totaux-etat").textContent = `Chaque total est un nombre entier entre 0 et ${max.toLocaleString("fr-FR")}.`;
      return;
    }
    body[key] = value;
  }
  const item = {id: body.id, kind: "bilan", token: state.token, body};
  await dbPut("outbox", item);
  state.outbox.push(item);
  $("totaux").reset();
  $("totaux-etat").textContent = "Totaux gardés : ils partent dès que le réseau le permet.";
  statusLine();
  flush();
}

// --- start -------------------------------------------------------------------------------------
async function restore() {
  const [kept, clock, sync, items, map] = await Promise.all([dbGet("sheets", state.token), dbGet("meta", "clock"),
                                                            dbGet("meta", "sync"), dbAll("outbox"),
                                                            dbGet("meta", mapKey())]);
  state.map = map ? map.map : null;
  state.offset = clock ? clock.offset : 0;
  state.lastSync = sync ? new Date(sync.at) : null;
  state.outbox = items;
  items.filter((i) => i.kind === "tap" && i.token === state.token)
       .sort((a, b) => a.at.localeCompare(b.at)).forEach((i) => state.pending.set(i.stop, i));
  if (kept) { state.sheet = kept.sheet; draw(); }
}

async function refresh() {
  if (!navigator.onLine || document.hidden || state.dead) return;
  await flush();  // the outbox first: it retries by itself (backoff) when the network is not back yet
  try { await loadSheet(); await loadMap(); } catch (err) { statusLine(); }
}

async function start() {
  const fromUrl = decodeURIComponent(location.hash.slice(1));
  const last = await dbGet("meta", "token");
  state.token = fromUrl || (last ? last.value : "");  // the home-screen app opens without the fragment
  if (!state.token) {
    alertText("Ce lien est incomplet : ouvrez le lien reçu de la personne qui organise votre sortie.");
    $("etat").textContent = "";
    return;
  }
  await dbPut("meta", {key: "token", value: state.token});
  await restore();
  try { await loadSheet(); await loadMap(); } catch (err) {
    if (!state.sheet) alertText("Pas de réseau et ce parcours n'a pas encore été ouvert sur ce téléphone : " +
                                "réessayez une fois connecté.");
  }
  if (Math.abs(state.offset) > CLOCK_WARN_MS) {
    alertText(`L'horloge de ce téléphone diffère de ${Math.round(Math.abs(state.offset) / 60000)} min de celle ` +
              "du serveur : l'heure de vos saisies est corrigée.");
  }
  statusLine();
  flush();
}

window.addEventListener("online", () => { refresh(); });
window.addEventListener("offline", statusLine);
window.addEventListener("resize", () => { if (state.dots && $("carte").clientWidth !== state.mapWidth) drawMap(); });
window.addEventListener("hashchange", () => location.reload());
document.addEventListener("visibilitychange", refresh);
document.addEventListener("DOMContentLoaded", () => {
  $("prendre").addEventListener("submit", (e) => { e.preventDefault(); take(false); });
  $("forcer").addEventListener("click", () => take(true));
  $("totaux").addEventListener("submit", sendTotals);
  setInterval(refresh, REFRESH_MS);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
  start();
});
