// `sotto-relay --workers N` (ADR 0011) as a real process on an ephemeral port: members whose
// connections landed on different workers chat, join, rotate and remove; a worker killed mid-chat is
// replaced and loses nothing acknowledged; the per-address connection limit counts across workers,
// and a killed worker's connections stop counting; a device-link post crosses workers. Which worker holds a connection is read from
// /proc (the worker whose socket count rose), so "different workers" is seen, not assumed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { randomBytes } from '../../protocol/crypto/random.js';
import { waitUntil } from '../helpers/clients.js';
import { openSocket, RawClient } from '../helpers/raw-client.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { joinChatRotateRemove, killMidChat } from '../helpers/spread-room-flows.js';
import { expectOk } from '../relay/fixtures.js';

const relays: RelayProcess[] = [];
const clients: RawClient[] = [];

async function startWorkers(count: number, extra: readonly string[] = []): Promise<RelayProcess> {
  const relay = await startRelayProcess(['--workers', String(count), ...extra]);
  relays.push(relay);
  return relay;
}

/** Every worker pid the primary has reported listening, in order. */
function reportedPids(relay: RelayProcess): number[] {
  return [...relay.output().matchAll(/"msg":"relay worker listening","pid":(\d+)/g)].map((m) => Number(m[1]));
}

/** The workers alive now (a dead one is reaped by the primary and leaves /proc). */
function liveWorkers(relay: RelayProcess): number[] {
  return reportedPids(relay).filter((pid) => existsSync(`/proc/${pid}`));
}

function socketCount(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // Closed between the listing and the look.
    }
  }
  return count;
}

/** Connects a Noise client and finds the worker that took it: the one whose sockets went up by one. */
async function connectOn(relay: RelayProcess): Promise<{ client: RawClient; pid: number }> {
  const pids = liveWorkers(relay);
  const before = new Map(pids.map((pid) => [pid, socketCount(pid)]));
  const client = await RawClient.connect(`ws://127.0.0.1:${relay.port}/ws`, relay.publicKey);
  clients.push(client);
  let took: number[] = [];
  await waitUntil(() => {
    took = pids.filter((pid) => socketCount(pid) === before.get(pid)! + 1);
    return took.length === 1;
  }, 'the worker that took the connection');
  return { client, pid: took[0]! };
}

/** Clients on `count` different workers (round-robin hands out connections in turn; extras are kept open). */
async function onDistinctWorkers(relay: RelayProcess, count: number): Promise<{ client: RawClient; pid: number }[]> {
  const found = new Map<number, RawClient>();
  for (let tries = 0; found.size < count; tries++) {
    assert.ok(tries < count * 4, `connections reached only ${found.size} workers`);
    const { client, pid } = await connectOn(relay);
    if (!found.has(pid)) found.set(pid, client);
  }
  return [...found].map(([pid, client]) => ({ client, pid }));
}

test('members on three workers of one port: join, chat, rotate, remove', async () => {
  const relay = await startWorkers(3);
  assert.is(liveWorkers(relay).length, 3);
  const [owner, b, c] = await onDistinctWorkers(relay, 3);
  await joinChatRotateRemove(owner!.client, b!.client, c!.client);
});

test('a worker killed mid-chat is replaced, and nothing acknowledged is lost', async () => {
  const relay = await startWorkers(3);
  const [owner, b] = await onDistinctWorkers(relay, 2);
  const bPid = b!.pid;
  await killMidChat({
    ownerClient: owner!.client,
    bClient: b!.client,
    async kill() {
      process.kill(bPid, 'SIGKILL');
      await waitUntil(() => !existsSync(`/proc/${bPid}`), 'the worker gone');
    },
    // The same port: the primary hands the connection to a worker that is up.
    reconnect: async () => (await connectOn(relay)).client,
  });
  await waitUntil(() => liveWorkers(relay).length === 3, 'a replacement worker');
  assert.ok(!liveWorkers(relay).includes(bPid));
  assert.match(relay.output(), /relay worker exited: replacing it/);
});

// Link mailboxes live in each process's memory; before link posts took the bus's way through the
// primary, a post taken by one worker never reached a device listening on another (checked: with
// WorkerBus.publishLinkPost left as LocalBus's no-op this test timed out waiting for linkData).
test('V-192: a device-link post taken by one worker reaches the device listening on another', async () => {
  const relay = await startWorkers(2);
  const [listener, poster] = await onDistinctWorkers(relay, 2);
  const box = randomBytes(32);
  const data = randomBytes(200);
  expectOk(await listener!.client.request({ type: 'linkListen', rid: listener!.client.nextRid(), box }), 'listen');
  expectOk(await poster!.client.request({ type: 'linkPost', rid: poster!.client.nextRid(), box, data }), 'post');
  const heard = await listener!.client.waitForType('linkData');
  assert.equal([heard.box, heard.data], [box, data]);
});

test('the per-address connection limit counts across workers; a killed worker gives its connections back', async () => {
  const relay = await startWorkers(2, ['--max-connections-per-ip', '4']);
  const url = `ws://127.0.0.1:${relay.port}/ws`;
  const workers = liveWorkers(relay);
  // A worker's own sockets (its IPC channel to the primary) before any client's.
  const own = new Map(workers.map((pid) => [pid, socketCount(pid)]));
  const open = await Promise.all(Array.from({ length: 4 }, () => openSocket(url)));
  const perWorker = workers.map((pid) => socketCount(pid) - own.get(pid)!);
  // Both workers hold some of the four (round-robin), yet the fifth is refused.
  assert.ok(perWorker.every((n) => n >= 1), `sockets per worker: ${perWorker.join(', ')}`);
  try {
    await openSocket(url);
    assert.unreachable('a fifth connection from one address was let in');
  } catch (error) {
    assert.match(String(error), /429/);
  }
  const victim = workers[0]!;
  const victimHeld = perWorker[0]!;
  process.kill(victim, 'SIGKILL');
  await waitUntil(() => !existsSync(`/proc/${victim}`), 'the worker gone');
  await waitUntil(() => open.filter((ws) => ws.readyState === ws.CLOSED).length === victimHeld, 'the killed worker\'s connections closed');
  const survivors = open.filter((ws) => ws.readyState === ws.OPEN);
  await waitUntil(() => liveWorkers(relay).length === 2, 'a replacement worker');
  // What the killed worker held no longer counts: exactly 4 − survivors more are let in.
  const more = await Promise.all(Array.from({ length: 4 - survivors.length }, () => openSocket(url)));
  await openSocket(url).then(
    () => assert.unreachable('the limit was not kept after the worker died'),
    (error: unknown) => assert.match(String(error), /429/),
  );
  for (const ws of [...open, ...more]) ws.terminate();
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await Promise.all(relays.map((relay) => relay.dispose()));
});

test.run();
