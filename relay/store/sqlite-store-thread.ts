// The SQLite store's thread (started by threaded-store.ts): it owns the database connection, runs
// each call from the relay's thread through SqliteStore — group commit and all — and answers in the
// order the calls arrived. Commits and their fsyncs happen here, never on the thread that serves
// sockets.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { answerStoreCall } from './answer-store-call.js';
import { errorToWire, type StoreCall, type StoreReady, type StoreReply } from './store-thread-wire.js';

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

/**
 * Replies made together, posted as one message (store-thread-channel.ts): a group commit's notices,
 * and later its answers, cross as one message each instead of one per call. A batch's answers are
 * settled in one run of promise reactions, and a tick queued from them runs once that run is over:
 * after the last answer, and before the next batch, which waits for the next turn (an Immediate
 * here would come after it and hold the answers back by a whole batch).
 */
let replies: StoreReply[] = [];

function postReplies(): void {
  const posting = replies;
  replies = [];
  port.postMessage(posting);
}

function reply(answer: StoreReply): void {
  if (replies.length === 0) process.nextTick(postReplies);
  replies.push(answer);
}

port.on('message', (calls: readonly StoreCall[]) => {
  for (const call of calls) {
    void answerStoreCall(store, call, reply).then((answer) => {
      reply(answer);
      if (call.method !== 'close') return;
      // Nothing is answered after close: what is queued goes now, before the port shuts.
      postReplies();
      port.close();
    });
  }
});
