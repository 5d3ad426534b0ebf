// A keystore stolen later, used with the relay's stored ciphertext (issue 14, problem 4, the part
// protocol 2 has so far): the keys of replaced epochs are deleted once their messages are read, so
// the thief opens nothing from before the current epoch. Protocol 1 kept every epoch key for ever:
// run against commit 6b94eb2's code, both tests fail, the keystore never forgetting the old epoch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { epochOf, HostileRelay, until } from './hostile-relay.js';
import { readableBy, sent, untilForgotten } from './stolen-keys.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

test('a keystore stolen after a rotation opens none of the earlier epochs’ messages; the history it shows stays', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  for (const text of ['old one', 'old two']) await alice!.client.send(roomId, text);
  await until(() => bob!.texts(roomId).includes('old two'), 'bob reads the old epoch');
  const earlier = sent(alice!).slice(-2);
  const rotated = await alice!.client.rotate(roomId);
  await until(() => epochOf(bob!, roomId) === rotated, 'bob has the new epoch');
  await alice!.client.send(roomId, 'new one');
  await until(() => bob!.texts(roomId).includes('new one'), 'bob reads the new epoch');
  for (const thief of [bob!, alice!]) {
    await untilForgotten(thief, roomId, earlier[0]!.epoch);
    for (const record of earlier) assert.not.ok(await readableBy(relay.suite, thief, roomId, record), `${thief.name}'s keystore opens message ${record.counter}`);
  }
  // What was read stays readable: the plaintext history lives in the (encrypted) keystore.
  assert.ok(['old one', 'old two', 'new one'].every((t) => bob!.texts(roomId).includes(t)));
  // LIMIT: inside the current epoch there is no ratchet yet, so its messages are open to the thief
  // until the next rotation (at most 10,000 messages or 7 days, V-11; by default 100 messages).
  assert.ok(await readableBy(relay.suite, bob!, roomId, sent(alice!).at(-1)!));
});

test('a message of a replaced epoch served after its key was forgotten: KEY_MISSING, not shown, no retry loop', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await alice!.client.send(roomId, 'from the old epoch');
  await until(() => bob!.texts(roomId).includes('from the old epoch'), 'bob reads it');
  const old = bob!.tap.fromRelay.find((f) => f.type === 'deliver' && f.seq === seq)!;
  await alice!.client.rotate(roomId);
  await alice!.client.send(roomId, 'new');
  await until(() => bob!.texts(roomId).includes('new'), 'bob reads the new epoch');
  await untilForgotten(bob!, roomId, sent(alice!)[sent(alice!).length - 2]!.epoch);
  if (old.type !== 'deliver') throw new Error('not a deliver');
  const syncs = bob!.tap.fromClient.filter((f) => f.type === 'sync').length;
  bob!.tap.inject({ ...old, seq: seq + 100 });
  await until(() => bob!.warnings('KEY_MISSING').length > 0, 'KEY_MISSING at bob');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(bob!.tap.fromClient.filter((f) => f.type === 'sync').length - syncs <= 1, 'no sync loop');
});

test.run();
