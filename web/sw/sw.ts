// The service worker: Sotto's app code reaches a page only through here, and only if it is the
// release signed by the key pinned below (web/build.ts sets it at bundle time). It installs on the
// first visit with the release the server offers, if that verifies; from then on it answers every
// request for app code from its own cache, checks the server's offer on each visit, keeps a newer
// signed release ready for a reload, and fails closed, with a page that says so, when the server
// offers code that is not signed or does not match. docs/threat-model.md says what this stops.
import { fromBase64Url } from '../../protocol/bytes.js';
import { isSottoError } from '../../protocol/errors.js';
import { manifestId, parseManifest, SERVICE_WORKER_FILE, type ReleaseChannel, type ReleaseManifest } from '../release/release-manifest.js';
import { isPageRequest, type PageRequest, type ReleaseNotice, type ReleaseStatus, type ReleaseView } from './messages.js';
import { refusalPage } from './refusal-page.js';
import { fetchOffered, verifyOffered } from './release-check.js';
import { ReleaseStore, type StoredRelease } from './release-store.js';
import { serviceWorkerScope, type FetchEvent } from './sw-scope.js';

declare const SOTTO_RELEASE_KEY: string;
declare const SOTTO_RELEASE_CHANNEL: ReleaseChannel;

const scope = serviceWorkerScope();
const origin = scope.location.origin;
const pinnedKey = fromBase64Url(SOTTO_RELEASE_KEY);
const store = new ReleaseStore(origin);

/** Not app code: answered by the server as they are (the relay's data and the release itself). */
const NETWORK_PATHS = new Set(['/config.json', '/healthz', '/release.json', '/release.sig', `/${SERVICE_WORKER_FILE}`]);

const encoder = new TextEncoder();
let parsed: { id: string; manifest: ReleaseManifest } | undefined;

function manifestOf(release: StoredRelease): ReleaseManifest {
  if (parsed?.id !== release.id) parsed = { id: release.id, manifest: parseManifest(encoder.encode(release.manifest)) };
  return parsed.manifest;
}

function view(release: StoredRelease | undefined): ReleaseView | undefined {
  if (release === undefined) return undefined;
  const m = manifestOf(release);
  return { version: m.version, channel: m.channel, built: m.built, id: release.id };
}

async function status(): Promise<ReleaseStatus> {
  const [current, pending, refused] = [await store.current(), await store.pending(), await store.refused()];
  return { current: view(current), updateReady: pending !== undefined, refused, pinned: SOTTO_RELEASE_CHANNEL };
}

async function notify(): Promise<void> {
  const notice: ReleaseNotice = { type: 'sotto-release', status: await status() };
  for (const client of await scope.clients.matchAll({ type: 'window', includeUncontrolled: true })) client.postMessage(notice);
}

function reasonOf(error: unknown): string {
  return isSottoError(error) ? `${error.errorName}: ${error.detail ?? error.message}` : `INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
}

/** Compares what the server offers with what runs; one check at a time. */
async function runCheck(): Promise<void> {
  const offered = await fetchOffered(origin);
  // Unreachable: the verified release keeps running (offline use), nothing is refused.
  if (offered === undefined) return;
  const id = manifestId(offered.manifest);
  const current = await store.current();
  const pending = await store.pending();
  const refusedBefore = await store.refused();
  if (id === current?.id || id === pending?.id) {
    // The server offers what we run (again), or the update we hold: nothing to refuse any more.
    if (id === current?.id && pending !== undefined) await store.setPending(undefined);
    await store.setRefused(undefined);
    if (refusedBefore !== undefined || pending !== undefined) await notify();
    return;
  }
  try {
    const verified = await verifyOffered(origin, offered, pinnedKey, current, store);
    if (current === undefined) await store.setCurrent(verified);
    else await store.setPending(verified);
    await store.setRefused(undefined);
    await store.dropFilesExcept([current?.id ?? verified.id, verified.id]);
  } catch (error) {
    await store.setRefused(reasonOf(error));
  }
  await notify();
}

let checking: Promise<void> | undefined;
function check(): Promise<void> {
  checking ??= runCheck().finally(() => {
    checking = undefined;
  });
  return checking;
}

async function promote(): Promise<void> {
  const pending = await store.pending();
  if (pending === undefined || (await store.refused()) !== undefined) return;
  await store.setCurrent(pending);
  await store.setPending(undefined);
  await store.dropFilesExcept([pending.id]);
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}

async function fromRelease(release: StoredRelease, path: string): Promise<Response> {
  if (!Object.hasOwn(manifestOf(release).files, path)) return plain(404, 'not part of the signed release');
  const response = await (await store.files(release.id)).match(new URL(path, origin).href);
  return response ?? plain(503, 'release file missing from the cache; reload');
}

async function navigate(event: FetchEvent): Promise<Response> {
  let current = await store.current();
  // First use of this worker, a first check that could not reach the server, or code refused
  // (nothing runs anyway, and a server that sends signed code again is believed at once): check
  // now. Otherwise the app loads at once and the check runs behind it.
  if (current === undefined || (await store.refused()) !== undefined) {
    await check();
    current = await store.current();
  } else {
    event.waitUntil(check());
  }
  const refused = await store.refused();
  if (refused !== undefined) return refusalPage(refused);
  if (current === undefined) return plain(503, 'Sotto could not download its code to check it. Reload when you are online.');
  return fromRelease(current, '/index.html');
}

/**
 * Verified files only, even while the server's offer is refused: a page already loaded needs its
 * script to hear of the refusal and reload into the warning page; refusing it would strand it.
 */
async function subresource(path: string): Promise<Response> {
  const current = await store.current();
  if (current === undefined) return plain(503, 'no verified release yet');
  return fromRelease(current, path === '/' ? '/index.html' : path);
}

scope.addEventListener('install', (event) => {
  // The first release is fetched and verified before this worker controls anything.
  event.waitUntil(check());
});

scope.addEventListener('activate', (event) => {
  // Takes the first page at once, so its reload already runs verified code (web/ui/code-gate.ts).
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== origin || request.method !== 'GET' || NETWORK_PATHS.has(url.pathname)) return;
  event.respondWith(request.mode === 'navigate' ? navigate(event) : subresource(url.pathname));
});

async function answer(request: PageRequest): Promise<ReleaseStatus> {
  if (request.type === 'sotto-release-check') await check();
  if (request.type === 'sotto-release-activate') await promote();
  return status();
}

scope.addEventListener('message', (event) => {
  const port = event.ports[0];
  if (!isPageRequest(event.data) || port === undefined) return;
  event.waitUntil(answer(event.data).then((result) => port.postMessage(result)));
});
