// Page entry: start the worker that holds every key, and the UI that talks to it.
import { App } from './app.js';
import { WorkerClient } from './worker-client.js';

/** The worker bundle's hashed path, set by web/build.ts at bundle time. */
declare const SOTTO_WORKER_URL: string;

const root = document.getElementById('app');
if (root !== null) {
  const worker = new Worker(SOTTO_WORKER_URL, { type: 'module', name: 'sotto' });
  const app = new App(new WorkerClient(worker), root);
  app.start().catch((error: unknown) => {
    console.error('Sotto failed to start', error);
    const message = document.createElement('p');
    message.setAttribute('role', 'alert');
    message.className = 'error';
    message.textContent = 'Sotto failed to start. Reload the page to try again.';
    root.appendChild(message);
  });
}
