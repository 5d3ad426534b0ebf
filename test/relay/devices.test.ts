// The relay's side of a person's devices (docs/protocol.md §8.7, V-141, V-142): a `device` event is
// a commit with its rotation and no welcome; the new device binds as a member and reads only from
// the epoch its add starts; an admin's removal of a person ends every device's binding. Written
// before the relay knew the kind: there the device event was BAD_VALUE and a remove took one key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventHash } from '../../protocol/membership/roster.js';
import type { RelayFrame } from '../../protocol/wire/frames.js';
import type { RawClient } from '../helpers/raw-client.js';
import { InProcessRelay } from './in-process-relay.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, type Identity, type RoomModel } from './fixtures.js';

let served: InProcessRelay;

test.before(async () => {
  served = await InProcessRelay.start('relay-devices');
});

test.after(async () => {
  await served.close();
});

function connect(): Promise<RawClient> {
  return served.connect();
}

interface Linked {
  readonly room: RoomModel;
  readonly owner: { readonly client: RawClient; readonly who: Identity };
  readonly alice: { readonly client: RawClient; readonly who: Identity };
  readonly phone: { readonly client: RawClient; readonly who: Identity };
}

function append(client: RawClient, event: Parameters<RoomModel['accept']>[0], rotation: Awaited<ReturnType<RoomModel['rotation']>> | undefined): Promise<RelayFrame> {
  return client.request({ type: 'appendEvent', rid: client.nextRid(), event, rotation, welcome: undefined });
}

/** Owner and Alice in a room; Alice's laptop links her phone. */
async function linked(): Promise<Linked> {
  const owner = { client: await connect(), who: await identity() };
  const room = await createRoom(owner.client, owner.who);
  const alice = { client: await connect(), who: await identity() };
  await admit(room, owner.client, owner.who, alice.client, alice.who);
  const phone = { client: await connect(), who: await identity() };
  const device = await room.event(alice.who, 'device', phone.who, 'member');
  const rotation = await room.rotation(alice.who, room.epoch + 1, room.members(device), device.index + 1, eventHash(device));
  assert.is(outcome(await append(alice.client, device, undefined)), 'BAD_ROTATION', 'a device add without its rotation');
  expectOk(await append(alice.client, device, rotation), 'device add');
  room.accept(device);
  room.epoch++;
  return { room, owner, alice, phone };
}

function expectSyncDone(frame: RelayFrame): void {
  assert.is(frame.type, 'syncDone', outcome(frame));
}

test('V-141: a device add commits with its rotation; the new device binds as a member and syncs from its own epoch', async () => {
  const { room, owner, phone } = await linked();
  await owner.client.waitFor((f) => f.type === 'event' && f.event.kind === 'device');
  await owner.client.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === room.epoch);
  expectOk(await phone.client.request(await authFrame(phone.client, room.roomId, 'member', phone.who)), 'the device binds');
  expectOk(await phone.client.request({ type: 'send', rid: phone.client.nextRid(), message: await room.message(phone.who, 1) }), 'the device sends');
  phone.client.take();
  expectSyncDone(await phone.client.request({ type: 'sync', rid: phone.client.nextRid(), roomId: room.roomId, logFrom: 0, epochFrom: 0, seqFrom: 0, limit: 100 }));
  const frames = phone.client.take();
  const epochs = frames.flatMap((f) => (f.type === 'rotation' ? [f.rotation.epoch] : []));
  assert.equal(epochs, [room.epoch], 'no rotation from before the device’s add');
  assert.is(frames.filter((f) => f.type === 'event').length, room.events.length, 'the whole log, to replay from the genesis');
});

test('V-142: an admin removing a person unbinds and removes every one of its devices', async () => {
  const { room, owner, alice, phone } = await linked();
  expectOk(await phone.client.request(await authFrame(phone.client, room.roomId, 'member', phone.who)), 'the device binds');
  const remove = await room.event(owner.who, 'remove', alice.who, 'member');
  const rotation = await room.rotation(owner.who, room.epoch + 1, [owner.who.sign], room.events.length + 1, eventHash(remove));
  const partial = await room.rotation(owner.who, room.epoch + 1, [owner.who.sign, phone.who.sign], room.events.length + 1, eventHash(remove));
  assert.is(outcome(await append(owner.client, remove, partial)), 'BAD_ROTATION', 'a rotation still naming the other device');
  expectOk(await append(owner.client, remove, rotation), 'remove Alice');
  room.accept(remove);
  room.epoch++;
  await phone.client.waitFor((f) => f.type === 'event' && f.event.kind === 'remove');
  for (const [device, who] of [[alice.client, alice.who], [phone.client, phone.who]] as const) {
    assert.is(outcome(await device.request({ type: 'send', rid: device.nextRid(), message: await room.message(who, 9) })), 'NOT_AUTHENTICATED');
    const fresh = await connect();
    assert.is(outcome(await fresh.request(await authFrame(fresh, room.roomId, 'member', who))), 'NOT_MEMBER');
  }
});

test('V-142: a device removes its sibling alone; the sibling is cut off, the person stays', async () => {
  const { room, owner, alice, phone } = await linked();
  const remove = await room.event(alice.who, 'remove', phone.who, 'member');
  const rotation = await room.rotation(alice.who, room.epoch + 1, [owner.who.sign, alice.who.sign], room.events.length + 1, eventHash(remove));
  expectOk(await append(alice.client, remove, rotation), 'remove the phone');
  room.accept(remove);
  room.epoch++;
  const fresh = await connect();
  assert.is(outcome(await fresh.request(await authFrame(fresh, room.roomId, 'member', phone.who))), 'NOT_MEMBER');
  expectOk(await alice.client.request({ type: 'send', rid: alice.client.nextRid(), message: await room.message(alice.who, 1) }), 'Alice goes on');
});

test.run();
