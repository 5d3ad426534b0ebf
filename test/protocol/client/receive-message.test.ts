// The recipient's verification order (receiveMessage) against a room state built with the real
// builders: each substitution a relay could try gives its named verdict, and none changes state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { Secret } from '../../../protocol/crypto/secret.js';
import { signRecord } from '../../../protocol/crypto/signing.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { fingerprint, roomCode } from '../../../protocol/client/fingerprint.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash, messageKey, sealMessage } from '../../../protocol/client/message-crypto.js';
import { receiveMessage, type Receipt } from '../../../protocol/client/receive-message.js';
import { appendVerified, newRoomState, type RoomState } from '../../../protocol/client/room-state.js';
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

/** Alice owns the room, Bob was added; the state is Bob's, holding the epoch 0 key. */
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
  room.epochs.set(0, { key: new Secret(epochKey), rosterHash: first.headHash, logLength: 1, startedAt: Date.now(), rotationHash: undefined });
  room.epoch = 0;
  return { room, alice, bob, epochKey };
}

interface SealOptions {
  readonly counter?: number;
  readonly prevHash?: Uint8Array;
  readonly seenSeq?: number;
  readonly seenHash?: Uint8Array;
  readonly key?: Uint8Array;
  readonly epoch?: number;
}

async function seal(f: Fixture, from: MemberKeys, text: string, o: SealOptions = {}): Promise<MessageRecord> {
  const epoch = o.epoch ?? 0;
  return sealMessage({
    signer: from.sign, roomId: f.room.roomId, epoch, key: o.key ?? messageKey(f.epochKey, f.room.roomId, epoch, from.sign.publicKey),
    counter: o.counter ?? 1, prevHash: o.prevHash ?? ZERO_HASH, seenSeq: o.seenSeq ?? 0, seenHash: o.seenHash ?? ZERO_HASH,
    content: { type: 'text', time: 1, text },
  });
}

/** What the client does with an accepted receipt, reduced to what the next checks read. */
function apply(f: Fixture, seq: number, record: MessageRecord): void {
  const hash = messageHash(record.bytes);
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
  const receipt = await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hello'));
  assert.is(receipt.kind, 'accepted');
  if (receipt.kind === 'accepted') {
    assert.is(receipt.content.text, 'hello');
    assert.equal(receipt.warnings, []);
  }
});

test('receive: tampering is caught — bytes changed in transit are BAD_SIGNATURE, a ciphertext that does not open is TAMPERED', async () => {
  const f = await fixture();
  const record = await seal(f, f.alice, 'hello');
  await unchanged(f, async () => {
    const flipped = record.bytes.slice();
    flipped[record.header.length + 10]! ^= 1;
    expectRejected(await receiveMessage(suite, f.room, 1, decodeMessage(flipped)), 'BAD_SIGNATURE');
    // The sender itself signs a ciphertext that is not under the epoch's key.
    const forged = await seal(f, f.alice, 'hello', { key: randomBytes(32) });
    expectRejected(await receiveMessage(suite, f.room, 1, forged), 'TAMPERED');
    const edited = record.ciphertext.slice();
    edited[0]! ^= 1;
    const resigned = decodeMessage(await signRecord(f.alice.sign, 'sigMessage', encodeMessageUnsigned(record.header, edited)));
    expectRejected(await receiveMessage(suite, f.room, 1, resigned), 'TAMPERED');
  });
});

test('receive: a signature by anyone but the named sender is BAD_SIGNATURE', async () => {
  const f = await fixture();
  const record = await seal(f, f.alice, 'hello');
  const mallory = await generateMemberKeys(suite);
  const bySomeoneElse = decodeMessage(await signRecord(mallory.sign, 'sigMessage', record.signed));
  await unchanged(f, async () => expectRejected(await receiveMessage(suite, f.room, 1, bySomeoneElse), 'BAD_SIGNATURE'));
});

test('receive: a sender never admitted is UNKNOWN_SENDER, a missing epoch key KEY_MISSING — both retried after a sync', async () => {
  const f = await fixture();
  const stranger = await generateMemberKeys(suite);
  await unchanged(f, async () => {
    const fromStranger = await receiveMessage(suite, f.room, 1, await seal(f, stranger, 'hi'));
    expectRejected(fromStranger, 'UNKNOWN_SENDER');
    assert.ok(fromStranger.kind === 'rejected' && fromStranger.retry);
    const later = await receiveMessage(suite, f.room, 1, await seal(f, f.alice, 'hi', { epoch: 3 }));
    expectRejected(later, 'KEY_MISSING');
    assert.ok(later.kind === 'rejected' && later.retry);
  });
});

test('receive: a removed member cannot speak in an epoch after its removal (UNKNOWN_SENDER)', async () => {
  const f = await fixture();
  // Bob's view: Alice removes a member Carol, and epoch 1 is made for the roster without her.
  const carol = await generateMemberKeys(suite);
  const roster2 = f.room.rosters[1]!;
  const addCarol = await nextEvent(f.alice.sign, roster2, { kind: 'add', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32) });
  const roster3 = await applyEvent(suite, roster2, addCarol);
  appendVerified(f.room, addCarol, roster3);
  const removeCarol = await nextEvent(f.alice.sign, roster3, { kind: 'remove', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member' });
  const roster4 = await applyEvent(suite, roster3, removeCarol);
  appendVerified(f.room, removeCarol, roster4);
  const key1 = randomBytes(32);
  f.room.epochs.set(1, { key: new Secret(key1), rosterHash: roster4.headHash, logLength: 4, startedAt: 0, rotationHash: undefined });
  f.room.epoch = 1;
  const inEpoch0 = await seal(f, carol, 'while still in');
  assert.is((await receiveMessage(suite, f.room, 1, inEpoch0)).kind, 'accepted');
  const inEpoch1 = await seal(f, carol, 'after removal', { epoch: 1, key: messageKey(key1, f.room.roomId, 1, carol.sign.publicKey) });
  expectRejected(await receiveMessage(suite, f.room, 2, inEpoch1), 'UNKNOWN_SENDER');
});

test('receive: sender chain — next, GAP (shown), REPLAY (same record again), FORK (diverging), silent duplicate', async () => {
  const f = await fixture();
  const m1 = await seal(f, f.alice, 'one');
  assert.is((await receiveMessage(suite, f.room, 1, m1)).kind, 'accepted');
  apply(f, 1, m1);
  await unchanged(f, async () => {
    assert.is((await receiveMessage(suite, f.room, 1, m1)).kind, 'duplicate');
    expectRejected(await receiveMessage(suite, f.room, 7, m1), 'REPLAY');
    const other1 = await seal(f, f.alice, 'another one');
    expectRejected(await receiveMessage(suite, f.room, 2, other1), 'FORK');
    expectRejected(await receiveMessage(suite, f.room, 1, other1), 'FORK');
    const wrongPrev = await seal(f, f.alice, 'two', { counter: 2, prevHash: randomBytes(32) });
    expectRejected(await receiveMessage(suite, f.room, 2, wrongPrev), 'FORK');
  });
  const m3 = await seal(f, f.alice, 'three', { counter: 3, prevHash: randomBytes(32) });
  const gap = await receiveMessage(suite, f.room, 2, m3);
  assert.is(gap.kind, 'accepted');
  if (gap.kind === 'accepted') assert.equal(gap.warnings, ['GAP']);
  const m2 = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes) });
  const next = await receiveMessage(suite, f.room, 2, m2);
  assert.ok(next.kind === 'accepted' && next.warnings.length === 0);
});

test('receive: a seenHash that differs from our record at that seq is accepted with FORK', async () => {
  const f = await fixture();
  const m1 = await seal(f, f.alice, 'one');
  apply(f, 1, m1);
  const honest = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes), seenSeq: 1, seenHash: messageHash(m1.bytes) });
  const ok = await receiveMessage(suite, f.room, 2, honest);
  assert.ok(ok.kind === 'accepted' && ok.warnings.length === 0);
  const split = await seal(f, f.alice, 'two', { counter: 2, prevHash: messageHash(m1.bytes), seenSeq: 1, seenHash: randomBytes(32) });
  const forked = await receiveMessage(suite, f.room, 2, split);
  assert.ok(forked.kind === 'accepted');
  if (forked.kind === 'accepted') assert.equal(forked.warnings, ['FORK']);
});

test('receive: our own key on a record we never sent is REFLECTED; one we sent is ours', async () => {
  const f = await fixture();
  const forged = await seal(f, f.bob, 'not from me');
  await unchanged(f, async () => expectRejected(await receiveMessage(suite, f.room, 1, forged), 'REFLECTED'));
  const mine = await seal(f, f.bob, 'from me');
  f.room.sentHashes.add(toHex(messageHash(mine.bytes)));
  assert.is((await receiveMessage(suite, f.room, 1, mine)).kind, 'own');
});

test('receive: a record for another room is ROOM_MISMATCH', async () => {
  const f = await fixture();
  const other = await fixture();
  expectRejected(await receiveMessage(suite, f.room, 1, await seal(other, other.alice, 'elsewhere')), 'ROOM_MISMATCH');
});

test('room code: equal for equal inputs, different for another roster, key or epoch', () => {
  const key = randomBytes(32);
  const roster = randomBytes(32);
  assert.is(roomCode(key, roster, 3), roomCode(key.slice(), roster.slice(), 3));
  assert.ok(roomCode(key, roster, 3).match(/^[A-Z2-7]{4}-[A-Z2-7]{4}$/));
  assert.is.not(roomCode(key, randomBytes(32), 3), roomCode(key, roster, 3));
  assert.is.not(roomCode(randomBytes(32), roster, 3), roomCode(key, roster, 3));
  assert.is.not(roomCode(key, roster, 4), roomCode(key, roster, 3));
  const sign = randomBytes(32);
  assert.is(fingerprint(sign), fingerprint(sign.slice()));
});

test.run();
