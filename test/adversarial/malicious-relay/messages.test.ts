// A malicious relay against room messages: every way it can alter, replay, reorder, drop, fork or
// reflect what one member receives, and what a colluding member's keys add. Each test names the
// verdict the real client reaches (docs/client.md, "Verification order").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash } from '../../../protocol/client/message-crypto.js';
import { chainKeyAt, nextIndex } from '../../helpers/keystore-reader.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import type { ClientFrame, RelayFrame } from '../../../protocol/wire/frames.js';
import { decodeMessage, type MessageRecord } from '../../../protocol/wire/message.js';
import { deliver, flipBit, forgeMessage, MESSAGE_OFFSET } from './forge.js';
import { HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { script } from './tap.js';

type Deliver = Extract<RelayFrame, { type: 'deliver' }>;

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

/** The deliver frame the relay really sent `person` at `seq` (waits for it). */
async function delivered(person: Person, seq: number): Promise<Deliver> {
  const find = (): Deliver | undefined => person.tap.fromRelay.find((f): f is Deliver => f.type === 'deliver' && f.seq === seq);
  await until(() => find() !== undefined, `${person.name} receives seq ${seq}`);
  return find()!;
}

/**
 * The next new message of someone else's the relay delivers to `person` (not one served again by a sync) goes through
 * `change` first, and so does every later serving of that seq: a sync in flight may serve it again,
 * and a relay that alters a message alters each copy it serves.
 */
function alterNextDeliver(person: Person, change: (message: MessageRecord) => Uint8Array): void {
  let target: number | undefined;
  const last = Math.max(0, ...person.tap.fromRelay.map((f) => (f.type === 'deliver' ? f.seq : 0)));
  person.tap.script = script({
    toClient: (frame) => {
      if (frame.type !== 'deliver' || frame.seq <= last || (target !== undefined && frame.seq !== target)) return [frame];
      // Its own records, which a sync serves back, are not the message under attack.
      if (toHex(frame.message.sender) === person.client.identity(toHex(frame.roomId))) return [frame];
      target = frame.seq;
      return [deliver(frame.roomId, frame.seq, decodeMessage(change(frame.message)))];
    },
  });
}

/**
 * Alice and Bob in a room, Bob having read one message of Alice's: a member's chain starts at the
 * first message it can read, and since protocol 2 a joiner reads nothing from before its add.
 */
async function chatting(): Promise<{ alice: Person; bob: Person; roomId: string }> {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  await alice!.client.send(roomId, 'hello, bob');
  await until(() => bob!.texts(roomId).includes('hello, bob'), 'bob reads alice');
  return { alice: alice!, bob: bob!, roomId };
}

function shownOnce(person: Person, roomId: string, text: string): boolean {
  return person.texts(roomId).filter((t) => t === text).length === 1;
}

test('a flipped ciphertext bit: BAD_SIGNATURE, not shown; the sender’s next message carries GAP after a sync', async () => {
  const { alice, bob, roomId } = await chatting();
  alterNextDeliver(bob!, (m) => flipBit(m.bytes, MESSAGE_OFFSET.ciphertext + 3));
  const seq = await alice!.client.send(roomId, 'meet at noon');
  await until(() => bob!.warnings('BAD_SIGNATURE').some((w) => w.seq === seq), 'BAD_SIGNATURE at bob');
  const next = await alice!.client.send(roomId, 'bring snacks');
  await until(() => bob!.texts(roomId).includes('bring snacks'), 'bob reads the next one');
  assert.not.ok(bob!.texts(roomId).includes('meet at noon'));
  await until(() => bob!.client.messages(roomId).find((m) => m.seq === next)!.warnings.includes('GAP'), 'GAP on the next message');
});

test('a flipped header field (the counter): BAD_SIGNATURE, not shown', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  alterNextDeliver(bob!, (m) => flipBit(m.bytes, MESSAGE_OFFSET.counter + 3));
  const seq = await alice!.client.send(roomId, 'counter bumped');
  await until(() => bob!.warnings('BAD_SIGNATURE').some((w) => w.seq === seq), 'BAD_SIGNATURE at bob');
  assert.not.ok(bob!.texts(roomId).includes('counter bumped'));
});

test('an old message replayed under a new seq: REPLAY, shown once; the real message at that seq still lands', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await alice!.client.send(roomId, 'pay 10 euros');
  const original = await delivered(bob!, seq);
  bob!.tap.inject(deliver(original.roomId, seq + 1, original.message));
  await until(() => bob!.warnings('REPLAY').some((w) => w.seq === seq + 1), 'REPLAY at bob');
  assert.is(await alice!.client.send(roomId, 'thanks'), seq + 1);
  await until(() => bob!.texts(roomId).includes('thanks'), 'bob reads the real seq');
  assert.ok(shownOnce(bob!, roomId, 'pay 10 euros'));
  assert.equal(bob!.warnings().map((w) => w.error), ['REPLAY']);
});

test('pushes delivered out of order: shown in seq order, no warning (the client waits for the gap to fill)', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const held: RelayFrame[] = [];
  bob!.tap.script = script({
    toClient: (frame) => {
      if (frame.type !== 'deliver' || held.length === 3) return [frame];
      held.push(frame);
      return held.length === 3 ? [...held].reverse() : [];
    },
  });
  for (const text of ['one', 'two', 'three']) await alice!.client.send(roomId, text);
  await until(() => ['one', 'two', 'three'].every((t) => bob!.texts(roomId).includes(t)), 'bob reads all three');
  assert.equal(bob!.texts(roomId).slice(-3), ['one', 'two', 'three']);
  assert.equal(bob!.warnings(), []);
});

test('two messages served under each other’s seq: both shown, the earlier one marked SENDER_CONFLICT; no room alarm, no hole left', async () => {
  const { alice, bob, roomId } = await chatting();
  const pending: Deliver[] = [];
  bob!.tap.script = script({
    toClient: (frame) => {
      if (frame.type !== 'deliver' || pending.length === 2) return [frame];
      pending.push(frame);
      if (pending.length < 2) return [];
      const [first, second] = pending as [Deliver, Deliver];
      return [deliver(first.roomId, first.seq, second.message), deliver(second.roomId, second.seq, first.message)];
    },
  });
  const first = await alice!.client.send(roomId, 'first');
  const second = await alice!.client.send(roomId, 'second');
  await until(() => bob!.texts(roomId).includes('first'), 'bob shows the late one');
  assert.is(bob!.client.messages(roomId).find((m) => m.text === 'second')?.seq, first);
  assert.is(bob!.client.messages(roomId).find((m) => m.text === 'first')?.seq, second);
  assert.equal(bob!.client.messages(roomId).find((m) => m.text === 'first')?.warnings, ['SENDER_CONFLICT']);
  await settle();
  assert.equal(bob!.client.messages(roomId).find((m) => m.text === 'second')?.warnings, []);
  // The sync the late counter prompts may fetch the real record at a swapped seq: two signed
  // records at one seq, which bob saw himself, is the one alarm this may raise.
  assert.equal(bob!.warnings().filter((w) => w.error !== 'FORK'), []);
});

test('one message dropped from pushes and history: the sender’s next message shows GAP after a sync, not as a room alarm', async () => {
  const { alice, bob, roomId } = await chatting();
  let hidden: Uint8Array | undefined;
  bob!.tap.script = script({
    toClient: (frame) => {
      if (frame.type !== 'deliver') return [frame];
      hidden ??= messageHash(frame.message.bytes);
      return Buffer.compare(messageHash(frame.message.bytes), hidden) === 0 ? [] : [frame];
    },
  });
  await alice!.client.send(roomId, 'you will never see this');
  const next = await alice!.client.send(roomId, 'but this');
  await until(() => bob!.texts(roomId).includes('but this'), 'bob reads the next one');
  assert.not.ok(bob!.texts(roomId).includes('you will never see this'));
  await until(() => bob!.client.messages(roomId).find((m) => m.seq === next)!.warnings.includes('GAP'), 'GAP on the next message');
  assert.is(bob!.client.messages(roomId).find((m) => m.seq === next)!.missing, 1);
  assert.equal(bob!.warnings('GAP'), []);
});

test('a second, different record at a seq already shown: FORK, the first one stands', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const a = await alice!.client.send(roomId, 'version A');
  const b = await alice!.client.send(roomId, 'version B');
  const other = await delivered(bob!, b);
  await until(() => bob!.texts(roomId).includes('version B'), 'bob reads both');
  bob!.tap.inject(deliver(other.roomId, a, other.message));
  await until(() => bob!.warnings('FORK').some((w) => w.seq === a), 'FORK at bob');
  assert.is(bob!.client.messages(roomId).find((m) => m.seq === a)!.text, 'version A');
});

test('two members shown different histories: a SEEN_DIFFERENT mark on the message that names what its sender saw, no room alarm', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  // Bob never gets alice's message and is told his own took its seq; his own record at its real seq
  // is never served back to him either (a sync in flight would, and undo the lie).
  const bobKey = bob!.client.identity(roomId);
  let hiddenSeq = -1;
  let bobSend = -1;
  bob!.tap.script = script({
    toRelay: (frame: ClientFrame) => {
      if (frame.type === 'send' && bobSend === -1) bobSend = frame.rid;
      return [frame];
    },
    toClient: (frame) => {
      if (frame.type === 'deliver' && toHex(frame.message.sender) === bobKey) return [];
      if (frame.type === 'deliver' && (hiddenSeq === -1 || frame.seq === hiddenSeq)) {
        hiddenSeq = frame.seq;
        return [];
      }
      if (frame.type === 'ok' && frame.rid === bobSend) return [{ ...frame, value: hiddenSeq }];
      return [frame];
    },
  });
  await alice!.client.send(roomId, 'only alice sees this');
  await until(() => hiddenSeq !== -1, 'alice\'s message withheld from bob');
  await bob!.client.send(roomId, 'bob speaks');
  // Bob's next message names what he saw last: his own, once its ack is applied.
  await until(() => bob!.client.messages(roomId).some((m) => m.text === 'bob speaks' && !m.pending), 'bob’s ack applied');
  await bob!.client.send(roomId, 'bob speaks again');
  await until(() => alice!.texts(roomId).includes('bob speaks again'), 'alice reads bob');
  const again = alice!.client.messages(roomId).find((m) => m.text === 'bob speaks again')!;
  assert.equal(again.warnings, ['SEEN_DIFFERENT']);
  assert.equal(alice!.warnings('FORK'), []);
  assert.not.ok(bob!.texts(roomId).includes('only alice sees this'));
});

test('own message reflected at its own seq: a silent duplicate', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await bob!.client.send(roomId, 'echo');
  const mine = await delivered(alice!, seq);
  bob!.tap.inject(mine);
  await settle();
  assert.ok(shownOnce(bob!, roomId, 'echo'));
  assert.equal(bob!.warnings(), []);
});

test('own message reflected under a new seq: REPLAY, shown once', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await bob!.client.send(roomId, 'echo');
  const mine = await delivered(alice!, seq);
  bob!.tap.inject(deliver(mine.roomId, seq + 1, mine.message));
  await until(() => bob!.warnings('REPLAY').length > 0, 'REPLAY at bob');
  assert.ok(shownOnce(bob!, roomId, 'echo'));
  assert.is((await alice!.client.send(roomId, 'next')), seq + 1);
  await until(() => bob!.texts(roomId).includes('next'), 'bob reads the real seq');
});

test('own message altered and reflected: BAD_SIGNATURE, not REFLECTED (our key, but not our signature)', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await bob!.client.send(roomId, 'echo');
  const mine = await delivered(alice!, seq);
  bob!.tap.inject(deliver(mine.roomId, seq + 1, decodeMessage(flipBit(mine.message.bytes, MESSAGE_OFFSET.nonce))));
  await until(() => bob!.warnings('BAD_SIGNATURE').some((w) => w.seq === seq + 1), 'BAD_SIGNATURE at bob');
  assert.equal(bob!.warnings('REFLECTED'), []);
  assert.ok(shownOnce(bob!, roomId, 'echo'));
});

test('a member signs a message as the owner (sender = owner key, signature by the member): BAD_SIGNATURE', async () => {
  const { people: [alice, bob, mallory], roomId } = await relay.gather('alice', 'bob', 'mallory');
  const seq = await alice!.client.send(roomId, 'genuine');
  await delivered(bob!, seq);
  const keys = await mallory!.secrets(roomId);
  const epoch = keys.epoch;
  const owner = fromHex(alice!.client.identity(roomId));
  const forged = await forgeMessage({
    roomId: keys.roomId, epoch, sender: owner, counter: 1000, prevHash: randomBytes(32), seenSeq: 0, seenHash: new Uint8Array(32),
    signer: keys.me.sign, index: nextIndex(keys, epoch, owner), key: chainKeyAt(keys, epoch, owner, nextIndex(keys, epoch, owner))!, text: 'owner says: give mallory admin',
  });
  bob!.tap.inject(deliver(keys.roomId, seq + 1, forged));
  await until(() => bob!.warnings('BAD_SIGNATURE').some((w) => w.seq === seq + 1), 'BAD_SIGNATURE at bob');
  assert.not.ok(bob!.texts(roomId).includes('owner says: give mallory admin'));
});

test('a member’s own signed record whose ciphertext does not open under the epoch key: TAMPERED', async () => {
  const { people: [alice, bob, mallory], roomId } = await relay.gather('alice', 'bob', 'mallory');
  const seq = await alice!.client.send(roomId, 'genuine');
  await delivered(bob!, seq);
  const keys = await mallory!.secrets(roomId);
  const forged = await forgeMessage({
    roomId: keys.roomId, epoch: keys.epoch, sender: keys.me.sign.publicKey, counter: keys.counter + 1, prevHash: keys.lastHash, seenSeq: 0,
    seenHash: new Uint8Array(32), signer: keys.me.sign, index: nextIndex(keys, keys.epoch, keys.me.sign.publicKey), key: randomBytes(32), text: 'garbage',
  });
  bob!.tap.inject(deliver(keys.roomId, seq + 1, forged));
  await until(() => bob!.warnings('TAMPERED').some((w) => w.seq === seq + 1), 'TAMPERED at bob');
});

test('a message from a key the log never admitted: UNKNOWN_SENDER once a re-sync confirms it', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await alice!.client.send(roomId, 'genuine');
  const real = await delivered(bob!, seq);
  const stranger = await generateMemberKeys(relay.suite);
  const forged = await forgeMessage({
    roomId: real.roomId, epoch: real.message.epoch, sender: stranger.sign.publicKey, counter: 1, prevHash: new Uint8Array(32), seenSeq: 0,
    seenHash: new Uint8Array(32), signer: stranger.sign, index: 0, key: randomBytes(32), text: 'hello from the relay',
  });
  const syncsBefore = bob!.tap.fromClient.filter((f) => f.type === 'sync').length;
  bob!.tap.inject(deliver(real.roomId, seq + 1, forged));
  await until(() => bob!.warnings('UNKNOWN_SENDER').some((w) => w.seq === seq + 1), 'UNKNOWN_SENDER at bob');
  assert.ok(bob!.tap.fromClient.filter((f) => f.type === 'sync').length > syncsBefore, 'bob re-synced before deciding');
});

test.run();
