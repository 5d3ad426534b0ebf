// The SQLite store's thread (started by threaded-store.ts): it owns the database connection, runs
// each call from the relay's thread through SqliteStore — group commit and all — and answers in the
// order the calls arrived. Commits and their fsyncs happen here, never on the thread that serves
// sockets.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { answerStoreCall } from './answer-store-call.js';
import { errorToWire, type StoreCall, type StoreReady } from './store-thread-wire.js';

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

port.on('message', (call: StoreCall) => {
  void answerStoreCall(store, call, (reply) => port.postMessage(reply)).then((reply) => {
    port.postMessage(reply);
    if (call.method === 'close') port.close();
  });
});
