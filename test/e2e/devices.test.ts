// Several devices per person through a real relay process (docs/protocol.md §8.7): Alice's laptop
// links her phone — the code compared on both, the phone added to the room by a device commit, 1,000
// messages of history re-sent to it over the link — then both of her devices and Bob send and read,
// in order and once each, the phone also after being offline; removing the phone shuts it out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientEvent } from '../../protocol/client/client-events.js';
import { admit, openTestClient, texts, waitUntil, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);
const HISTORY = 1000;
const LONG_WAIT = 240_000;

function linkEvents(c: TestClient): Extract<ClientEvent, { type: 'link' }>[] {
  return c.events.filter((e): e is Extract<ClientEvent, { type: 'link' }> => e.type === 'link');
}

function statusOf(c: TestClient, roomId: string): string | undefined {
  return c.client.rooms().find((r) => r.roomId === roomId)?.status;
}

/** Waits for a send's acknowledgement with a deadline: a stuck outbox fails the test instead of hanging it. */
async function acked(send: Promise<number>, what: string): Promise<void> {
  let settled = false;
  const result = send.finally(() => {
    settled = true;
  });
  await waitUntil(() => settled, what);
  await result;
}

/** Alice's laptop links `phone` into `roomId`, the code compared on both screens. */
async function link(laptop: TestClient, phone: TestClient, roomId: string): Promise<void> {
  const payload = await phone.client.linkAsNewDevice('Alice');
  const code = await laptop.client.linkNewDevice(`https://sotto.example/#/link/${payload}`, [roomId]);
  await waitUntil(() => linkEvents(phone).some((e) => e.state === 'offer'), 'the offer on the phone');
  const offer = linkEvents(phone).find((e) => e.state === 'offer')!;
  assert.is(offer.code, code, 'both screens show one code');
  assert.equal(offer.rooms?.map((r) => r.roomId), [roomId]);
  laptop.client.confirmLink();
  await phone.client.acceptLink();
  await waitUntil(() => linkEvents(phone).some((e) => e.state === 'done' || e.state === 'failed'), 'the link ends on the phone', LONG_WAIT);
  assert.not.ok(linkEvents(phone).some((e) => e.state === 'failed'), JSON.stringify(phone.events.filter((e) => e.type === 'warning')));
  await waitUntil(() => linkEvents(laptop).some((e) => e.state === 'done'), 'the link ends on the laptop');
}

test('a linked phone gets 1,000 messages of history; laptop, phone and Bob each read the others, in order, once; the phone catches up after being offline', async () => {
  const laptop = e2e.track(await openTestClient(e2e.relay.url));
  const bob = e2e.track(await openTestClient(e2e.relay.url));
  const roomId = await laptop.client.createRoom('Allotment', 'Alice');
  await admit(laptop, roomId, bob, 'Bob');
  await Promise.all(Array.from({ length: HISTORY }, (_, i) => (i % 2 === 0 ? laptop : bob).client.send(roomId, `history ${i}`)));
  await waitUntil(() => texts(laptop, roomId).length >= HISTORY, 'the history at the laptop', LONG_WAIT);
  const codeBefore = bob.client.roomCode(roomId);

  const phoneDir = e2e.tempDir('sotto-devices-phone-');
  let phone = e2e.track(await openTestClient(e2e.relay.url, phoneDir.path));
  await link(laptop, phone, roomId);
  assert.is(statusOf(phone, roomId), 'member');
  const shown = texts(phone, roomId);
  assert.equal(shown.slice(0, HISTORY), texts(laptop, roomId).slice(0, HISTORY), 'the whole history, in the laptop’s order');
  assert.ok(phone.client.messages(roomId).slice(0, HISTORY).every((m) => m.sharedBy !== undefined), 'marked as brought by the other device');
  await waitUntil(() => bob.client.roomCode(roomId) !== codeBefore && bob.client.roomCode(roomId) === phone.client.roomCode(roomId), 'a new epoch, one code');

  // Bob sees one person with two devices: two members sharing Alice's admission.
  const phoneSign = phone.client.identity(roomId);
  await waitUntil(() => bob.client.members(roomId).some((m) => m.sign === phoneSign), 'the phone in Bob’s member list');
  const members = bob.client.members(roomId);
  const alice = members.filter((m) => m.person === members.find((n) => n.sign === laptop.client.identity(roomId))!.person);
  assert.equal(alice.map((m) => m.sign).sort(), [laptop.client.identity(roomId), phoneSign].sort());

  await acked(phone.client.send(roomId, 'from the phone'), 'the phone’s first send acknowledged');
  await acked(laptop.client.send(roomId, 'from the laptop'), 'the laptop’s send acknowledged');
  await acked(bob.client.send(roomId, 'from Bob'), 'Bob’s send acknowledged');
  for (const c of [laptop, phone, bob]) {
    await waitUntil(() => ['from the phone', 'from the laptop', 'from Bob'].every((t) => texts(c, roomId).includes(t)), 'everyone reads everyone');
  }

  // Offline: the phone stops; the laptop and Bob go on; the phone, back, reads it all once, in order.
  await phone.client.close();
  for (let i = 0; i < 5; i++) {
    await laptop.client.send(roomId, `while away ${i} (laptop)`);
    await bob.client.send(roomId, `while away ${i} (Bob)`);
  }
  phone = e2e.track(await openTestClient(e2e.relay.url, phoneDir.path));
  await waitUntil(() => texts(phone, roomId).includes('while away 4 (Bob)'), 'the phone catches up');
  const expected = texts(laptop, roomId).filter((t) => t.startsWith('while away'));
  assert.equal(texts(phone, roomId).filter((t) => t.startsWith('while away')), expected, 'in order, once each');
  await acked(phone.client.send(roomId, 'back online'), 'the phone’s send after reconnecting acknowledged');
  await waitUntil(() => texts(laptop, roomId).includes('back online') && texts(bob, roomId).includes('back online'), 'the phone is heard again');
});

test('the laptop removes the lost phone: a new epoch, and the phone reads nothing after', async () => {
  const laptop = e2e.track(await openTestClient(e2e.relay.url));
  const bob = e2e.track(await openTestClient(e2e.relay.url));
  const roomId = await laptop.client.createRoom('Allotment', 'Alice');
  await admit(laptop, roomId, bob, 'Bob');
  await bob.client.send(roomId, 'before');
  const phone = e2e.track(await openTestClient(e2e.relay.url));
  await link(laptop, phone, roomId);
  await waitUntil(() => texts(phone, roomId).includes('before'), 'the phone has the history');

  await laptop.client.remove(roomId, phone.client.identity(roomId));
  await waitUntil(() => statusOf(phone, roomId) === 'removed', 'the phone learns it was removed');
  await bob.client.send(roomId, 'after the phone was lost');
  await laptop.client.send(roomId, 'laptop still here');
  await waitUntil(() => texts(laptop, roomId).includes('after the phone was lost') && texts(bob, roomId).includes('laptop still here'), 'the others go on');
  assert.not.ok(texts(phone, roomId).includes('after the phone was lost'));
  assert.not.ok(texts(phone, roomId).includes('laptop still here'));
  assert.is(bob.client.members(roomId).length, 2, 'Bob sees Alice with one device again');
  // The notice says one of Alice's own devices went (the web's text was "Alice removed Alice.").
  const removed = bob.client.notices(roomId).filter((n) => n.kind === 'removed');
  assert.equal(removed.map((n) => [n.devices, n.ownDevice]), [[1, true]]);
});

test('an admin removing a person with two devices: the notice names the person once, with both devices; an invite counts people, not devices', async () => {
  const bob = e2e.track(await openTestClient(e2e.relay.url));
  const laptop = e2e.track(await openTestClient(e2e.relay.url));
  const roomId = await bob.client.createRoom('Beehive', 'Bob');
  await admit(bob, roomId, laptop, 'Alice');
  const phone = e2e.track(await openTestClient(e2e.relay.url));
  await link(laptop, phone, roomId);
  const phoneSign = phone.client.identity(roomId);
  await waitUntil(() => bob.client.members(roomId).some((m) => m.sign === phoneSign && m.name === 'Alice'), 'the phone named at Bob');

  // Three devices, two people: the landing page said 3 before.
  const carol = e2e.track(await openTestClient(e2e.relay.url));
  const preview = await carol.client.previewInvite((await bob.client.createInvite(roomId)).link);
  assert.is(preview.people, 2);

  await bob.client.remove(roomId, laptop.client.identity(roomId));
  await waitUntil(() => statusOf(phone, roomId) === 'removed' && statusOf(laptop, roomId) === 'removed', 'both of Alice’s devices removed');
  const removed = bob.client.notices(roomId).filter((n) => n.kind === 'removed');
  // Her two devices share her name, so labelled one by one they were "Alice · 1a2b" and "Alice · 3c4d".
  assert.equal(removed.map((n) => [n.actor, n.subject, n.devices, n.ownDevice]), [['Bob', 'Alice', 2, false]]);
});

test.run();
