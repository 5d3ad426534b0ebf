// The WAL checkpointer, on a thread of its own (started by sqlite-store.ts). A checkpoint copies the
// WAL's pages into the database file and, unless synchronous is OFF, waits on fsync; on the relay's
// thread that stalled every session for as long as the disk took. Here it runs beside the writer:
// PASSIVE never waits for it and never makes it wait, and the writer reuses the WAL from the start
// once a checkpoint has caught up with it.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SqliteSynchronous } from '../config.js';

export interface CheckpointerData {
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
  readonly intervalMs: number;
}

const { path, synchronous, intervalMs } = workerData as CheckpointerData;
const db = new Database(path);
// The checkpoint's fsyncs follow the relay's durability setting, as they did on its own connection.
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 0');

const timer = setInterval(() => {
  // Another checkpoint in progress (only at the relay's shutdown) is SQLITE_BUSY: the next tick retries.
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (!(error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY'))) throw error;
  }
}, intervalMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
