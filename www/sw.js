// Petrel's service worker: keeps the app shell so the app opens quickly and without a network.
// Hashed assets (their names change with their content) are served from the cache first;
// the page and the other unhashed shell files go to the network first, so a new release is
// picked up at once, and fall back to the cache when offline. Nothing else is cached: mail
// itself travels over the WebSocket, which service workers never see.
const CACHE = 'petrel-shell-v1';
const SHELL = ['./', 'boot.js', 'manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png'];
// trunk names them NAME-HASH(_bg).EXT, HASH being a 64-bit hash in hex without leading zeros.
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/;
// Old releases' hashed files are dropped beyond this many entries, oldest first.
const MAX_ENTRIES = 24;
// The store worker (SQLite, about 440 KB as Brotli). trunk names a worker's files without a
// hash, so they go network-first like the shell (a revalidation, answered 304 by its ETag,
// when online; the cache when offline), which also keeps the three files of one release
// together. They are also cached on install: the app starts the store worker right after
// its first screen, usually before this service worker controls the page, so without that
// the worker's files would be cached only by a later visit, and after one session the app
// would restart offline without its stored mail. By then the browser's HTTP cache holds
// them, so this costs no second download.
const WORKER = ['petrel-store-worker_loader.js', 'petrel-store-worker.js', 'petrel-store-worker_bg.wasm'];

self.addEventListener('install', (event) => {
  event.waitUntil(install().then(() => self.skipWaiting()));
});

// The shell, and the hashed files the page names (the wasm module, its glue, the styles).
// The first visit loaded those before this worker existed, so without this they would be
// cached only when a later visit fetched them through it, and until then the app would
// start offline only as long as the browser's HTTP cache happened to keep them. The worker
// is registered after the page's load event, so these come from that HTTP cache and cost
// no second download.
async function install() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  const page = await cache.match('./');
  const html = page ? await page.text() : '';
  const named = [...html.matchAll(/(?:href|src|data-js|data-wasm)="([^"]+)"/g)]
    .map((match) => new URL(match[1], self.registration.scope))
    .filter((url) => url.origin === self.location.origin && HASHED.test(url.pathname));
  await cache.addAll([...new Set(named.map(String))]);
  // Not fatal: a build without the store worker still installs.
  await cache.addAll(WORKER).catch(() => {});
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) {
    return;
  }
  if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === 'navigate' || [...SHELL, ...WORKER].some((path) => new URL(path, self.registration.scope).pathname === url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    await store(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      await store(request.mode === 'navigate' ? './' : request, response.clone());
    }
    return response;
  } catch (offline) {
    const cached = await caches.match(request.mode === 'navigate' ? './' : request);
    if (cached) {
      return cached;
    }
    throw offline;
  }
}

async function store(request, response) {
  const cache = await caches.open(CACHE);
  await cache.put(request, response);
  const keys = await cache.keys();
  const hashed = keys.filter((key) => HASHED.test(new URL(key.url).pathname));
  await Promise.all(hashed.slice(0, Math.max(0, hashed.length - MAX_ENTRIES)).map((key) => cache.delete(key)));
}
