// The PostgreSQL store: the store contract on a private PostgreSQL, one fresh database per test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PostgresStore } from '../../relay/store/postgres-store.js';
import { startPostgres, type PrivatePostgres } from '../helpers/postgres.js';
import { storeContract, type StoreDatabase } from '../relay/store-contract.js';

const server: PrivatePostgres | undefined = await startPostgres();

function openStore(url: string, maxHistoryPerRoom: number): Promise<PostgresStore> {
  return PostgresStore.open({
    url, maxHistoryPerRoom, poolSize: 4,
    // Only idle connections report here, and these tests stop the server after closing every store.
    onConnectionError: () => undefined,
  });
}

async function newDatabase(postgres: PrivatePostgres): Promise<StoreDatabase> {
  const url = await postgres.createDatabase();
  return { open: (maxHistoryPerRoom) => openStore(url, maxHistoryPerRoom), dispose: async () => undefined };
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

test.after(async () => {
  await server?.stop();
});

test.run();
