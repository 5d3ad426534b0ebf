// Three relay processes on one PostgreSQL and one Redis: members on different processes chat, join,
// rotate and remove; a process killed mid-chat loses nothing acknowledged; an invite raced from two
// processes has one winner; a Redis outage ends with every affected session catching up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toHex } from '../../protocol/bytes.js';
import { eventHash } from '../../protocol/membership/roster.js';
import type { MessageRecord } from '../../protocol/wire/message.js';
import { startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, signingKey, type Identity, type RoomModel } from '../relay/fixtures.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const clients: RawClient[] = [];

async function connect(relay: RelayProcess): Promise<RawClient> {
  const client = await RawClient.connect(cluster!.wsUrl(relay), cluster!.publicKey);
  clients.push(client);
  return client;
}

async function send(client: RawClient, message: MessageRecord): Promise<number> {
  return expectOk(await client.request({ type: 'send', rid: client.nextRid(), message }), 'send').value;
}

/** Every deliver a sync from seq 0 returns, as seq → bytes (hex). */
async function syncAll(client: RawClient, room: RoomModel): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let seqFrom = 0; ;) {
    const done = await client.request({ type: 'sync', rid: client.nextRid(), roomId: room.roomId, logFrom: 0, epochFrom: 0, seqFrom, limit: 500 });
    assert.is(done.type, 'syncDone');
    for (const frame of client.take((f) => f.type === 'deliver')) {
      if (frame.type === 'deliver') out.set(frame.seq, toHex(frame.message.bytes));
    }
    client.take();
    if (done.type !== 'syncDone' || !done.more) return out;
    seqFrom = Math.max(...out.keys());
  }
}

/** Pushed deliveries as seq → record bytes (hex); a seq pushed again with other bytes throws. */
function delivered(client: RawClient): Map<number, string> {
  const pushed = new Map<number, string>();
  for (const f of client.received) {
    if (f.type !== 'deliver') continue;
    const bytes = toHex(f.message.bytes);
    assert.is(pushed.get(f.seq) ?? bytes, bytes, `seq ${f.seq} pushed with different bytes`);
    pushed.set(f.seq, bytes);
  }
  return pushed;
}

test('every process answers to the one relay key', async () => {
  if (cluster === undefined) return;
  for (const relay of cluster.relays) {
    const config = (await (await fetch(`${relay.url}/config.json`)).json()) as { relayPublicKey: string };
    assert.equal(fromBase64Url(config.relayPublicKey), new Uint8Array(cluster.publicKey));
  }
});

test('members on three processes: join, chat, rotate, remove', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const owner = await identity();
  const b = await identity();
  const c = await identity();
  const ownerClient = await connect(r0);
  const bClient = await connect(r1);
  const cClient = await connect(r2);
  const room = await createRoom(ownerClient, owner);
  // Each admission pushes joinPending, then the add event, its rotation and welcomeReady between processes.
  await admit(room, ownerClient, owner, bClient, b);
  await admit(room, ownerClient, owner, cClient, c);

  const seq1 = await send(ownerClient, await room.message(owner, 1));
  const seq2 = await send(bClient, await room.message(b, 1));
  for (const [client, seq] of [[bClient, seq1], [cClient, seq1], [ownerClient, seq2], [cClient, seq2]] as const) {
    await client.waitFor((f) => f.type === 'deliver' && f.seq === seq);
  }
  assert.equal([seq1, seq2], [1, 2]);

  const rotated = room.epoch + 1;
  const rotation = await room.rotation(owner, rotated, [owner.sign, b.sign, c.sign]);
  expectOk(await ownerClient.request({ type: 'rotate', rid: ownerClient.nextRid(), rotation }), 'rotate');
  room.epoch = rotated;
  await bClient.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === rotated);
  await cClient.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === rotated);

  const remove = await room.event(owner, 'remove', c, 'member');
  const sealed = await room.rotation(owner, rotated + 1, [owner.sign, b.sign], room.events.length + 1, eventHash(remove));
  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: remove, rotation: sealed, welcome: undefined }), 'remove');
  room.accept(remove);
  room.epoch = rotated + 1;
  await cClient.waitFor((f) => f.type === 'event' && f.event.kind === 'remove');
  await bClient.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === rotated + 1);
  // The removal reached c's process: its binding is gone there too.
  assert.is(outcome(await cClient.request({ type: 'send', rid: cClient.nextRid(), message: await room.message(c, 2, rotated) })), 'NOT_AUTHENTICATED');
  const seq3 = await send(bClient, await room.message(b, 2));
  await ownerClient.waitFor((f) => f.type === 'deliver' && f.seq === seq3);
});

test('an invite raced from two processes has exactly one winner', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const owner = await identity();
  const ownerClient = await connect(r0);
  const room = await createRoom(ownerClient, owner);
  const racers = [await connect(r1), await connect(r2)];
  for (let round = 0; round < 5; round++) {
    const inviteKey = await signingKey();
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
    const requests = await Promise.all(racers.map(async () => room.joinRequest(inviteKey, await identity())));
    const answers = await Promise.all(racers.map((client, i) => client.request({ type: 'joinRequest', rid: client.nextRid(), request: requests[i]! })));
    assert.equal(answers.map(outcome).sort(), ['INVITE_USED', 'ok'], `round ${round}`);
  }
});

test('a process killed mid-chat: nothing acknowledged is lost, a repeated push repeats the same record', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const owner = await identity();
  const b: Identity = await identity();
  const ownerClient = await connect(r0);
  let bClient = await connect(r1);
  const room = await createRoom(ownerClient, owner);
  await admit(room, ownerClient, owner, bClient, b);

  const messages = await Promise.all(Array.from({ length: 40 }, (_, i) => room.message(b, i + 1)));
  const acked = new Map<number, string>();
  let next = 0;
  const sending = (async () => {
    for (; next < messages.length; next++) {
      const answer = await bClient.request({ type: 'send', rid: bClient.nextRid(), message: messages[next]! }).catch(() => undefined);
      if (answer === undefined || answer.type !== 'ok') return;
      acked.set(answer.value, toHex(messages[next]!.bytes));
    }
  })();
  while (acked.size < 10) await new Promise((resolve) => setTimeout(resolve, 5));
  await r1.kill('SIGKILL');
  await sending;
  await bClient.closed;

  // b reconnects to another process and resends from the first unacknowledged message: a resend
  // of a message that was committed gets its stored seq back, so nothing is stored twice.
  bClient = await connect(r2);
  expectOk(await bClient.request(await authFrame(bClient, room.roomId, 'member', b)), 'reauth');
  for (let i = next; i < messages.length; i++) acked.set(await send(bClient, messages[i]!), toHex(messages[i]!.bytes));

  // The owner never disconnected. A message the killed process committed but never published is
  // pushed when b resends it; a seq pushed twice carries the same record, which clients drop.
  // A sync fills anything whose push died with the process; the store holds each message once.
  for (const [seq, bytes] of delivered(ownerClient)) assert.is(acked.get(seq), bytes, `pushed seq ${seq}`);
  const stored = await syncAll(ownerClient, room);
  assert.equal([...stored.keys()].sort((x, y) => x - y), Array.from({ length: messages.length }, (_, i) => i + 1));
  for (const [seq, bytes] of acked) assert.is(stored.get(seq), bytes, `seq ${seq}`);
  await r1.restart();
});

test('Redis lost and back: sessions are told to reconnect, and a sync has what was sent meanwhile', async () => {
  if (cluster === undefined) return;
  const [r0, r1] = cluster.relays as [RelayProcess, RelayProcess];
  const owner = await identity();
  const b = await identity();
  const ownerClient = await connect(r0);
  const bClient = await connect(r1);
  const room = await createRoom(ownerClient, owner);
  await admit(room, ownerClient, owner, bClient, b);

  await cluster.redis.kill();
  // PostgreSQL still takes the message: the ack means it is stored, only the push waits.
  const seq = await send(bClient, await room.message(b, 1));
  await cluster.redis.restart();
  assert.is((await ownerClient.closed).code, 1012);
  const again = await connect(r0);
  expectOk(await again.request(await authFrame(again, room.roomId, 'member', owner)), 'reauth');
  assert.ok((await syncAll(again, room)).has(seq));
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await cluster?.stop();
});

test.run();
