// A relay that withholds every later rotation from a member cannot keep it sending under one epoch
// for longer than the epoch's lifetime (V-11, V-77; issue 14: "stale epochs fail closed and are
// visible"). Protocol 1's client held sends only after a leave (outbox.ts at commit 6b94eb2), so a
// member kept sending under its last epoch for ever; this test does not compile against that code
// (its RoomView has no waitingForKey), which is how far it was checked there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS } from '../../../protocol/errors.js';
import { DEFAULT_SETTINGS } from '../../../protocol/wire/membership.js';
import { HostileRelay, until } from './hostile-relay.js';
import { sent } from './stolen-keys.js';
import { script } from './tap.js';

const LIFETIME = 5;

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

test('a member kept from every new rotation sends at most an epoch’s lifetime under its key, then waits, and says so', async () => {
  const alice = await relay.person('alice');
  const bob = await relay.person('bob');
  const roomId = await alice.client.createRoom('Short epochs', 'alice', { ...DEFAULT_SETTINGS, rotateEveryMessages: LIFETIME });
  await relay.admit(alice, bob, roomId);
  const epoch = bob.client.rooms()[0]!.epoch;
  // The relay withholds every rotation from Bob and refuses his own (as if another had won the
  // race), so no new key reaches him by either way.
  let withholding = true;
  bob.tap.script = script({
    toClient: (f) => (withholding && f.type === 'rotation' ? [] : [f]),
    toRelay: (f) => {
      if (!withholding || f.type !== 'rotate') return [f];
      bob.tap.inject({ type: 'error', rid: f.rid, code: ERRORS.STALE_EPOCH.code, text: 'STALE_EPOCH' });
      return [];
    },
  });
  const texts = Array.from({ length: 8 }, (_, i) => `message ${i + 1}`);
  const acks = texts.map((text) => bob.client.send(roomId, text).catch(() => undefined));
  await until(() => bob.client.rooms()[0]!.waitingForKey, 'bob waits for the room’s new key');
  const underOld = sent(bob).filter((r) => r.epoch === epoch);
  assert.ok(underOld.length <= LIFETIME, `${underOld.length} messages went out under epoch ${epoch}`);
  // Honest forwarding again: the rest go out under the new epoch, each once.
  withholding = false;
  bob.tap.reset();
  bob.tap.drop();
  await Promise.all(acks);
  await until(() => texts.every((t) => alice.texts(roomId).includes(t)), 'alice reads all eight');
  assert.not.ok(bob.client.rooms()[0]!.waitingForKey);
  for (const t of texts) assert.is(alice.texts(roomId).filter((x) => x === t).length, 1, t);
});

test.run();
