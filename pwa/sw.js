// AnSinh service worker. The server fills in PRECACHE (every app file) and CACHE_VERSION (a hash of their
// contents), so any change to the app installs a new worker and a fresh cache — no list to forget to bump.
const CACHE_VERSION = "__CACHE_VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE_PREFIX = "ansinh-app-";
const CACHE_NAME = `${CACHE_PREFIX}${CACHE_VERSION}`;
const SHELL = "/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE_NAME)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE_NAME).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

async function networkFirstShell(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(CACHE_NAME);
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch {
    const cached = await caches.match(SHELL, { cacheName: CACHE_NAME });
    return cached ?? new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE_NAME });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && request.method === "GET") {
    const cache = await caches.open(CACHE_NAME);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Personal data, tokens and clinic answers are never cached by the worker.
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/clinic")) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstShell(request));
    return;
  }
  if (url.pathname.startsWith("/pwa/") || url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});

// ---- Web Push ---------------------------------------------------------------------------------------
// The server sends {id, kind, title, body, link}; the texts are already in the subscriber's language.
const NOTIFICATION_ICON = "/static/icons/icon-192.png";

/** The notification a push payload shows: one per inbox entry (same tag = replaced, never stacked twice). */
function notificationFromPush(payload) {
  const data = payload && typeof payload === "object" ? payload : {};
  return {
    title: typeof data.title === "string" && data.title ? data.title : "AnSinh",
    options: {
      body: typeof data.body === "string" ? data.body : "",
      icon: NOTIFICATION_ICON,
      badge: NOTIFICATION_ICON,
      tag: data.id !== undefined && data.id !== null ? `ansinh-${data.id}` : "ansinh",
      data: { link: safeLink(data.link), id: data.id ?? null },
    },
  };
}

/** Only the app's own hash routes are opened from a notification; anything else opens the inbox. */
function safeLink(link) {
  return typeof link === "string" && /^#\/[\w\-/.%~]*$/.test(link) ? link : "#/inbox";
}

/** The URL a notification click opens, inside this worker's scope. */
function notificationTarget(link, scope) {
  return new URL(`/${safeLink(link)}`, scope).href;
}

self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = { body: event.data ? event.data.text() : "" };
  }
  const { title, options } = notificationFromPush(payload);
  event.waitUntil(self.registration.showNotification(title, options));
});

async function openFromNotification(link) {
  const target = notificationTarget(link, self.registration.scope);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (!open) return self.clients.openWindow(target);
  // The app routes by hash: the open window switches screens itself, keeping its session and state.
  open.postMessage({ type: "ansinh-open", link: safeLink(link) });
  return open.focus();
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification.data?.link));
});

// Exposed so the browser tests can check the payload mapping inside the real worker.
self.ansinhPush = { notificationFromPush, notificationTarget, safeLink };
