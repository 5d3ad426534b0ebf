// The page's side of verified code delivery (web/sw/sw.ts): on a first visit it installs the
// service worker and reloads under it, so the app that asks for a passphrase is always code the
// worker verified; afterwards it listens for the worker's news: a signed update waiting (the
// update banner), or the server's code refused (reload, and the worker serves its warning page).
import { isReleaseNotice, REFUSAL_TITLE, type PageRequest, type ReleaseStatus } from '../sw/messages.js';
import { h, replaceChildren } from './dom.js';

/** What the settings page says about the code this page runs. */
export type RunningCode =
  | { readonly verified: true; readonly status: ReleaseStatus }
  | { readonly verified: false; readonly reason: string };

let running: RunningCode = { verified: false, reason: 'The code check has not started yet.' };

export function runningCode(): RunningCode {
  return running;
}

const RELOAD_GUARD = 'sotto-code-gate-reload';

function ask(worker: ServiceWorker, request: PageRequest): Promise<ReleaseStatus> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event: MessageEvent<ReleaseStatus>) => resolve(event.data);
    worker.postMessage(request, [channel.port2]);
  });
}

function controlledSoon(container: ServiceWorkerContainer, ms: number): Promise<boolean> {
  if (container.controller !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(container.controller !== null), ms);
    container.addEventListener('controllerchange', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}

/**
 * Resolves 'run' when the app may start (verified, or no service workers in this browser, which
 * the settings page then says), or 'reloading' when the page is about to load again under the
 * worker. `onUpdate` runs when a signed update is ready.
 */
export async function codeGate(onUpdate: () => void): Promise<'run' | 'reloading'> {
  const container = navigator.serviceWorker as ServiceWorkerContainer | undefined;
  if (container === undefined) {
    running = { verified: false, reason: 'This browser runs no service worker for this address (Sotto needs https:// or localhost), so nothing checks the code it runs.' };
    return 'run';
  }
  if (container.controller === null) {
    // First visit, or a hard reload that bypassed the worker: nothing of the app runs until the
    // worker controls the page; then the page loads again, from the verified release.
    try {
      await container.register('/sw.js', { scope: '/', updateViaCache: 'none' });
    } catch (error) {
      // Private windows of some browsers refuse service workers: the app runs, and says unchecked.
      running = { verified: false, reason: `This browser refused Sotto's service worker (${error instanceof Error ? error.message : String(error)}), so nothing checks the code it runs.` };
      return 'run';
    }
    await container.ready;
    const controlled = await controlledSoon(container, 5_000);
    const last = Number(sessionStorage.getItem(RELOAD_GUARD) ?? '0');
    if (!controlled && Date.now() - last < 30_000) throw new Error('the service worker does not take control of this page');
    sessionStorage.setItem(RELOAD_GUARD, String(Date.now()));
    location.reload();
    return 'reloading';
  }
  const worker = container.controller;
  container.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isReleaseNotice(event.data)) return;
    running = { verified: true, status: event.data.status };
    // Refused: reloading lets the worker answer with its warning page; nothing else runs.
    if (event.data.status.refused !== undefined) location.reload();
    else if (event.data.status.updateReady) onUpdate();
  });
  // Our worker never replaces itself under a running page: whoever did is not the signed release,
  // and a reload would load its code. This page (still verified) stops and says so instead.
  container.addEventListener('controllerchange', () => {
    replaceChildren(document.body, h('main', { class: 'card' },
      h('h1', { role: 'alert' }, REFUSAL_TITLE),
      h('p', {}, 'Something replaced Sotto’s code checker while this page was open. Close this tab; do not reload it or enter your passphrase here.')));
  });
  const status = await ask(worker, { type: 'sotto-release-status' });
  running = { verified: true, status };
  if (status.refused !== undefined) {
    location.reload();
    return 'reloading';
  }
  if (status.updateReady) onUpdate();
  return 'run';
}

/** Makes the waiting signed update the running one, then loads it. */
export async function activateUpdate(): Promise<void> {
  const worker = navigator.serviceWorker.controller;
  if (worker !== null) await ask(worker, { type: 'sotto-release-activate' });
  location.reload();
}
