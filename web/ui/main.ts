// Page entry: make sure the page runs verified code (code-gate.ts), then start the worker that
// holds every key, and the UI that talks to it.
import { App } from './app.js';
import { codeGate } from './code-gate.js';
import { unverifiedNotice } from './unverified-notice.js';
import { updateBanner } from './update-banner.js';
import { WorkerClient } from './worker-client.js';

/** The worker bundle's hashed path, set by web/build.ts at bundle time. */
declare const SOTTO_WORKER_URL: string;

function failed(root: HTMLElement, error: unknown): void {
  console.error('Sotto failed to start', error);
  const message = document.createElement('p');
  message.setAttribute('role', 'alert');
  message.className = 'error';
  message.textContent = 'Sotto failed to start. Reload the page to try again.';
  root.appendChild(message);
}

async function start(root: HTMLElement): Promise<void> {
  const update = updateBanner();
  if (await codeGate(() => update.show()) === 'reloading') return;
  root.before(update.element);
  const unverified = unverifiedNotice();
  if (unverified !== undefined) root.before(unverified);
  const worker = new Worker(SOTTO_WORKER_URL, { type: 'module', name: 'sotto' });
  await new App(new WorkerClient(worker), root).start();
}

const root = document.getElementById('app');
if (root !== null) {
  start(root).catch((error: unknown) => failed(root, error));
}
