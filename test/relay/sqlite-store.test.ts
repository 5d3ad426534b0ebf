// The SQLite store: the store contract on a real file in a temp dir — in this thread and, as the
// relay runs it, on a thread of its own — and what only SQLite has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import type { Store } from '../../relay/store/store.js';
import { ThreadedStore } from '../../relay/store/threaded-store.js';
import { SCHEMA_VERSION } from '../../relay/store/schema.js';
import { storeContract } from './store-contract.js';

function sqliteDatabase(threaded = false): { path: string; open(maxHistoryPerRoom: number): Promise<Store>; dispose(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  const path = join(dir, 'relay.sqlite');
  return {
    path,
    open: async (maxHistoryPerRoom) => {
      const options = { path, synchronous: 'FULL', maxHistoryPerRoom } as const;
      return threaded ? ThreadedStore.open(options) : new SqliteStore(options);
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

storeContract('SQLite', async () => sqliteDatabase()).run();
storeContract('SQLite on its own thread', async () => sqliteDatabase(true)).run();

test('SQLite: WAL, and the schema at the latest version', async () => {
  const database = sqliteDatabase();
  await (await database.open(1000)).close();
  const db = new Database(database.path, { readonly: true });
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
  db.close();
  await database.dispose();
});

test('SQLite on its own thread: a database it cannot open fails the open with the reason', async () => {
  const database = sqliteDatabase();
  const db = new Database(database.path);
  db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (${SCHEMA_VERSION + 1})`);
  db.close();
  try {
    await ThreadedStore.open({ path: database.path, synchronous: 'FULL', maxHistoryPerRoom: 10 });
    assert.unreachable('opened a database from a newer relay');
  } catch (error) {
    assert.match(String(error), /newer than this relay understands/);
  }
  await database.dispose();
});

test('SQLite on its own thread: once closed, calls fail rather than hang', async () => {
  const database = sqliteDatabase(true);
  const store = await database.open(10);
  await store.close();
  try {
    await store.countRooms();
    assert.unreachable('a closed store answered');
  } catch (error) {
    assert.match(String(error), /closed/);
  }
  await database.dispose();
});

test.run();
