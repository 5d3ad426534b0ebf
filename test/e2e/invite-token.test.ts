// What an invite link is worth once it has done its job (docs/threat-model.md, "Invite links"):
// Chromium keeps the URL a person opened in its History and Sessions databases whatever the page
// does afterwards (the page rewrites its address with replaceState, which is all a page can do),
// so a link must be useless once redeemed or expired. Real relay process, headless clients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSottoError, type ErrorName } from '../../protocol/errors.js';
import { admit, openTestClient, waitUntil, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);

async function client(): Promise<TestClient> {
  return e2e.track(await openTestClient(e2e.relay.url));
}

async function refusal(promise: Promise<unknown>): Promise<ErrorName | string> {
  try {
    await promise;
  } catch (error) {
    return isSottoError(error) ? error.errorName : String(error);
  }
  return 'accepted';
}

test('V-119: an invite link is useless once redeemed or expired: whoever holds it afterwards gets neither the room nor a way in', async () => {
  const alice = await client();
  const bob = await client();
  const thief = await client();
  const roomId = await alice.client.createRoom('Family');
  const { link } = await alice.client.createInvite(roomId);
  await bob.client.join(link, 'Bob');
  await waitUntil(() => bob.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'Bob admitted');
  // Bob's link, read later from his browser's history: the relay shows nothing and admits no one.
  assert.is(await refusal(thief.client.previewInvite(link)), 'INVITE_USED');
  assert.is(await refusal(thief.client.join(link, 'Mallory')), 'INVITE_USED');

  const { link: shortLived, expiresAt } = await alice.client.createInvite(roomId, 1000);
  await waitUntil(() => Date.now() > expiresAt, 'the invite expired');
  assert.is(await refusal(thief.client.previewInvite(shortLived)), 'INVITE_EXPIRED');
  assert.is(await refusal(thief.client.join(shortLived, 'Mallory')), 'INVITE_EXPIRED');

  // Nothing reached the room: Alice's members are Alice and Bob.
  assert.is(alice.client.members(roomId).length, 2);
  const carol = await client();
  await admit(alice, roomId, carol, 'Carol');
});

test.run();
