// The SQLite store: the store contract on a real file in a temp dir — in this thread and, as the
// relay runs it, on a thread of its own — and what only SQLite has.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { randomBytes } from '../../protocol/crypto/random.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import type { Store } from '../../relay/store/store.js';
import { ThreadedStore } from '../../relay/store/threaded-store.js';
import { SCHEMA_VERSION } from '../../relay/store/schema.js';
import { storeContract } from './store-contract.js';

function sqliteDatabase(threaded = false): { path: string; open(maxHistoryPerRoom: number, maxRoomBytes?: number): Promise<Store>; dispose(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  const path = join(dir, 'relay.sqlite');
  return {
    path,
    open: async (maxHistoryPerRoom, maxRoomBytes) => {
      const options = { path, synchronous: 'FULL', maxHistoryPerRoom, ...(maxRoomBytes === undefined ? {} : { maxRoomBytes }) } as const;
      return threaded ? ThreadedStore.open(options) : new SqliteStore(options);
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

storeContract('SQLite', async () => sqliteDatabase()).run();
storeContract('SQLite on its own thread', async () => sqliteDatabase(true)).run();

// Found by test/e2e/relay-crash.test.ts in the full suite: a sync's final read answered after the
// fsync while a send in the same batch had already been pushed, so a client held seq 31 and was told
// the room ended at 30 (ROLLBACK). Checked to fail with the notice released at once ("notice 1"
// before "read 0").
test('SQLite on its own thread at FULL: a send\'s notice comes before its answer, and never before the answer of a read asked earlier', async () => {
  const database = sqliteDatabase(true);
  const store = await database.open(1000);
  try {
    const roomId = randomBytes(16);
    await store.createRoom({ roomId, owner: randomBytes(32), ownerEnc: randomBytes(32), settings: DEFAULT_SETTINGS, genesis: randomBytes(200), headHash: randomBytes(32), now: 0 });
    const order: string[] = [];
    // Asked in one turn, so one batch: the read first, then the send. The read sees seq 0.
    const read = store.getRoom(roomId).then((room) => order.push(`read ${room?.lastSeq}`));
    const append = store.appendMessages([{ roomId, epoch: 0, sender: randomBytes(32), counter: 1, bytes: randomBytes(64), now: 0 }], (outcomes) => {
      order.push(`notice ${outcomes[0]?.ok === true ? outcomes[0].seq : '?'}`);
    }).then(() => order.push('answer'));
    await Promise.all([read, append]);
    assert.equal(order, ['read 0', 'notice 1', 'answer']);
    // Alone, a send's notice still comes before its answer.
    order.length = 0;
    await store.appendMessages([{ roomId, epoch: 0, sender: randomBytes(32), counter: 1, bytes: randomBytes(64), now: 0 }], () => order.push('notice')).then(() => order.push('answer'));
    assert.equal(order, ['notice', 'answer']);
  } finally {
    await store.close();
    await database.dispose();
  }
});

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
