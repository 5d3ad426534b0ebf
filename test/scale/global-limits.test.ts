// Per-address limits across three relay processes on one Redis: --max-connections-per-ip counts an
// address's connections to every process, not each process's own (V-113), and so does
// --rooms-per-address-per-hour (V-115); while Redis is down each process counts its own, so
// connecting still works, and the shared count holds again once it is back. A killed process's
// connections hold their address's places only until their leases expire (--connection-lease-ms).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';
import { identity, outcome, RoomModel } from '../relay/fixtures.js';

const MAX = 4;
const ROOMS_PER_HOUR = 3;
/** Short, so a killed process's leases expire within the test; renewed every third of it. */
const LEASE_MS = 3000;
const cluster: RelayCluster | undefined = await startRelayCluster(3, [
  '--max-connections-per-ip', String(MAX), '--rooms-per-address-per-hour', String(ROOMS_PER_HOUR), '--connection-lease-ms', String(LEASE_MS),
]);
const sockets: WebSocket[] = [];

/** Opens a WebSocket to `relay`: 'open', or the HTTP status it was refused with. */
function connect(relay: RelayProcess): Promise<'open' | number> {
  const ws = new WebSocket(cluster!.wsUrl(relay));
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.once('error', reject);
  });
}

async function closeAll(): Promise<void> {
  await Promise.all(sockets.splice(0).map((ws) => new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.terminate();
  })));
}

/** Retries `attempt` until it gives `wanted`: a release or Redis's return reaches the relays a moment later. */
async function eventually(attempt: () => Promise<'open' | number>, wanted: 'open' | number, what: string): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while ((await attempt()) !== wanted) {
    if (Date.now() > giveUpAt) assert.unreachable(what);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Checked against the old code: each process counted only its own, so this address held 4 + 4 + 4.
test('V-113: connections per address are counted across processes', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const answers = [];
  for (const relay of [r0, r1, r2, r0, r1, r2]) answers.push(await connect(relay));
  assert.equal(answers, ['open', 'open', 'open', 'open', 429, 429]);
  // A closed connection gives its place back to the address, on any process.
  sockets[0]!.terminate();
  await eventually(async () => {
    const answer = await connect(r2);
    if (answer !== 'open') sockets.pop();
    return answer;
  }, 'open', 'a place freed on r0 taken on r2');
  await closeAll();
});

// Checked against the old code (leases a fixed 30 s): the address was still refused 8 s after the kill.
test('V-113: the leases of a killed process expire: its address gets its places back within --connection-lease-ms', async () => {
  if (cluster === undefined) return;
  const [r0, , r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  for (let i = 0; i < MAX; i++) assert.is(await connect(r2), 'open');
  assert.is(await connect(r0), 429, 'the address is at its limit');
  await r2.kill('SIGKILL');
  const killedAt = Date.now();
  // Nobody released the dead process's connections: their leases still count, until they expire.
  assert.is(await connect(r0), 429, 'the leases outlive the process');
  let answer: 'open' | number = 429;
  while (answer !== 'open' && Date.now() - killedAt < LEASE_MS + 5000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await connect(r0);
  }
  assert.is(answer, 'open', `a place freed within ${LEASE_MS + 5000} ms of the kill`);
  await closeAll();
  await r2.restart();
});

test('V-113: Redis down: each process counts its own connections; shared again once Redis is back', async () => {
  if (cluster === undefined) return;
  const [r0, r1] = cluster.relays as [RelayProcess, RelayProcess];
  await cluster.redis.kill();
  const answers = [];
  for (let i = 0; i < MAX + 1; i++) answers.push(await connect(r0));
  assert.equal(answers, [...Array<'open'>(MAX).fill('open'), 429], 'r0 still limits on its own');
  assert.is(await connect(r1), 'open', 'r1 counts its own meanwhile');
  await closeAll();
  await cluster.redis.restart();
  // Until the relays' Redis connections are back they still count their own: try until shared.
  await eventually(async () => {
    await closeAll();
    let last: 'open' | number = 'open';
    for (let i = 0; i <= MAX; i++) last = await connect(i % 2 === 0 ? r0 : r1);
    return last;
  }, 429, 'the shared count holds again');
  await closeAll();
});

// Checked against the old code (a WindowCounter in each process): the fourth room, on r0, was created.
test('V-115: rooms created per address are counted across processes (Redis back after the test above)', async () => {
  if (cluster === undefined) return;
  const clients = await Promise.all(cluster.relays.map((relay) => RawClient.connect(cluster.wsUrl(relay), cluster.publicKey)));
  const create = async (client: RawClient): Promise<string> => {
    const genesis = await new RoomModel().genesis(await identity());
    return outcome(await client.request({ type: 'createRoom', rid: client.nextRid(), genesis }));
  };
  const answers = [];
  for (const client of [...clients, clients[0]!, clients[1]!]) answers.push(await create(client));
  assert.equal(answers, ['ok', 'ok', 'ok', 'ROOM_CREATION_LIMITED', 'ROOM_CREATION_LIMITED']);
  await Promise.all(clients.map((client) => client.close()));
});

test.after(async () => {
  await closeAll();
  await cluster?.stop();
});

test.run();
