// Key updates through a real relay process (docs/protocol.md §8.5): a keystore restored from an
// export replaces its keys in every room on its first connection, the copy left behind is shut out,
// and a client's schedule updates its keys by itself. Names, roles and the shared room code follow.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync } from 'node:fs';
import { FilePersistence } from '../../client/file-persistence.js';
import { admit, openAssembledClient, openTestClient, texts, TEST_KDF, TEST_PASSPHRASE, waitUntil, warnings, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);

function epochOf(c: TestClient, roomId: string): number {
  return c.client.rooms().find((r) => r.roomId === roomId)!.epoch;
}

test('a keystore restored from an export replaces its keys on its first connection; the copy left behind is shut out', async () => {
  const alice = e2e.track(await openTestClient(e2e.relay.url));
  const device = e2e.tempDir('sotto-update-device-');
  const bob = e2e.track(await openAssembledClient(e2e.relay.url, { persistence: new FilePersistence(device.path, TEST_PASSPHRASE, TEST_KDF) }, device.path));
  const roomId = await alice.client.createRoom('Allotment', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  await bob.client.send(roomId, 'before the export');
  await waitUntil(() => texts(alice, roomId).includes('before the export'), 'alice reads bob');
  const oldKey = bob.client.identity(roomId);
  const epoch = epochOf(bob, roomId);
  const codeBefore = alice.client.roomCode(roomId);

  // The export: the keystore as it stands (its state file and its history records), restored on another device.
  await bob.client.close();
  const restoredDir = e2e.tempDir('sotto-update-restored-');
  cpSync(device.path, restoredDir.path, { recursive: true });
  const restored = e2e.track(await openAssembledClient(e2e.relay.url, {
    persistence: new FilePersistence(restoredDir.path, TEST_PASSPHRASE, TEST_KDF), imported: true,
  }, restoredDir.path));
  await waitUntil(() => restored.client.identity(roomId) !== oldKey, 'the restored keystore updates its keys');
  const newKey = restored.client.identity(roomId);
  await waitUntil(() => epochOf(alice, roomId) > epoch && epochOf(alice, roomId) === epochOf(restored, roomId), 'a new epoch at both');
  // The verification code members compare changes with the update's epoch, and still agrees.
  assert.is(alice.client.roomCode(roomId), restored.client.roomCode(roomId));
  assert.not.equal(alice.client.roomCode(roomId), codeBefore);
  const bobs = alice.client.members(roomId).filter((m) => m.name === 'Bob');
  assert.equal(bobs.map((m) => [m.sign, m.role]), [[newKey, 'member']]);
  assert.ok(restored.client.messages(roomId).some((m) => m.text === 'before the export' && m.mine), 'history stays, still ours');

  await restored.client.send(roomId, 'after the restore');
  await waitUntil(() => texts(alice, roomId).includes('after the restore'), 'alice reads the restored bob');
  assert.is(alice.client.messages(roomId).find((m) => m.text === 'after the restore')!.sender, newKey);
  await alice.client.send(roomId, 'welcome back');
  await waitUntil(() => texts(restored, roomId).includes('welcome back'), 'the restored bob reads alice');

  // The keystore left on the old device holds only the replaced keys: the relay no longer binds them.
  const left = e2e.track(await openAssembledClient(e2e.relay.url, { persistence: new FilePersistence(device.path, TEST_PASSPHRASE, TEST_KDF) }, device.path));
  await waitUntil(() => warnings(left).some((w) => w.type === 'warning' && w.error === 'NOT_MEMBER'), 'the old copy is refused');
  assert.not.ok(texts(left, roomId).includes('welcome back'));
  assert.is(left.client.identity(roomId), oldKey);
});

test('the schedule updates a member’s keys by itself', async () => {
  const alice = e2e.track(await openTestClient(e2e.relay.url));
  const carol = e2e.track(await openAssembledClient(e2e.relay.url, { keyUpdateIntervalMs: 1 }));
  const roomId = await alice.client.createRoom('Choir', 'Alice');
  const epoch = epochOf(alice, roomId);
  const { link } = await alice.client.createInvite(roomId);
  await carol.client.join(link, 'Carol');
  const joinKey = carol.client.identity(roomId);
  await waitUntil(() => carol.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'carol admitted');
  const added = alice.client.members(roomId).length;
  // Her add's key is due at once under a 1 ms interval: the update follows the join by itself.
  await waitUntil(() => carol.client.identity(roomId) !== joinKey, 'carol replaces the keys she joined with');
  await waitUntil(() => alice.client.members(roomId).some((m) => m.name === 'Carol' && m.sign === carol.client.identity(roomId)), 'alice knows carol by her current key');
  await waitUntil(() => epochOf(alice, roomId) >= epoch + 2, 'the add and the update each started an epoch');
  assert.is(alice.client.members(roomId).length, added);
  await carol.client.send(roomId, 'hello from new keys');
  await waitUntil(() => texts(alice, roomId).includes('hello from new keys'), 'alice reads carol');
});

test.run();
