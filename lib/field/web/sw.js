// Service worker of the volunteers' page: keeps the page's files so that it opens without network.
// The turf's sheet and the outbox live in IndexedDB (app.js); API calls are never cached here.
"use strict";
const CACHE = "terrain-page-__TERRAIN_VERSION__";
const FILES = ["./", "app.js", "style.css", "manifest.webmanifest", "icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("terrain-page-") && k !== CACHE)
                                    .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// The page: network first (a new version is seen at once), the kept copy without network.
// Its files: the kept copy (this worker's version names them), else the network.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).pathname.includes("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) caches.open(CACHE).then((c) => c.put("./", response.clone()));
      return response;
    }).catch(() => caches.match("./")));
    return;
  }
  event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
});
