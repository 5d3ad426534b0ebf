// The recipient's verification order (receiveMessage) against a room state built with the real
// builders: each substitution a relay could try gives its named verdict, and none changes state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { signRecord } from '../../../protocol/crypto/signing.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { fingerprint, roomCode } from '../../../protocol/client/fingerprint.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash, sealMessage } from '../../../protocol/client/message-crypto.js';
import { epochFromKey } from '../../../protocol/client/epoch-keys.js';
import { takeMessageKey } from '../../../protocol/client/sender-ratchet.js';
import { messageKeyAt } from '../../helpers/keystore-reader.js';
import { receiveMessage, type Receipt } from '../../../protocol/client/receive-message.js';
import { appendVerified, currentRoster, newRoomState, rosterAt, type RoomState } from '../../../protocol/client/room-state.js';
import { applyEvent, ZERO_HASH } from '../../../protocol/membership/roster.js';
import { encodeSnapshot } from '../../../protocol/client/snapshot.js';
import type { ErrorName } from '../../../protocol/errors.js';
import { decodeMessage, encodeMessageUnsigned, type MessageRecord } from '../../../protocol/wire/message.js';

const suite = nobleSuite;

interface Fixture {
  readonly room: RoomState;
  readonly alice: MemberKeys;
  readonly bob: MemberKeys;
  readonly epochKey: Uint8Array;
}

/** Alice owns the room, Bob was added; the state is Bob's, holding epoch 0 made for both (as every add starts an epoch). */
async function fixture(): Promise<Fixture> {
  const alice = await generateMemberKeys(suite);
  const bob = await generateMemberKeys(suite);
  const roomId = randomBytes(16);
  const genesis = await genesisEvent(alice.sign, alice.enc.publicKey, roomId, undefined);
  const first = await applyEvent(suite, undefined, genesis);
  const add = await nextEvent(alice.sign, first, {
    kind: 'add', subjectSign: bob.sign.publicKey, subjectEnc: bob.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32),
  });
  const second = await applyEvent(suite, first, add);
  const room = newRoomState(roomId, bob, 'member', 'Room', 'Bob');
  appendVerified(room, genesis, first);
  appendVerified(room, add, second);
  const epochKey = randomBytes(32);
  room.epochs.set(0, epochFromKey(epochKey.slice(), { roomId, epoch: 0, roster: second, startedAt: Date.now(), rotationHash: undefined }));
  room.epoch = 0;
  return { room, alice, bob, epochKey };
}

interface SealOptions {
  readonly counter?: number;
  readonly prevHash?: Uint8Array;
  readonly seenSeq?: number;
  readonly seenHash?: Uint8Array;
  readonly key?: Uint8Array;
  /** The sender chain's index; counter − 1 unless given. */
  readonly index?: number;
  readonly epoch?: number;
  readonly logLength?: number;
  readonly logHash?: Uint8Array;
}

async function seal(f: Fixture, from: MemberKeys, text: string, o: SealOptions = {}): Promise<MessageRecord> {
  const epoch = o.epoch ?? 0;
  const index = o.index ?? (o.counter ?? 1) - 1;
  return sealMessage({
    signer: from.sign, roomId: f.room.roomId, epoch, index, key: o.key ?? messageKeyAt(f.epochKey, f.room.roomId, epoch, from.sign.publicKey, index),
    counter: o.counter ?? 1, prevHash: o.prevHash ?? ZERO_HASH, seenSeq: o.seenSeq ?? 0, seenHash: o.seenHash ?? ZERO_HASH,
    logLength: o.logLength ?? f.room.events.length, logHash: o.logHash ?? currentRoster(f.room)!.headHash,
    content: { type: 'text', time: 1, text },
  });
}

/** What the client does with an accepted receipt, reduced to what the next checks read. */
function apply(f: Fixture, seq: number, record: MessageRecord): void {
  const hash = messageHash(record.bytes);
  const chains = f.room.epochs.get(record.epoch)!.chains!;
  chains.set(toHex(record.sender), takeMessageKey(chains.get(toHex(record.sender))!, record.index).chain);
  f.room.senders.set(toHex(record.sender), { counter: record.counter, hash });
  f.room.seen.set(seq, hash);
  f.room.lastSeen = Math.max(f.room.lastSeen, seq);
}

function expectRejected(receipt: Receipt, error: ErrorName): void {
  assert.is(receipt.kind, 'rejected', `expected ${error}, got ${receipt.kind}`);
  if (receipt.kind === 'rejected') assert.is(receipt.error, error);
}

async function unchanged(f: Fixture, run: () => Promise<void>): Promise<void> {
  const before = encodeSnapshot([f.room]);
  await run();
  assert.ok(bytesEqual(before, encodeSnapshot([f.room])), 'a verification changed the room state');
}

test('receive: a sealed message opens to its content', async () => {
  const f = await fixture();
  const receipt = await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hello'), false);
  assert.is(receipt.kind, 'accepted');
  if (receipt.kind === 'accepted') {
    assert.equal(receipt.content, { type: 'text', time: 1, text: 'hello' });
    assert.equal(receipt.marks, []);
  }
});

test('receive: tampering is caught — bytes changed in transit are BAD_SIGNATURE, a ciphertext that does not open is TAMPERED', async () => {
  const f = await fixture();
  const record = await seal(f, f.alice, 'hello');
  await unchanged(f, async () => {
    const flipped = record.bytes.slice();
    flipped[record.header.length + 10]! ^= 1;
    expectRejected(await receiveMessage(suite, f.room, 1, decodeMessage(flipped), false), 'BAD_SIGNATURE');
    // The sender itself signs a ciphertext that is not under the epoch's key.
    const forged = await seal(f, f.alice, 'hello', { key: randomBytes(32) });
    expectRejected(await receiveMessage(suite, f.room, 1, forged, false), 'TAMPERED');
    const edited = record.ciphertext.slice();
    edited[0]! ^= 1;
    const resigned = decodeMessage(await signRecord(f.alice.sign, 'sigMessage', encodeMessageUnsigned(record.header, edited)));
    expectRejected(await receiveMessage(suite, f.room, 1, resigned, false), 'TAMPERED');
  });
});

test('receive: a signature by anyone but the named sender is BAD_SIGNATURE', async () => {
  const f = await fixture();
  const record = await seal(f, f.alice, 'hello');
  const mallory = await generateMemberKeys(suite);
  const bySomeoneElse = decodeMessage(await signRecord(mallory.sign, 'sigMessage', record.signed));
  await unchanged(f, async () => expectRejected(await receiveMessage(suite, f.room, 1, bySomeoneElse, false), 'BAD_SIGNATURE'));
});

function expectWait(receipt: Receipt, error: ErrorName): void {
  assert.is(receipt.kind, 'wait', `expected to wait for ${error}, got ${receipt.kind}`);
  if (receipt.kind === 'wait') assert.is(receipt.error, error);
}

test('receive: a sender never admitted (UNKNOWN_SENDER) and a missing epoch key (KEY_MISSING) wait for the log', async () => {
  const f = await fixture();
  const stranger = await generateMemberKeys(suite);
  await unchanged(f, async () => {
    expectWait(await receiveMessage(suite, f.room, 1, await seal(f, stranger, 'hi'), false), 'UNKNOWN_SENDER');
    expectWait(await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hi', { epoch: 3 }), false), 'KEY_MISSING');
  });
});

test('receive: a log head that differs from ours is a LOG_DIFFERENT mark; one from before the message’s epoch is refused; one ahead waits for a sync', async () => {
  const f = await fixture();
  await unchanged(f, async () => {
    const other = await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hi', { logHash: randomBytes(32) }), false);
    assert.ok(other.kind === 'accepted');
    if (other.kind === 'accepted') assert.equal(other.marks, ['LOG_DIFFERENT']);
    expectRejected(await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hi', { logLength: 0, logHash: ZERO_HASH }), false), 'LOG_DIFFERENT');
    const ahead = await seal(f, f.alice, 'hi', { logLength: 5 });
    expectWait(await receiveMessage(suite, f.room, 1, ahead, false), 'LOG_DIFFERENT');
    const synced = await receiveMessage(suite, f.room, 1, ahead, true);
    assert.ok(synced.kind === 'accepted');
    if (synced.kind === 'accepted') assert.equal(synced.marks, ['LOG_DIFFERENT']);
  });
});

test('receive: a removed member cannot speak in an epoch after its removal (UNKNOWN_SENDER)', async () => {
  const f = await fixture();
  // Bob's view: Alice removes a member Carol, and epoch 1 is made for the roster without her.
  const carol = await generateMemberKeys(suite);
  const roster2 = rosterAt(f.room, 2)!;
  const addCarol = await nextEvent(f.alice.sign, roster2, { kind: 'add', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32) });
  const roster3 = await applyEvent(suite, roster2, addCarol);
  appendVerified(f.room, addCarol, roster3);
  const removeCarol = await nextEvent(f.alice.sign, roster3, { kind: 'remove', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member' });
  const roster4 = await applyEvent(suite, roster3, removeCarol);
  appendVerified(f.room, removeCarol, roster4);
  // Each commit started an epoch: 1 for the roster with Carol, 2 for the one without her.
  const [key1, key2] = [randomBytes(32), randomBytes(32)];
  f.room.epochs.set(1, epochFromKey(key1.slice(), { roomId: f.room.roomId, epoch: 1, roster: roster3, startedAt: 0, rotationHash: undefined }));
  f.room.epochs.set(2, epochFromKey(key2.slice(), { roomId: f.room.roomId, epoch: 2, roster: roster4, startedAt: 0, rotationHash: undefined }));
  f.room.epoch = 2;
  const inEpoch1 = await seal(f, carol, 'while still in', { epoch: 1, key: messageKeyAt(key1, f.room.roomId, 1, carol.sign.publicKey) });
  assert.is((await receiveMessage(suite, f.room, 1, inEpoch1, false)).kind, 'accepted');
  const inEpoch2 = await seal(f, carol, 'after removal', { epoch: 2, key: messageKeyAt(key2, f.room.roomId, 2, carol.sign.publicKey) });
  expectWait(await receiveMessage(suite, f.room, 2, inEpoch2, false), 'UNKNOWN_SENDER');
});

test('receive: sender chain — next, a hole, REPLAY (same record again), FORK (two signed records at one seq), SENDER_CONFLICT marks, KEY_USED for a used index, silent duplicate', async () => {
  const f = await fixture();
  const m1 = await seal(f, f.alice, 'one');
  assert.is((await receiveMessage(suite, f.room, 1, m1, false)).kind, 'accepted');
  apply(f, 1, m1);
  await unchanged(f, async () => {
    assert.is((await receiveMessage(suite, f.room, 1, m1, false)).kind, 'duplicate');
    expectRejected(await receiveMessage(suite, f.room, 7, m1, false), 'REPLAY');
    // A second record at an index whose key was used: nothing opens it any more (V-79).
    const other1 = await seal(f, f.alice, 'another one');
    expectRejected(await receiveMessage(suite, f.room, 2, other1, false), 'KEY_USED');
    // The sender signed two records under counter 1: its doing, a mark on the second, not an alarm.
    const conflict = await receiveMessage(suite, f.room, 2, await seal(f, f.alice, 'another one', { index: 5 }), false);
    assert.ok(conflict.kind === 'accepted' && !conflict.advance);
    if (conflict.kind === 'accepted') assert.equal(conflict.marks, ['SENDER_CONFLICT']);
    expectRejected(await receiveMessage(suite, f.room, 1, other1, false), 'FORK');
    const unsigned = other1.bytes.slice();
    unsigned[unsigned.length - 1]! ^= 1;
    expectRejected(await receiveMessage(suite, f.room, 1, decodeMessage(unsigned), false), 'BAD_SIGNATURE');
    const wrongPrev = await seal(f, f.alice, 'two', { counter: 2, prevHash: randomBytes(32) });
    const split = await receiveMessage(suite, f.room, 2, wrongPrev, false);
    assert.ok(split.kind === 'accepted' && split.advance);
    if (split.kind === 'accepted') assert.equal(split.marks, ['SENDER_CONFLICT']);
  });
  const m3 = await seal(f, f.alice, 'three', { counter: 3, prevHash: randomBytes(32) });
  const gap = await receiveMessage(suite, f.room, 2, m3, false);
  assert.is(gap.kind, 'accepted');
  if (gap.kind === 'accepted') assert.equal([gap.marks, gap.hole], [[], { from: 2, to: 2 }]);
  const m2 = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes) });
  const next = await receiveMessage(suite, f.room, 2, m2, false);
  assert.ok(next.kind === 'accepted' && next.marks.length === 0);
});

test('receive: a seenHash that differs from our record at that seq is accepted with a SEEN_DIFFERENT mark', async () => {
  const f = await fixture();
  const m1 = await seal(f, f.alice, 'one');
  apply(f, 1, m1);
  const honest = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes), seenSeq: 1, seenHash: messageHash(m1.bytes) });
  const ok = await receiveMessage(suite, f.room, 2, honest, false);
  assert.ok(ok.kind === 'accepted' && ok.marks.length === 0);
  const split = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes), seenSeq: 1, seenHash: randomBytes(32) });
  const forked = await receiveMessage(suite, f.room, 2, split, false);
  assert.ok(forked.kind === 'accepted');
  if (forked.kind === 'accepted') assert.equal(forked.marks, ['SEEN_DIFFERENT']);
});

test('receive: our own key on a record we never sent is REFLECTED only if our signature verifies; one we sent is ours', async () => {
  const f = await fixture();
  const forged = await seal(f, f.bob, 'not from me');
  await unchanged(f, async () => expectRejected(await receiveMessage(suite, f.room, 1, forged, false), 'REFLECTED'));
  const bySomeoneElse = decodeMessage(await signRecord(f.alice.sign, 'sigMessage', forged.signed));
  await unchanged(f, async () => expectRejected(await receiveMessage(suite, f.room, 1, bySomeoneElse, false), 'BAD_SIGNATURE'));
  const mine = await seal(f, f.bob, 'from me');
  f.room.sentHashes.add(toHex(messageHash(mine.bytes)));
  assert.is((await receiveMessage(suite, f.room, 1, mine, false)).kind, 'own');
});

test('receive: an imported keystore adopts a record our key signed that it never sealed; once adopting ends it is REFLECTED again', async () => {
  const f = await fixture();
  const later = await seal(f, f.bob, 'sent by a later copy of this keystore');
  f.room.journal.adopting = true;
  assert.is((await receiveMessage(suite, f.room, 1, later, false)).kind, 'own');
  const bySomeoneElse = decodeMessage(await signRecord(f.alice.sign, 'sigMessage', later.signed));
  expectRejected(await receiveMessage(suite, f.room, 1, bySomeoneElse, false), 'BAD_SIGNATURE');
  f.room.journal.adopting = false;
  expectRejected(await receiveMessage(suite, f.room, 1, later, false), 'REFLECTED');
});

test('receive: a record for another room is ROOM_MISMATCH', async () => {
  const f = await fixture();
  const other = await fixture();
  expectRejected(await receiveMessage(suite, f.room, 1, await seal(other, other.alice, 'elsewhere'), false), 'ROOM_MISMATCH');
});

test('room code: equal for equal inputs, different for another roster, key or epoch', () => {
  const key = randomBytes(32);
  const roster = randomBytes(32);
  assert.is(roomCode(key, roster, 3), roomCode(key.slice(), roster.slice(), 3));
  assert.ok(roomCode(key, roster, 3).match(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/));
  assert.is.not(roomCode(key, randomBytes(32), 3), roomCode(key, roster, 3));
  assert.is.not(roomCode(randomBytes(32), roster, 3), roomCode(key, roster, 3));
  assert.is.not(roomCode(key, roster, 4), roomCode(key, roster, 3));
  const sign = randomBytes(32);
  assert.is(fingerprint(sign), fingerprint(sign.slice()));
});

test.run();
