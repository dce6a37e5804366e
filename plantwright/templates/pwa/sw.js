// Plantwright's service worker (plantwright/accounts/pwa.py). Pages: from the network when it
// answers, and kept; from what was kept when it does not; the offline page when nothing was.
// Static files (their names carry their version): kept at install, then from the cache.
// Changes (POST) are never answered here: the page queues them (plantwright-offline-*.js).
const VERSION = "{{ version }}";
const CACHE = `plantwright-${VERSION}`;
const KEEP = {{ keep|safe }};
const OFFLINE = {{ offline|safe }};
const NEVER = {{ never|safe }};
const MAX_PAGES = 100;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEEP)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("plantwright-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isPage(url) {
  return url.origin === self.location.origin && !url.pathname.startsWith("/static/")
    && !NEVER.some((prefix) => url.pathname.startsWith(prefix));
}

async function keepPage(request, response) {
  if (!response.ok || response.redirected || response.type !== "basic") return;
  const cache = await caches.open(CACHE);
  await cache.put(request, response);
  const pages = (await cache.keys()).filter((r) => isPage(new URL(r.url)) && new URL(r.url).pathname !== OFFLINE);
  for (const old of pages.slice(0, Math.max(0, pages.length - MAX_PAGES))) await cache.delete(old);
}

async function page(event) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(keepPage(event.request, response.clone()));
    return response;
  } catch (error) {
    const cache = await caches.open(CACHE);
    return (await cache.match(event.request, { ignoreVary: true })) || (await cache.match(OFFLINE)) || Response.error();
  }
}

async function staticFile(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) event.respondWith(staticFile(request));
  else if (request.mode === "navigate" && isPage(url)) event.respondWith(page(event));
});

// The page asks: keep these (the technician's My work), or forget every kept page (signed out).
self.addEventListener("message", (event) => {
  const { type, urls } = event.data || {};
  if (type === "keep") {
    event.waitUntil(Promise.all(urls.filter((u) => isPage(new URL(u, self.location.origin))).map(async (u) => {
      const request = new Request(new URL(u, self.location.origin), { credentials: "same-origin" });
      try {
        await keepPage(request, await fetch(request));
      } catch (error) { /* offline: kept the next time */ }
    })).then(() => event.source && event.source.postMessage({ type: "kept", count: urls.length })));
  } else if (type === "forget") {
    event.waitUntil(caches.open(CACHE).then(async (cache) => {
      for (const request of await cache.keys()) {
        const url = new URL(request.url);
        if (isPage(url) && url.pathname !== OFFLINE) await cache.delete(request);
      }
    }));
  }
});
