// Replies, reactions, edits and deletes (docs/protocol.md §9.1) between two clients through a real
// relay: each is an ordinary encrypted, signed message, and both members fold it into the message
// it names the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admit, openTestClient, waitUntil, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';
import type { TimelineMessage } from '../../protocol/client/timeline-fold.js';

const e2e = relaySuite(test);

async function client(): Promise<TestClient> {
  const c = await openTestClient(e2e.relay.url);
  e2e.track(c);
  return c;
}

function find(c: TestClient, roomId: string, text: string): TimelineMessage | undefined {
  return c.client.messages(roomId).find((m) => m.text === text);
}

/** What both members must agree on: text, quote, reactions, edit history, deleted. */
function shape(c: TestClient, roomId: string): unknown[] {
  return c.client.messages(roomId).map((m) => ({
    text: m.text, deleted: m.deleted, edits: m.edits.map((e) => e.text),
    quote: m.replyTo === undefined ? undefined : 'missing' in m.replyTo ? 'missing' : m.replyTo.text,
    reactions: m.reactions.map((r) => `${r.emoji}${r.count}:${r.by.join('+')}`),
  }));
}

test('V-120: a reply quotes its message, reactions count once per member and can be replaced, and both members see the same', async () => {
  const alice = await client();
  const bob = await client();
  const roomId = await alice.client.createRoom('Timeline', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  await alice.client.send(roomId, 'lunch at noon?');
  await waitUntil(() => find(bob, roomId, 'lunch at noon?') !== undefined, 'bob reads alice');
  const ref = find(bob, roomId, 'lunch at noon?')!.ref!;
  await bob.client.reply(roomId, ref, 'yes!');
  await bob.client.react(roomId, ref, '👍');
  await alice.client.react(roomId, ref, '😂');
  await alice.client.react(roomId, ref, '👍'); // replaces her 😂
  await waitUntil(() => find(bob, roomId, 'lunch at noon?')!.reactions.some((r) => r.count === 2), 'bob sees both reactions');
  await waitUntil(() => find(alice, roomId, 'yes!') !== undefined && find(alice, roomId, 'lunch at noon?')!.reactions[0]?.count === 2, 'alice sees the reply and the reactions');
  const reply = find(alice, roomId, 'yes!')!;
  assert.ok(reply.replyTo !== undefined && !('missing' in reply.replyTo));
  assert.is(reply.replyTo.text, 'lunch at noon?');
  assert.is(reply.replyTo.seq, find(alice, roomId, 'lunch at noon?')!.seq, 'the quote jumps to its message');
  assert.equal(find(alice, roomId, 'lunch at noon?')!.reactions, [{ emoji: '👍', count: 2, by: ['Bob', 'Alice'], mine: true }]);
  assert.equal(shape(alice, roomId), shape(bob, roomId));
  await bob.client.react(roomId, ref, ''); // withdrawn
  await waitUntil(() => find(alice, roomId, 'lunch at noon?')!.reactions[0]?.count === 1, 'alice sees bob withdraw');
  // Reactions are no messages: two texts listed, nothing unread from them.
  assert.equal(alice.client.messages(roomId).map((m) => m.text), ['lunch at noon?', 'yes!']);
});

test('V-121 V-123: the author edits (marked, earlier texts kept) and deletes for everyone (text wiped, quotes and reactions gone)', async () => {
  const alice = await client();
  const bob = await client();
  const roomId = await alice.client.createRoom('Edits', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  await alice.client.send(roomId, 'meet at 5');
  await waitUntil(() => find(bob, roomId, 'meet at 5') !== undefined, 'bob reads alice');
  const ref = find(alice, roomId, 'meet at 5')!.ref!;
  await alice.client.edit(roomId, ref, 'meet at 6');
  await waitUntil(() => find(bob, roomId, 'meet at 6') !== undefined, 'bob sees the edit');
  assert.equal(find(bob, roomId, 'meet at 6')!.edits.map((e) => e.text), ['meet at 5']);
  assert.is(find(bob, roomId, 'meet at 6')!.ref, ref, 'the edit is folded into its message, not a new one');
  await bob.client.reply(roomId, ref, 'ok');
  await bob.client.react(roomId, ref, '👍');
  await waitUntil(() => find(alice, roomId, 'ok') !== undefined && find(alice, roomId, 'meet at 6')!.reactions.length === 1, 'alice sees the reply and reaction');
  await alice.client.deleteMessage(roomId, ref);
  await waitUntil(() => bob.client.messages(roomId).some((m) => m.deleted), 'bob sees the delete');
  for (const c of [alice, bob]) {
    await waitUntil(() => c.client.messages(roomId).some((m) => m.deleted && !m.pending), 'the delete is acknowledged');
    const gone = c.client.messages(roomId).find((m) => m.ref === ref)!;
    assert.equal({ text: gone.text, deleted: gone.deleted, edits: gone.edits, reactions: gone.reactions }, { text: '', deleted: true, edits: [], reactions: [] });
    const quote = find(c, roomId, 'ok')!.replyTo!;
    assert.ok(!('missing' in quote) && quote.deleted && quote.text === '', 'the quote says deleted');
  }
  const views = JSON.stringify(bob.client.messages(roomId)) + JSON.stringify(alice.client.messages(roomId));
  assert.not.ok(views.includes('meet at'), 'no text of the deleted message or its edit is shown');
});

test('a member marked verified who replaces their keys: the notice says the safety number changed, and the new key is not verified', async () => {
  const alice = await client();
  const bob = await client();
  const roomId = await alice.client.createRoom('Verified', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  const aliceKey = alice.client.identity(roomId);
  const before = bob.client.members(roomId).find((m) => m.sign === aliceKey)!;
  assert.is(before.safetyNumber, alice.client.members(roomId).find((m) => m.sign === bob.client.identity(roomId))!.safetyNumber, 'one number on both sides');
  bob.client.setVerified(roomId, aliceKey, true);
  assert.ok(bob.client.members(roomId).find((m) => m.sign === aliceKey)!.verified);
  await alice.client.updateKeys(roomId);
  await waitUntil(() => bob.client.notices(roomId).some((n) => n.kind === 'keys'), 'bob sees the key update');
  const notice = bob.client.notices(roomId).find((n) => n.kind === 'keys')!;
  assert.is(notice.wasVerified, true);
  const now = bob.client.members(roomId).find((m) => m.name === 'Alice')!;
  assert.is.not(now.sign, aliceKey);
  assert.is(now.verified, false, 'the new key is not verified');
  assert.is.not(now.safetyNumber, before.safetyNumber);
});

test.run();
