// Renaming a room against who may (docs/protocol.md §9.3, V-150, V-151): only an owner or an admin
// renames it, judged by every member on the signed log, both at the log head the rename's header
// names and now; a member's signed rename changes nothing anywhere, however it dates its log. The
// name travels only inside the encryption. Real relay, real clients; the attackers send records the
// honest client would not seal.
//
// How it fails without the rule: on the parent commit the file does not compile (there is no
// renameRoom, no rename notice). With the receivers' old check (the current roster only, which
// receiving.ts made before this change) put back into dist/protocol/client/room-name.js, the third
// test fails at "bob's rename from before his promotion changes nothing" (the backdated rename is
// taken); with only the named log head checked, the second fails at "the demoted admin's rename
// changes nothing".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorName } from '../../../protocol/client/client-context.js';
import { currentRoster, type RoomState } from '../../../protocol/client/room-state.js';
import { memberOf } from '../../../protocol/membership/roster.js';
import { encodeClientFrame } from '../../../protocol/wire/frames.js';
import { HostileRelay, readPast, settle, until, type Person } from './hostile-relay.js';
import { chainKeyAt, nextIndex } from '../../helpers/keystore-reader.js';
import { forgeContentMessage } from './forge.js';
import { script } from './tap.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

function renameNotices(person: Person, roomId: string): string[] {
  return person.client.notices(roomId).filter((n) => n.kind === 'renamed').map((n) => `${n.actor}: ${n.name ?? ''}`);
}

function roomName(person: Person, roomId: string): string | undefined {
  return person.client.rooms().find((r) => r.roomId === roomId)?.name;
}

/** A rename sealed from `keys` (a member's saved state, possibly older than now), sent in place of `member`'s next message. */
async function sendForgedRename(member: Person, roomId: string, keys: RoomState, name: string): Promise<void> {
  const index = nextIndex(keys, keys.epoch, keys.me.sign.publicKey);
  const forged = await forgeContentMessage(keys, index, chainKeyAt(keys, keys.epoch, keys.me.sign.publicKey, index)!, { type: 'roomName', time: Date.now(), text: name });
  let swapped = false;
  member.tap.script = script({ toRelay: (f) => (f.type === 'send' && !swapped ? ((swapped = true), [{ ...f, message: forged }]) : [f]) });
  await member.client.send(roomId, 'cover');
}

/**
 * `member`'s saved state once it shows `member` with `role` and holds `marker` (so its counters are
 * the ones the client goes on from): the keystore is saved a moment after a change.
 */
async function savedAs(member: Person, roomId: string, role: 'admin' | 'member', marker: string): Promise<RoomState> {
  for (let tries = 0; tries < 100; tries++) {
    const keys = await member.secrets(roomId);
    if (memberOf(currentRoster(keys)!, keys.me.sign.publicKey)?.role === role && keys.messages.some((m) => m.text === marker)) return keys;
    await settle(50);
  }
  throw new Error(`${member.name}'s keystore never saved it as ${role}`);
}

test('V-150 V-151: the owner renames the room: every member takes the name and tells who renamed it; the name is in no frame the relay sees', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  assert.equal(renameNotices(alice!, roomId), [], 'naming the room at its creation is no rename');
  await alice!.client.renameRoom(roomId, 'Quartz Lantern Society');
  await until(() => roomName(bob!, roomId) === 'Quartz Lantern Society', 'bob takes the new name');
  for (const person of [alice!, bob!]) assert.equal(renameNotices(person, roomId), ['alice: Quartz Lantern Society'], `${person.name}'s notice`);
  const name = new TextEncoder().encode('Quartz Lantern');
  const framesToRelay = alice!.tap.fromClient.map((f) => encodeClientFrame(f));
  assert.ok(framesToRelay.length > 0);
  assert.ok(framesToRelay.every((bytes) => Buffer.from(bytes).indexOf(name) === -1), 'the name is never in the clear on the wire');
  // The same name again is no news.
  await alice!.client.renameRoom(roomId, 'Quartz Lantern Society');
  await readPast(alice!, [bob!], roomId, 'after the same name');
  assert.is(renameNotices(bob!, roomId).length, 1);
  // Kept in the keystore: Bob's next start has the name and the notice.
  const saved = bob!.saved!;
  await bob!.client.close();
  const again = await relay.person('bob', saved);
  assert.is(roomName(again, roomId), 'Quartz Lantern Society');
  assert.equal(renameNotices(again, roomId), ['alice: Quartz Lantern Society']);
});

test('V-150: a member cannot rename the room: the client refuses (NOT_ADMIN), and a demoted admin’s signed rename changes nothing anywhere', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  const refused = await carol!.client.renameRoom(roomId, 'Carol’s room').then(() => undefined, (error: unknown) => errorName(error));
  assert.is(refused, 'NOT_ADMIN');
  await alice!.client.setRole(roomId, bob!.client.identity(roomId), 'admin');
  await until(() => bob!.client.rooms().find((r) => r.roomId === roomId)?.role === 'admin', 'bob is an admin');
  await readPast(alice!, [bob!], roomId, 'bob is an admin');
  const asAdmin = await savedAs(bob!, roomId, 'admin', 'bob is an admin');
  await alice!.client.setRole(roomId, bob!.client.identity(roomId), 'member');
  await until(() => bob!.client.rooms().find((r) => r.roomId === roomId)?.role === 'member', 'bob is a member again');
  // Sealed with his log from while he was an admin: the head it names says admin, the log now says member.
  await sendForgedRename(bob!, roomId, asAdmin, 'Bob took over');
  await readPast(alice!, [bob!, carol!], roomId, 'after the demoted rename');
  for (const person of [alice!, bob!, carol!]) {
    assert.is(roomName(person, roomId), 'alice\'s room', `the demoted admin's rename changes nothing at ${person.name}`);
    assert.equal(renameNotices(person, roomId), []);
  }
});

test('V-150: a rename dated before its sender’s promotion does not count, though the sender is an admin when it arrives', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  await readPast(alice!, [bob!], roomId, 'bob is a member');
  const asMember = await savedAs(bob!, roomId, 'member', 'bob is a member');
  await alice!.client.setRole(roomId, bob!.client.identity(roomId), 'admin');
  await until(() => carol!.client.rooms().find((r) => r.roomId === roomId)?.role !== undefined
    && carol!.client.members(roomId).find((m) => m.sign === bob!.client.identity(roomId))?.role === 'admin', 'carol holds the promotion');
  await until(() => bob!.client.rooms().find((r) => r.roomId === roomId)?.role === 'admin', 'bob is an admin');
  await sendForgedRename(bob!, roomId, asMember, 'Renamed by a member');
  await readPast(alice!, [bob!, carol!], roomId, 'after the backdated rename');
  for (const person of [alice!, bob!, carol!]) {
    assert.is(roomName(person, roomId), 'alice\'s room', `bob's rename from before his promotion changes nothing at ${person.name}`);
  }
  // As the admin he now is, his own rename counts everywhere.
  bob!.tap.script = script({});
  await bob!.client.renameRoom(roomId, 'Renamed by an admin');
  await until(() => roomName(carol!, roomId) === 'Renamed by an admin' && roomName(alice!, roomId) === 'Renamed by an admin', 'the admin’s rename reaches everyone');
  assert.equal(renameNotices(carol!, roomId), ['bob: Renamed by an admin']);
});

test.run();
