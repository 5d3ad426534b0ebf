// Checkpoints at the relay (docs/protocol.md §8.4), in-process on real SQLite, real sockets, Noise
// and signatures: who may store one and what it must state (V-46…V-48), and what getInvite serves
// with and without one (V-49).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { buildCheckpoint } from '../../protocol/membership/checkpoint.js';
import { decodeCheckpoint } from '../../protocol/wire/checkpoint.js';
import type { RawClient } from '../helpers/raw-client.js';
import { InProcessRelay } from './in-process-relay.js';
import { admit, createRoom, expectOk, identity, outcome, signingKey, type Identity, type RoomModel } from './fixtures.js';

/** Small, so a log of a hundred events is over it. */
const FRAME_LIMIT = 16 * 1024;

let served: InProcessRelay;

function connect(): Promise<RawClient> {
  return served.connect();
}

test.before(async () => {
  served = await InProcessRelay.start('relay-checkpoint', { maxFrameBytes: FRAME_LIMIT, roomsPerAddressPerHour: 1_000_000 });
});

test.after(async () => {
  await served.close();
});

/** A room with an admin, both bound on their own sockets. */
async function roomWithAdmin(): Promise<{ room: RoomModel; owner: Identity; admin: Identity; ownerClient: RawClient; adminClient: RawClient }> {
  const owner = await identity();
  const admin = await identity();
  const ownerClient = await connect();
  const adminClient = await connect();
  const room = await createRoom(ownerClient, owner);
  await admit(room, ownerClient, owner, adminClient, admin, 'admin');
  return { room, owner, admin, ownerClient, adminClient };
}

/** Flips the admin's role `n` times through the relay. */
async function flipRoles(room: RoomModel, owner: Identity, ownerClient: RawClient, admin: Identity, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const current = room.roster().members.get(toHex(admin.sign))!.role;
    const event = await room.event(owner, 'role', admin, current === 'admin' ? 'member' : 'admin');
    expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event, rotation: undefined, welcome: undefined }), 'role');
    room.accept(event);
  }
}

test('checkpoint: only the bound owner, for the current head, with exactly the relay’s roster', async () => {
  const { room, owner, admin, ownerClient, adminClient } = await roomWithAdmin();
  const send = async (client: RawClient, checkpoint: Awaited<ReturnType<RoomModel['checkpoint']>>): Promise<string> =>
    outcome(await client.request({ type: 'checkpoint', rid: client.nextRid(), checkpoint }));
  // V-46: an admin's own checkpoint; the owner's session sending the admin's; a forged signature.
  assert.is(await send(adminClient, await room.checkpoint(admin)), 'NOT_OWNER');
  assert.is(await send(ownerClient, await room.checkpoint(admin)), 'SENDER_MISMATCH');
  const forged = (await room.checkpoint(owner)).bytes.slice();
  forged[forged.length - 1]! ^= 1;
  assert.is(await send(ownerClient, decodeCheckpoint(forged)), 'BAD_SIGNATURE');
  // V-47: made before the log moved on.
  const stale = await room.checkpoint(owner);
  await flipRoles(room, owner, ownerClient, admin, 1);
  assert.is(await send(ownerClient, stale), 'BAD_CHAIN');
  // V-48: the head, but the admin under its old role, or other settings.
  const roster = room.roster();
  const members = new Map(roster.members);
  const held = members.get(toHex(admin.sign))!;
  members.set(toHex(admin.sign), { ...held, role: held.role === 'admin' ? 'member' : 'admin' });
  assert.is(await send(ownerClient, await buildCheckpoint(owner.key, { ...roster, members })), 'BAD_CHECKPOINT');
  const settings = { ...roster.settings, rotateAfterSeconds: roster.settings.rotateAfterSeconds - 1 };
  assert.is(await send(ownerClient, await buildCheckpoint(owner.key, { ...roster, settings })), 'BAD_CHECKPOINT');
  // The real one: ok with its log length.
  const ok = expectOk(await ownerClient.request({ type: 'checkpoint', rid: ownerClient.nextRid(), checkpoint: await room.checkpoint(owner) }), 'checkpoint');
  assert.is(ok.value, room.events.length);
});

test('getInvite: a log over the frame limit without a checkpoint is LOG_TOO_LONG; with one, the checkpoint and its tail', async () => {
  const { room, owner, admin, ownerClient } = await roomWithAdmin();
  const inviteKey = await signingKey();
  expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'registerInvite');
  const anyone = await connect();
  const getInvite = () => anyone.request({ type: 'getInvite', rid: anyone.nextRid(), roomId: room.roomId, invitePublicKey: inviteKey.publicKey });
  // ~226 bytes an event: 100 of them are over the 16 KiB frame.
  await flipRoles(room, owner, ownerClient, admin, 100);
  assert.is(outcome(await getInvite()), 'LOG_TOO_LONG');

  expectOk(await ownerClient.request({ type: 'checkpoint', rid: ownerClient.nextRid(), checkpoint: await room.checkpoint(owner) }), 'checkpoint');
  await flipRoles(room, owner, ownerClient, admin, 3);
  const info = await getInvite();
  if (info.type !== 'inviteInfo') throw new Error(`expected inviteInfo, got ${outcome(info)}`);
  assert.is(info.checkpoint?.logLength, room.events.length - 3);
  assert.equal(info.events.map((e) => e.index), [room.events.length - 3, room.events.length - 2, room.events.length - 1]);
  // A checkpoint of the new head replaces it.
  expectOk(await ownerClient.request({ type: 'checkpoint', rid: ownerClient.nextRid(), checkpoint: await room.checkpoint(owner) }), 'checkpoint at the head');
  const latest = await getInvite();
  assert.is(latest.type === 'inviteInfo' ? latest.checkpoint?.logLength : -1, room.events.length);
});

test.run();
