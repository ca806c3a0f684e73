// The clinic scanner's service worker, served at /clinic/sw.js so its scope is /clinic/ only (the
// citizen PWA has its own worker at /sw.js). It keeps the page, its code and the last key set
// available offline; it never stores an API answer (clinic tokens, verdicts, lookups).

const CACHE_PREFIX = "ansinh-clinic-";
const CACHE_VERSION = "2026-12-08.1"; // bump whenever a precached file changes
const CACHE_NAME = `${CACHE_PREFIX}${CACHE_VERSION}`;

const PAGE_URL = "/clinic/";
const JWKS_URL = "/.well-known/jwks.json";
const PRECACHE = [
  PAGE_URL,
  "/static/clinic/scanner.js",
  "/static/clinic/verify.js",
  "/static/clinic/staff-admin.js",
  "/static/clinic/scanner.css",
  "/static/css/base.css",
  "/static/icons/favicon.svg",
  "/static/vendor/jsqr-1.4.0/jsQR.js",
];
const PRECACHED_PATHS = new Set(PRECACHE);
// On a weak connection a clinic should not wait long for the network when a copy is at hand.
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      // "reload" bypasses the HTTP cache, so a new version never precaches an old file; addAll is
      // awaited inside waitUntil, so a failed download fails the install instead of half-caching.
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      // A first copy of the key set too, but optional: the page keeps its own in localStorage, and a
      // JWKS hiccup must not cost the clinic its offline page.
      await cache.add(new Request(JWKS_URL, { cache: "reload" })).catch(() => undefined);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Only this worker's older caches: never the fresh one, never another app's.
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

/** Network first, stored under ``cacheKey`` when good; the stored copy when the network fails or stalls. */
async function networkFirst(event, cacheKey) {
  const cache = await caches.open(CACHE_NAME);
  const network = fetch(event.request).then(async (response) => {
    if (response.ok && response.type === "basic") await cache.put(cacheKey, response.clone());
    return response;
  });
  // Whatever answers first, let the download finish and refresh the copy.
  event.waitUntil(network.then(() => undefined, () => undefined));
  const cached = await cache.match(cacheKey);
  if (!cached) return network;
  let timer;
  const stalled = new Promise((resolve) => {
    timer = setTimeout(() => resolve(cached), NETWORK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([network, stalled]);
  } catch {
    return cached;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Never from a cache: clinic tokens, verdicts and lookups are per request and personal.
  if (url.pathname.startsWith("/api/")) return;

  if (request.mode === "navigate") {
    // The scanner is the scope's only page; its copy is kept whatever the query string says.
    if (url.pathname === PAGE_URL) event.respondWith(networkFirst(event, PAGE_URL));
  } else if (url.pathname === JWKS_URL) {
    event.respondWith(networkFirst(event, JWKS_URL));
  } else if (PRECACHED_PATHS.has(url.pathname)) {
    event.respondWith(networkFirst(event, url.pathname));
  }
});
