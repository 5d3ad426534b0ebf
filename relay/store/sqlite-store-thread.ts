// The SQLite store's thread (started by threaded-store.ts): it owns the database connection, runs
// each call from the relay's thread through SqliteStore — group commit and all — and answers in the
// order the calls arrived. Commits and their fsyncs happen here, never on the thread that serves
// sockets.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { errorToWire, valueToWire, type StoreCall, type StoreReady, type StoreReply } from './store-thread-wire.js';

const port = parentPort!;
let store: SqliteStore;
try {
  // Notices between commit and sync: ThreadedStore orders them behind earlier reads' answers.
  store = new SqliteStore({ ...(workerData as SqliteStoreOptions), noticeBeforeSync: true });
  port.postMessage({ ready: true } satisfies StoreReady);
} catch (error) {
  port.postMessage({ ready: false, error: errorToWire(error) } satisfies StoreReady);
  port.close();
}

async function answer(call: StoreCall): Promise<StoreReply> {
  try {
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    // The `stored` reply goes out the moment the commit is written, while this thread syncs it.
    const stored = call.wantsStored === true ? [(value: unknown) => port.postMessage({ id: call.id, stored: valueToWire(value) } satisfies StoreReply)] : [];
    return { id: call.id, ok: true, value: valueToWire(await method.apply(store, [...call.args, ...stored])) };
  } catch (error) {
    return { id: call.id, ok: false, error: errorToWire(error) };
  }
}

port.on('message', (call: StoreCall) => {
  void answer(call).then((reply) => {
    port.postMessage(reply);
    if (call.method === 'close') port.close();
  });
});
