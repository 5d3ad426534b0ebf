// The SQLite store: the store contract on a real file in a temp dir, and what only SQLite has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import { MIGRATIONS } from '../../relay/store/sqlite-schema.js';
import { storeContract } from './store-contract.js';

function sqliteDatabase(): { path: string; open(maxHistoryPerRoom: number): Promise<SqliteStore>; dispose(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  const path = join(dir, 'relay.sqlite');
  return {
    path,
    open: async (maxHistoryPerRoom) => new SqliteStore({ path, synchronous: 'FULL', maxHistoryPerRoom }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

storeContract('SQLite', async () => sqliteDatabase()).run();

test('SQLite: WAL, and the schema at the latest version', async () => {
  const database = sqliteDatabase();
  await (await database.open(1000)).close();
  const db = new Database(database.path, { readonly: true });
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, MIGRATIONS.length);
  db.close();
  await database.dispose();
});

test.run();
