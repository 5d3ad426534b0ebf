// The SQLite store on a real file: compare-and-set behaviour, atomicity, gapless seqs, persistence.
// Records are opaque to the store, so random bytes stand in for them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { isSottoError, type ErrorName } from '../../protocol/errors.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import type { NewMessage } from '../../relay/store/store.js';

let dir: string;
let path: string;
let store: SqliteStore;

function open(file = path, maxHistoryPerRoom = 1000): SqliteStore {
  return new SqliteStore({ path: file, synchronous: 'FULL', maxHistoryPerRoom });
}

async function rejects(promise: Promise<unknown>, name: ErrorName): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSottoError(error, name), `expected ${name}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`expected ${name}`);
}

const key = (): Uint8Array => randomBytes(32);

/** A message from a fresh sender (counter 1), unless a sender and counter are given. */
function message(roomId: Uint8Array, epoch: number, bytes: Uint8Array, now: number, sender = key(), counter = 1): NewMessage {
  return { roomId, epoch, sender, counter, bytes, now };
}

async function newRoom(s = store): Promise<{ roomId: Uint8Array; owner: Uint8Array }> {
  const roomId = randomBytes(16);
  const owner = key();
  await s.createRoom({ roomId, owner, ownerEnc: key(), settings: DEFAULT_SETTINGS, genesis: randomBytes(200), headHash: key(), now: Date.now() });
  return { roomId, owner };
}

/** Registers an invite, claims it for a joiner and stores welcome and confirm. */
async function confirmedJoin(roomId: Uint8Array, issuer: Uint8Array): Promise<{ invite: Uint8Array; joiner: Uint8Array; joinerEnc: Uint8Array }> {
  const invite = key();
  const joiner = key();
  const joinerEnc = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
  await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: joiner, joinerEnc, request: randomBytes(300), now: Date.now() });
  await store.putJoinStep(roomId, invite, joiner, 'welcome', randomBytes(200));
  await store.putJoinStep(roomId, invite, joiner, 'confirm', randomBytes(100));
  return { invite, joiner, joinerEnc };
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-store-'));
  path = join(dir, 'relay.sqlite');
  store = open();
});

test.after.each(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('pragmas and schema version', () => {
  const db = new Database(path, { readonly: true });
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, 1);
  db.close();
});

test('createRoom: genesis state, owner member; the same id again is ROOM_EXISTS', async () => {
  const { roomId, owner } = await newRoom();
  const found = await store.getRoomAndMembers(roomId);
  assert.ok(found);
  assert.equal([found!.room.epoch, found!.room.logLength, found!.room.lastSeq, found!.room.rotationPending], [0, 1, 0, false]);
  assert.equal(found!.members.map((m) => [toHex(m.sign), m.role, m.addedAt, m.joinEpoch]), [[toHex(owner), 'owner', 0, 0]]);
  await rejects(store.createRoom({ roomId, owner, ownerEnc: key(), settings: DEFAULT_SETTINGS, genesis: randomBytes(10), headHash: key(), now: 0 }), 'ROOM_EXISTS');
  assert.is(await store.countRooms(), 1);
});

test('appendEvent is a compare-and-set on the log length', async () => {
  const { roomId, owner } = await newRoom();
  const { invite, joiner, joinerEnc } = await confirmedJoin(roomId, owner);
  const add = { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite } as const;
  await rejects(store.appendEvent({ roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: add }), 'BAD_CHAIN');
  await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: add });
  // The join is consumed, the invite stays claimed, the joiner is a member from the current epoch.
  assert.is(await store.getJoin(roomId, joiner), undefined);
  assert.ok((await store.getInvite(roomId, invite))!.claimedBy);
  assert.equal((await store.getMember(roomId, joiner))!.addedAt, 1);
  await rejects(store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'remove', sign: joiner } }), 'BAD_CHAIN');
  assert.is((await store.getEvents(roomId, 0)).length, 2);
});

test('an add needs a confirmed join; refused, nothing is written', async () => {
  const { roomId, owner } = await newRoom();
  const invite = key();
  const joiner = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
  await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: joiner, joinerEnc: key(), request: randomBytes(300), now: 0 });
  await store.putJoinStep(roomId, invite, joiner, 'welcome', randomBytes(200));
  await rejects(store.appendEvent({
    roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: key(), role: 'member', invitePublicKey: invite },
  }), 'JOIN_STATE');
  assert.is((await store.getRoom(roomId))!.logLength, 1);
  assert.is(await store.getMember(roomId, joiner), undefined);
});

test('appendEvent with a rotation is atomic: a stale rotation rolls the event back', async () => {
  const { roomId, owner } = await newRoom();
  const { invite, joiner, joinerEnc } = await confirmedJoin(roomId, owner);
  await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite } });
  const remove = { roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'remove', sign: joiner } } as const;
  await rejects(store.appendEvent({ ...remove, rotation: { epoch: 2, bytes: randomBytes(300), members: [owner] } }), 'STALE_EPOCH');
  const after = await store.getRoomAndMembers(roomId);
  assert.equal([after!.room.logLength, after!.room.epoch, after!.members.length], [2, 0, 2]);
  assert.equal(await store.getRotations(roomId, 0, owner), []);

  const rotation = randomBytes(300);
  await store.appendEvent({ ...remove, rotation: { epoch: 1, bytes: rotation, members: [owner] } });
  const done = await store.getRoomAndMembers(roomId);
  assert.equal([done!.room.logLength, done!.room.epoch, done!.members.length], [3, 1, 1]);
  assert.equal((await store.getRotations(roomId, 0, owner)).map(toHex), [toHex(rotation)]);
  assert.equal(await store.getRotations(roomId, 0, joiner), []);
});

test('leave sets rotation-pending; a rotation clears it; rotations are CAS on epoch and log length', async () => {
  const { roomId, owner } = await newRoom();
  const { invite, joiner, joinerEnc } = await confirmedJoin(roomId, owner);
  await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite } });
  await store.appendEvent({ roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'remove', sign: joiner }, markRotationPending: true });
  assert.ok((await store.getRoom(roomId))!.rotationPending);
  await rejects(store.appendMessage(message(roomId, 0, randomBytes(100), 0)), 'STALE_EPOCH');
  await rejects(store.addRotation(roomId, 2, { epoch: 1, bytes: randomBytes(100), members: [owner] }), 'BAD_ROTATION');
  await rejects(store.addRotation(roomId, 3, { epoch: 2, bytes: randomBytes(100), members: [owner] }), 'STALE_EPOCH');
  await store.addRotation(roomId, 3, { epoch: 1, bytes: randomBytes(100), members: [owner] });
  await rejects(store.addRotation(roomId, 3, { epoch: 1, bytes: randomBytes(100), members: [owner] }), 'STALE_EPOCH');
  const room = (await store.getRoom(roomId))!;
  assert.equal([room.epoch, room.rotationPending], [1, false]);
  assert.is((await store.appendMessage(message(roomId, 1, randomBytes(100), 0))).seq, 1);
});

test('message seqs are gapless per room; wrong epochs are refused; history is pruned to the limit', async () => {
  await store.close();
  store = open(path, 3);
  const a = await newRoom();
  const b = await newRoom();
  const seqs: number[] = [];
  for (let i = 0; i < 5; i++) {
    seqs.push((await store.appendMessage(message(a.roomId, 0, randomBytes(64), i))).seq);
    if (i === 2) await rejects(store.appendMessage(message(a.roomId, 1, randomBytes(64), i)), 'STALE_EPOCH');
  }
  assert.equal(seqs, [1, 2, 3, 4, 5]);
  assert.is((await store.appendMessage(message(b.roomId, 0, randomBytes(64), 0))).seq, 1);
  assert.equal((await store.getMessages(a.roomId, 0, 0, 100)).map((m) => m.seq), [3, 4, 5]);
  assert.equal((await store.getMessages(a.roomId, 3, 0, 1)).map((m) => m.seq), [4]);
  assert.is((await store.getRoom(a.roomId))!.lastSeq, 5);
  await rejects(store.appendMessage(message(randomBytes(16), 0, randomBytes(64), 0)), 'ROOM_NOT_FOUND');
});

test('claimInvite: of two claims from two connections exactly one wins', async () => {
  const { roomId, owner } = await newRoom();
  const invite = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
  await rejects(store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) }), 'INVITE_EXISTS');
  const other = open();
  try {
    const claim = (s: SqliteStore) => s.claimInvite({ roomId, invitePublicKey: invite, joinerSign: key(), joinerEnc: key(), request: randomBytes(300), now: 0 });
    const results = await Promise.allSettled([claim(store), claim(other), claim(store)]);
    assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isSottoError(r.reason, 'INVITE_USED'));
  } finally {
    await other.close();
  }
  assert.is((await store.pendingJoinsForIssuer(roomId, owner)).length, 1);
});

test('join steps: welcome before confirm, same bytes again are fine, different bytes are JOIN_STATE', async () => {
  const { roomId, owner } = await newRoom();
  const invite = key();
  const joiner = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
  await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: joiner, joinerEnc: key(), request: randomBytes(300), now: 0 });
  await rejects(store.claimInvite({ roomId, invitePublicKey: key(), joinerSign: joiner, joinerEnc: key(), request: randomBytes(300), now: 0 }), 'INVITE_NOT_FOUND');
  await rejects(store.putJoinStep(roomId, invite, joiner, 'confirm', randomBytes(60)), 'JOIN_STATE');
  await rejects(store.putJoinStep(roomId, invite, key(), 'welcome', randomBytes(60)), 'JOIN_NOT_FOUND');
  const welcome = randomBytes(200);
  await store.putJoinStep(roomId, invite, joiner, 'welcome', welcome);
  await store.putJoinStep(roomId, invite, joiner, 'welcome', welcome);
  await rejects(store.putJoinStep(roomId, invite, joiner, 'welcome', randomBytes(200)), 'JOIN_STATE');
  await store.putJoinStep(roomId, invite, joiner, 'confirm', randomBytes(60));
  const join = (await store.getJoin(roomId, joiner))!;
  assert.equal([toHex(join.issuer), toHex(join.welcome!), join.confirm!.length], [toHex(owner), toHex(welcome), 60]);
});

test('invite failures lock the invite after the limit, then count afresh', async () => {
  const { roomId, owner } = await newRoom();
  const invite = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
  const policy = { now: 1000, maxFailures: 3, lockoutMs: 500 };
  await store.recordInviteFailure(roomId, invite, policy);
  await store.recordInviteFailure(roomId, invite, policy);
  assert.is((await store.getInvite(roomId, invite))!.lockedUntil, 0);
  await store.recordInviteFailure(roomId, invite, policy);
  assert.is((await store.getInvite(roomId, invite))!.lockedUntil, 1500);
});

test('prune drops invites long expired with their pending joins', async () => {
  const { roomId, owner } = await newRoom();
  const invite = key();
  await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: 1000, bytes: randomBytes(150) });
  await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: key(), joinerEnc: key(), request: randomBytes(300), now: 0 });
  await store.prune(1000 + 3600_000);
  assert.ok(await store.getInvite(roomId, invite));
  await store.prune(1000 + 2 * 24 * 3600_000);
  assert.is(await store.getInvite(roomId, invite), undefined);
  assert.equal(await store.pendingJoinsForIssuer(roomId, owner), []);
});

test('everything survives closing and reopening', async () => {
  const { roomId, owner } = await newRoom();
  await store.appendMessage(message(roomId, 0, randomBytes(64), 0));
  await store.close();
  store = open();
  const room = (await store.getRoom(roomId))!;
  assert.equal([room.lastSeq, room.logLength, toHex(room.owner)], [1, 1, toHex(owner)]);
  assert.is((await store.appendMessage(message(roomId, 0, randomBytes(64), 0))).seq, 2);
});

test('a resend of a stored message returns its seq; another message under the same counter is COUNTER_USED', async () => {
  const { roomId } = await newRoom();
  const sender = key();
  const bytes = randomBytes(64);
  const first = await store.appendMessage(message(roomId, 0, bytes, 0, sender, 1));
  assert.equal(first, { seq: 1, duplicate: false });
  assert.equal(await store.appendMessage(message(roomId, 0, bytes, 5, sender, 1)), { seq: 1, duplicate: true });
  await rejects(store.appendMessage(message(roomId, 0, randomBytes(64), 5, sender, 1)), 'COUNTER_USED');
  assert.equal(await store.appendMessage(message(roomId, 0, randomBytes(64), 5, sender, 2)), { seq: 2, duplicate: false });
});

test.run();
