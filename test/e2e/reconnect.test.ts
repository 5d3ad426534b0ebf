// Connection loss and history: a dropped socket reconnects and catches up without duplicates, a
// client restarted from its data directory resumes where it was, and a new member's history
// starts at its join epoch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDroppableClient, openTestClient, texts, waitUntil, warnings, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);

async function pair(aliceDir?: string, bobDir?: string): Promise<{ alice: TestClient; bob: TestClient; roomId: string }> {
  const alice = e2e.track(await openDroppableClient(e2e.relay.url, aliceDir));
  const bob = e2e.track(await openDroppableClient(e2e.relay.url, bobDir));
  const roomId = await alice.client.createRoom('Reconnects', 'Alice');
  const { link } = await alice.client.createInvite(roomId);
  await bob.client.join(link, 'Bob');
  await waitUntil(() => bob.client.rooms()[0]?.status === 'member', 'bob admitted');
  return { alice, bob, roomId };
}

function assertNoDuplicates(c: TestClient, roomId: string): void {
  const seqs = c.client.messages(roomId).map((m) => m.seq);
  assert.is(new Set(seqs).size, seqs.length, 'a message is shown twice');
  const list = texts(c, roomId);
  assert.is(new Set(list).size, list.length, 'a text is shown twice');
}

test('a dropped socket reconnects: messages sent while away arrive once, ours go out once', async () => {
  const { alice, bob, roomId } = await pair();
  await alice.client.send(roomId, 'before the drop');
  await waitUntil(() => texts(bob, roomId).includes('before the drop'), 'bob reads');

  alice.dropSocket!();
  await waitUntil(() => alice.client.status !== 'online', 'alice notices the drop');
  const fromBob = ['away 1', 'away 2', 'away 3'];
  for (const text of fromBob) await bob.client.send(roomId, text);
  const mine = alice.client.send(roomId, 'sent while offline');
  await waitUntil(() => alice.client.status === 'online', 'alice back online');
  assert.ok((await mine) > 0);
  await waitUntil(() => fromBob.every((t) => texts(alice, roomId).includes(t)), 'alice catches up');
  await waitUntil(() => texts(bob, roomId).includes('sent while offline'), 'bob reads the queued message');

  // Drop again mid-stream: whatever was in flight is resent, and shown once.
  const burst = Array.from({ length: 20 }, (_, i) => `burst ${i}`);
  const acks = burst.map((t) => alice.client.send(roomId, t));
  alice.dropSocket!();
  await Promise.all(acks);
  await waitUntil(() => burst.every((t) => texts(bob, roomId).includes(t)), 'bob reads the burst');
  await waitUntil(() => burst.every((t) => texts(alice, roomId).includes(t)), 'alice shows the burst');
  assertNoDuplicates(alice, roomId);
  assertNoDuplicates(bob, roomId);
  const statuses = alice.events.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.status : ''));
  assert.ok(statuses.includes('offline') && statuses.includes('connecting') && statuses.includes('online'));
  assert.equal(warnings(alice), []);
  assert.equal(warnings(bob), []);
});

test('a returning member restarted from its data directory catches up and sends on', async () => {
  const bobDir = e2e.tempDir('sotto-e2e-bob-');
  const { alice, bob, roomId } = await pair(undefined, bobDir.path);
  await bob.client.send(roomId, 'bob before restart');
  await alice.client.send(roomId, 'alice before restart');
  await waitUntil(() => texts(bob, roomId).includes('alice before restart'), 'bob reads');
  await bob.client.close();

  const missed = ['missed 1', 'missed 2', 'missed 3', 'missed 4'];
  for (const text of missed) await alice.client.send(roomId, text);
  const again = e2e.track(await openTestClient(e2e.relay.url, bobDir.path));
  assert.is(again.client.rooms()[0]!.status, 'member');
  assert.ok(texts(again, roomId).includes('alice before restart'), 'history survives the restart');
  await waitUntil(() => missed.every((t) => texts(again, roomId).includes(t)), 'bob catches up');
  await again.client.send(roomId, 'bob after restart');
  await waitUntil(() => texts(alice, roomId).includes('bob after restart'), 'alice reads bob after his restart');
  assertNoDuplicates(again, roomId);
  assertNoDuplicates(alice, roomId);
  assert.equal(warnings(alice), []);
  assert.equal(warnings(again), []);
});

// Protocol 1 handed a joiner the current epoch's key, so it read that epoch's earlier messages;
// protocol 2's add starts a new epoch, and the joiner's history starts there (issue 14, problem 3).
test('a new member fetches history from the epoch its add started, and nothing before it', async () => {
  const { alice, bob, roomId } = await pair();
  await alice.client.send(roomId, 'epoch 0 secret');
  await waitUntil(() => texts(bob, roomId).includes('epoch 0 secret'), 'bob reads');
  const rotated = await alice.client.rotate(roomId);
  await waitUntil(() => bob.client.rooms()[0]!.epoch === rotated, 'bob has the new epoch');
  await bob.client.send(roomId, 'same epoch, before carol');

  const carol = e2e.track(await openTestClient(e2e.relay.url));
  const { link } = await alice.client.createInvite(roomId);
  await carol.client.join(link, 'Carol');
  await waitUntil(() => carol.client.rooms()[0]?.status === 'member', 'carol admitted');
  const joinEpoch = carol.client.rooms()[0]!.epoch;
  assert.ok(joinEpoch > rotated, 'the add started a new epoch');
  await alice.client.send(roomId, 'welcome carol');
  await waitUntil(() => texts(carol, roomId).includes('welcome carol'), 'carol reads new messages');
  assert.not.ok(texts(carol, roomId).includes('epoch 0 secret'));
  assert.not.ok(texts(carol, roomId).includes('same epoch, before carol'));
  assert.ok(carol.client.messages(roomId).every((m) => m.epoch >= joinEpoch));
  assert.equal(warnings(carol), []);
});

test.run();
