// Room flows whose members are spread over several relay processes (scale-out on PostgreSQL + Redis,
// test/scale/multi-node.test.ts) or several worker processes of one relay (--workers,
// test/e2e/relay-workers.test.ts): whatever carries pushes and store calls between the processes,
// members must see the same room, and a process killed mid-chat must lose nothing acknowledged.
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { eventHash } from '../../protocol/membership/roster.js';
import type { MessageRecord } from '../../protocol/wire/message.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, type RoomModel } from '../relay/fixtures.js';
import type { RawClient } from './raw-client.js';

export async function send(client: RawClient, message: MessageRecord): Promise<number> {
  return expectOk(await client.request({ type: 'send', rid: client.nextRid(), message }), 'send').value;
}

/** Every deliver a sync from seq 0 returns, as seq → bytes (hex). */
export async function syncAll(client: RawClient, room: RoomModel): Promise<Map<number, string>> {
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
export function delivered(client: RawClient): Map<number, string> {
  const pushed = new Map<number, string>();
  for (const f of client.received) {
    if (f.type !== 'deliver') continue;
    const bytes = toHex(f.message.bytes);
    assert.is(pushed.get(f.seq) ?? bytes, bytes, `seq ${f.seq} pushed with different bytes`);
    pushed.set(f.seq, bytes);
  }
  return pushed;
}

/** An owner and two members, each on the process its client reached: join, chat, rotate, remove. */
export async function joinChatRotateRemove(ownerClient: RawClient, bClient: RawClient, cClient: RawClient): Promise<void> {
  const owner = await identity();
  const b = await identity();
  const c = await identity();
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
}

export interface KillMidChat {
  /** The owner's client, on a process that stays up. */
  readonly ownerClient: RawClient;
  /** The member's client, on the process that will be killed. */
  readonly bClient: RawClient;
  /** Kills b's process (SIGKILL) and resolves once it is gone. */
  kill(): Promise<void>;
  /** A new client for b, on a process that is up. */
  reconnect(): Promise<RawClient>;
}

/**
 * b sends 40 messages one after another; its process is killed after 10 acknowledgements; b
 * reconnects elsewhere and resends from the first unacknowledged one. Every acknowledged message is
 * stored once, in order, and every push the owner saw carries the stored record.
 */
export async function killMidChat({ ownerClient, bClient: firstB, kill, reconnect }: KillMidChat): Promise<void> {
  const owner = await identity();
  const b = await identity();
  let bClient = firstB;
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
  await kill();
  await sending;
  await bClient.closed;

  // b reconnects to another process and resends from the first unacknowledged message: a resend
  // of a message that was committed gets its stored seq back, so nothing is stored twice.
  bClient = await reconnect();
  expectOk(await bClient.request(await authFrame(bClient, room.roomId, 'member', b)), 'reauth');
  for (let i = next; i < messages.length; i++) acked.set(await send(bClient, messages[i]!), toHex(messages[i]!.bytes));

  // The owner never disconnected. A message the killed process committed but never published is
  // pushed when b resends it; a seq pushed twice carries the same record, which clients drop.
  // A sync fills anything whose push died with the process; the store holds each message once.
  for (const [seq, bytes] of delivered(ownerClient)) assert.is(acked.get(seq), bytes, `pushed seq ${seq}`);
  const stored = await syncAll(ownerClient, room);
  assert.equal([...stored.keys()].sort((x, y) => x - y), Array.from({ length: messages.length }, (_, i) => i + 1));
  for (const [seq, bytes] of acked) assert.is(stored.get(seq), bytes, `seq ${seq}`);
}
