// The PostgreSQL store: the store contract on a private PostgreSQL, one fresh database per test;
// and the one schema description (relay/store/schema.ts) against the hand-written PostgreSQL schema
// of 0959acf: the same tables, and a database that schema left at any version migrates to them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from 'pg';
import { SCHEMA_VERSION } from '../../relay/store/schema.js';
import { POSTGRES_0959ACF } from '../relay/legacy-schemas.js';
import { PostgresStore } from '../../relay/store/postgres-store.js';
import { startPostgres, type PrivatePostgres } from '../helpers/postgres.js';
import { storeContract, type StoreDatabase } from '../relay/store-contract.js';

const server: PrivatePostgres | undefined = await startPostgres();

function openStore(url: string, maxHistoryPerRoom: number, maxRoomBytes?: number): Promise<PostgresStore> {
  return PostgresStore.open({
    url, maxHistoryPerRoom, poolSize: 4, ...(maxRoomBytes === undefined ? {} : { maxRoomBytes }),
    // Only idle connections report here, and these tests stop the server after closing every store.
    onConnectionError: () => undefined,
  });
}

async function newDatabase(postgres: PrivatePostgres): Promise<StoreDatabase> {
  const url = await postgres.createDatabase();
  return { open: (maxHistoryPerRoom, maxRoomBytes) => openStore(url, maxHistoryPerRoom, maxRoomBytes), dispose: async () => undefined };
}

storeContract('PostgreSQL', server === undefined ? undefined : () => newDatabase(server)).run();

test('PostgreSQL: relay processes starting together migrate once', async () => {
  if (server === undefined) return;
  const url = await server.createDatabase();
  const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url, 1000)));
  assert.is(await stores[0]!.countRooms(), 0);
  await Promise.all(stores.map((s) => s.close()));
});

test('PostgreSQL: an unreachable server fails the open, naming no password', async () => {
  if (server === undefined) return;
  try {
    await openStore('postgres://sotto:hunter2@127.0.0.1:1/none', 1000);
    assert.unreachable('opened');
  } catch (error) {
    assert.not.ok(String(error).includes('hunter2'));
  }
});

/** Every column, constraint and index of the public schema, as PostgreSQL reports them. */
async function describe(url: string): Promise<unknown> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, column_name`);
    const constraints = await client.query(`SELECT conrelid::regclass::text AS "table", conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`);
    const indexes = await client.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`);
    const version = await client.query<{ version: number }>('SELECT version FROM schema_version');
    return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows, version: version.rows };
  } finally {
    await client.end();
  }
}

async function run(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

test('PostgreSQL: a fresh database is the schema 0959acf wrote by hand, with the entries since applied', async () => {
  if (server === undefined) return;
  const fresh = await server.createDatabase();
  await (await openStore(fresh, 1000)).close();
  const legacy = await server.createDatabase();
  // Marked at the last entry 0959acf's tables hold, so only what came after runs on them.
  await run(legacy, `${POSTGRES_0959ACF.join(';')}; CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (${ENTRIES_0959ACF})`);
  await (await openStore(legacy, 1000)).close();
  assert.equal(await describe(fresh), await describe(legacy));
});

/** The entries of schema.ts whose tables 0959acf's hand-written schemas already held. */
const ENTRIES_0959ACF = 3;

// 0959acf numbered PostgreSQL's versions its own way (1: the tables and every index; 2: checkpoints).
for (let version = 0; version <= POSTGRES_0959ACF.length; version++) {
  test(`PostgreSQL: a database 0959acf left at version ${version} migrates to version ${SCHEMA_VERSION}, the same as a fresh one`, async () => {
    if (server === undefined) return;
    const fresh = await server.createDatabase();
    await (await openStore(fresh, 1000)).close();
    const old = await server.createDatabase();
    await run(old, ['CREATE TABLE schema_version (version INTEGER NOT NULL)', ...POSTGRES_0959ACF.slice(0, version), `INSERT INTO schema_version VALUES (${version})`].join(';'));
    const store = await openStore(old, 1000);
    assert.is(await store.countRooms(), 0);
    await store.close();
    assert.equal(await describe(old), await describe(fresh));
  });
}

test.after(async () => {
  await server?.stop();
});

test.run();
