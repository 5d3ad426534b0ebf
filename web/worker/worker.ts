// Worker entry: the only place keys exist in the browser. Requests from the page are handled one
// at a time in arrival order per method call; view events are pushed as they happen.
import { toRpcError, Session } from './session.js';
import type { RequestMessage } from './rpc.js';
import { workerScope } from './scope.js';

const scope = workerScope();
const session = new Session((event) => scope.postMessage({ kind: 'event', event }));

scope.addEventListener('message', (event) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null || message.kind !== 'request' || typeof message.id !== 'number') return;
  handle(message).catch(() => undefined);
});

async function handle(message: RequestMessage): Promise<void> {
  try {
    const result = await session.handle(message.method, message.params ?? {});
    scope.postMessage({ kind: 'response', id: message.id, ok: true, result });
  } catch (error) {
    const expected = error instanceof Error && ['WorkerFailure', 'WrongPassphrase', 'SottoError'].includes(error.name);
    if (!expected) console.error(`sotto worker: ${message.method} failed`, error);
    scope.postMessage({ kind: 'response', id: message.id, ok: false, error: toRpcError(error, message.method) });
  }
}
