/* global self, caches, fetch, Response, Headers, URL */
'use strict';
/*
 * The dashboard's service worker: the page itself and, for a signed-in driver, what the ledger answered about
 * their money (account, statement, receipts, each receipt's proof and its meter curve) stay readable without
 * a network. Every request goes to the network first; only when that fails is the copy kept from the last
 * answer served, marked with the header `x-chargeledger-offline`. Nothing is ever answered from a cache while
 * the service answers, and the page empties the kept answers when its user signs out.
 */
const SHELL = 'chargeledger-shell-v1';
const KEPT = 'chargeledger-kept';
const SHELL_FILES = ['/', '/dashboard/app.js', '/dashboard/charts.js', '/dashboard/style.css', '/dashboard/services.json', '/manifest.webmanifest', '/dashboard/icon-192.png', '/dashboard/icon-512.png'];
/** The answers kept for offline use: a driver's own account and what proves its bills. Never a live stream. */
const KEEP = [
  /^\/api\/accounts\/[A-Za-z0-9._:-]+$/,
  /^\/api\/accounts\/[A-Za-z0-9._:-]+\/(statement|receipts)$/,
  /^\/api\/accounts\/[A-Za-z0-9._:-]+\/receipts\/[A-Za-z0-9._:-]+\/(proof|curve)$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(names.filter((name) => name.startsWith('chargeledger-shell-') && name !== SHELL).map((name) => caches.delete(name)))).then(() => self.clients.claim()));
});

/** A kept answer, marked as read before rather than now. */
async function kept(request) {
  const answer = await caches.match(request, { ignoreVary: true, ignoreSearch: false });
  if (answer === undefined) return Response.json({ error: 'Offline', message: 'offline, and this was not read before' }, { status: 503, headers: { 'x-chargeledger-offline': '1' } });
  const headers = new Headers(answer.headers);
  headers.set('x-chargeledger-offline', '1');
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const shell = !url.pathname.startsWith('/api/');
  const keep = shell || KEEP.some((pattern) => pattern.test(url.pathname));
  if (!keep) return;
  event.respondWith(
    fetch(request).then(
      async (answer) => {
        if (answer.ok) {
          const copy = answer.clone();
          event.waitUntil(caches.open(shell ? SHELL : KEPT).then((cache) => cache.put(request, copy)));
        }
        return answer;
      },
      () => kept(request),
    ),
  );
});
