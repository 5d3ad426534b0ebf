// The timeline's notices through the client's view API (protocol/client/notices.ts), with a real
// relay: each comes from the signed membership log or an epoch this client holds, and every member
// derives the same ones for the same events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admit, openTestClient, waitUntil, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);

async function client(): Promise<TestClient> {
  const c = await openTestClient(e2e.relay.url);
  e2e.track(c);
  return c;
}

/** The log notices as kind:actor→subject[:role], which two members must agree on. */
function logNotices(c: TestClient, roomId: string): string[] {
  return c.client.notices(roomId).filter((n) => n.kind !== 'code')
    .map((n) => `${n.kind}:${n.actor}→${n.subject}${n.role === undefined ? '' : `:${n.role}`}`);
}

test('created, joined, role changed, removed, left and each new room code, from the signed log and epochs', async () => {
  const alice = await client();
  const bob = await client();
  const carol = await client();
  const roomId = await alice.client.createRoom('Notices', 'Alice');
  // Named once Alice's profile (an encrypted message) comes back; the notice follows the name.
  await waitUntil(() => logNotices(alice, roomId).join() === 'created:Alice→Alice', 'the creation notice names Alice');
  await admit(alice, roomId, bob, 'Bob');
  await admit(alice, roomId, carol, 'Carol');
  await alice.client.setRole(roomId, bob.client.identity(roomId), 'admin');
  await waitUntil(() => logNotices(carol, roomId).some((n) => n.startsWith('role:')), 'carol sees the role change');
  await alice.client.remove(roomId, carol.client.identity(roomId));
  await bob.client.leave(roomId);
  await waitUntil(() => logNotices(alice, roomId).some((n) => n.startsWith('left:')), 'alice sees bob leave');

  assert.equal(logNotices(alice, roomId), [
    'created:Alice→Alice',
    'joined:Alice→Bob:member',
    'joined:Alice→Carol:member',
    'role:Alice→Bob:admin',
    'removed:Alice→Carol',
    'left:Bob→Bob',
  ]);
  // Carol's view of the same log, up to her removal, says the same (and "me" where it was her).
  assert.equal(logNotices(carol, roomId).slice(0, 4), logNotices(alice, roomId).slice(0, 4));
  const carolJoin = carol.client.notices(roomId).find((n) => n.kind === 'joined' && n.subjectMe);
  assert.ok(carolJoin !== undefined, 'carol’s own join is marked as hers');

  // Each add, role-neutral removal and leave started a new epoch: one code notice per epoch after
  // the first, the latest with the code the room shows now.
  const codes = alice.client.notices(roomId).filter((n) => n.kind === 'code');
  assert.ok(codes.length >= 3, `${codes.length} code notices`);
  assert.equal(codes.map((n) => n.epoch), [...codes.map((n) => n.epoch!)].sort((a, b) => a - b));
  assert.is(codes[codes.length - 1]!.code, alice.client.roomCode(roomId));
  const times = alice.client.notices(roomId).map((n) => n.time);
  assert.equal(times, [...times].sort((a, b) => a - b), 'oldest first');
});

test.run();
