// A PostgreSQL store restored in place from a `pg_dump`, as docs/operations.md tells an operator to
// do it: the relay is stopped, the dump restored with `pg_restore --clean`, `sotto-relay
// mark-restored` run, the relay started. Members that saw the messages after the dump converge as
// after a SQLite restore (restore.test.ts): nothing acknowledged lost, every message once, no
// warning, one restore notice each. Without `mark-restored` — what every PostgreSQL restore was
// before it existed — the same relay is behind its members without saying so, and they raise
// ROLLBACK and hand nothing back: the second test shows that.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admit, waitUntil } from '../helpers/clients.js';
import { binDir, startPostgres, type PrivatePostgres } from '../helpers/postgres.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { runRelayCli } from '../ops/relay-cli.js';
import { openCountedClient, shown, warningsOf, type CountedClient } from './harness.js';

const CONVERGE_MS = 30_000;

const postgres: PrivatePostgres | undefined = await startPostgres();
let relay: RelayProcess | undefined;
let storeUrl = '';
let dir = '';
let dumps = '';
const clients: CountedClient[] = [];

test.before.each(async () => {
  if (postgres === undefined) return;
  storeUrl = await postgres.createDatabase();
  relay = await startRelayProcess(['--store-url', storeUrl]);
  dir = relay.dataDir;
  dumps = mkdtempSync(join(tmpdir(), 'sotto-pg-dump-'));
});

test.after.each(async () => {
  for (const c of clients.splice(0)) await c.client.close();
  await relay?.dispose();
  if (dumps !== '') rmSync(dumps, { recursive: true, force: true });
});

test.after(async () => {
  await postgres?.stop();
});

/** Runs one of PostgreSQL's programs against the database at `url`. */
function pgTool(program: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir()!, program), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited with ${code}: ${stderr}`))));
  });
}

async function storedMessages(): Promise<number> {
  const client = new Client({ connectionString: storeUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Two members chat; the database is dumped; 20 more messages follow; the relay is stopped and the dump restored. */
async function restoredBehindMembers(): Promise<{ roomId: string; people: CountedClient[]; acked: string[]; stored: number }> {
  const open = async (): Promise<CountedClient> => {
    const c = await openCountedClient(relay!.url);
    clients.push(c);
    return c;
  };
  const [alice, bob] = [await open(), await open()];
  const roomId = await alice.client.createRoom('Restored in place', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  const people = [alice, bob];
  const acked: string[] = [];
  const say = async (who: CountedClient, text: string): Promise<void> => {
    await who.client.send(roomId, text);
    acked.push(text);
  };
  for (let i = 0; i < 6; i++) await say(people[i % 2]!, `before ${i}`);
  const everyone = (): boolean => people.every((c) => acked.every((t) => c.client.messages(roomId).some((m) => m.text === t)));
  await waitUntil(everyone, 'the first messages everywhere');
  const dump = join(dumps, 'sotto.dump');
  await pgTool('pg_dump', ['-Fc', '-f', dump, '-d', storeUrl]);
  for (let i = 0; i < 20; i++) await say(people[i % 2]!, `after ${i}`);
  await waitUntil(everyone, 'all 20 everywhere');
  // Every record the relay holds (the members' profiles too), to find again after the restore.
  const stored = await storedMessages();
  await relay!.kill();
  await pgTool('pg_restore', ['--clean', '--if-exists', '-d', storeUrl, dump]);
  return { roomId, people, acked, stored };
}

test('PostgreSQL restored from a dump and marked: members converge with nothing lost, no alarm, one notice each', async () => {
  if (postgres === undefined) return;
  const { roomId, people, acked, stored } = await restoredBehindMembers();
  const mark = people.map((c) => c.events.length);
  const marked = await runRelayCli(['mark-restored', '--data-dir', dir, '--store-url', storeUrl]);
  assert.is(marked.code, 0, marked.stderr);
  assert.match(marked.stdout, /1 rooms stand/);
  await relay!.restart();

  const converged = (): boolean => {
    const views = people.map((c) => shown(c, roomId));
    return views.every((v) => v.length === views[0]!.length && v.every((line, i) => line === views[0]![i]))
      && people.every((c) => c.client.messages(roomId).every((m) => !m.pending) && c.client.status === 'online')
      && acked.every((t) => people.every((c) => c.client.messages(roomId).some((m) => m.text === t)));
  };
  await waitUntil(converged, 'both members converged after the restore', CONVERGE_MS);
  for (const [i, c] of people.entries()) {
    const texts = c.client.messages(roomId).map((m) => m.text);
    for (const text of acked) assert.is(texts.filter((t) => t === text).length, 1, `"${text}" shown once at member ${i}`);
    assert.equal(warningsOf(c, mark[i]).map((w) => `${w.error}: ${w.detail}`), [], `no warning at member ${i}`);
    assert.is(c.events.slice(mark[i]).filter((e) => e.type === 'restored').length, 1, `one restore notice at member ${i}`);
  }
  // The messages after the dump are stored again, each once (handed back by their senders).
  for (const deadline = Date.now() + CONVERGE_MS; (await storedMessages()) !== stored;) {
    if (Date.now() > deadline) assert.is(await storedMessages(), stored, 'every acknowledged record stored again');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await people[1]!.client.send(roomId, 'after the restore');
  await waitUntil(() => people[0]!.client.messages(roomId).some((m) => m.text === 'after the restore'), 'the room goes on');
});

test('PostgreSQL restored from a dump without mark-restored: the members raise ROLLBACK', async () => {
  if (postgres === undefined) return;
  const { people } = await restoredBehindMembers();
  const mark = people.map((c) => c.events.length);
  await relay!.restart();
  await waitUntil(() => people.every((c, i) => warningsOf(c, mark[i]).some((w) => w.error === 'ROLLBACK')), 'ROLLBACK at both members', CONVERGE_MS);
});

test.run();
