// The Store contract: what every store (SQLite, PostgreSQL) must do, run against each by its own
// test file so the two can never drift. Records are opaque to a store, so random bytes stand in
// for them. Two stores opened on one database stand for two relay processes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { isSottoError, type ErrorName } from '../../protocol/errors.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import type { AppendedMessage, NewMessage, PruneCutoffs, Store } from '../../relay/store/store.js';
import { labeledHash } from '../../protocol/crypto/signing.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned } from '../../protocol/wire/message.js';
import { encodeTombstoneSigned, type TombstoneFields } from '../../protocol/wire/tombstone.js';

/** One empty database per test. */
export interface StoreDatabase {
  /** Another store (connection, pool) on this database; `maxRoomBytes` unset: no byte limit. */
  open(maxHistoryPerRoom: number, maxRoomBytes?: number): Promise<Store>;
  /** Drops what the database left behind (stores opened on it are closed by then). */
  dispose(): Promise<void>;
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

/** One message through appendMessages, its refusal thrown as a single-message API would. */
async function append(store: Store, m: NewMessage): Promise<AppendedMessage> {
  const [outcome] = await store.appendMessages([m]);
  if (outcome === undefined) throw new Error('appendMessages returned no outcome');
  if (!outcome.ok) throw outcome.error;
  return { seq: outcome.seq, duplicate: outcome.duplicate };
}

/** The contract as a uvu suite; `newDatabase` undefined skips it (the service is not installed). */
export function storeContract(name: string, newDatabase: (() => Promise<StoreDatabase>) | undefined): ReturnType<typeof suite> {
  const contract = suite(`store contract: ${name}`);
  if (newDatabase === undefined) return contract;
  let database: StoreDatabase;
  let store: Store;
  const others: Store[] = [];

  async function newRoom(s = store): Promise<{ roomId: Uint8Array; owner: Uint8Array }> {
    const roomId = randomBytes(16);
    const owner = key();
    await s.createRoom({ roomId, owner, ownerEnc: key(), settings: DEFAULT_SETTINGS, genesis: randomBytes(200), headHash: key(), now: Date.now() });
    return { roomId, owner };
  }

  /** Registers an invite and claims it for a joiner: a join the issuer's add may complete. */
  async function pendingJoin(roomId: Uint8Array, issuer: Uint8Array): Promise<{ invite: Uint8Array; joiner: Uint8Array; joinerEnc: Uint8Array }> {
    const invite = key();
    const joiner = key();
    const joinerEnc = key();
    await store.putInvite({ roomId, invitePublicKey: invite, issuer, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
    await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: joiner, joinerEnc, request: randomBytes(300), now: Date.now() });
    return { invite, joiner, joinerEnc };
  }

  /** A store standing for another relay process, closed after the test. */
  async function another(): Promise<Store> {
    const other = await database.open(1000);
    others.push(other);
    return other;
  }

  contract.before.each(async () => {
    database = await newDatabase();
    store = await database.open(1000);
  });

  contract.after.each(async () => {
    await Promise.all([store, ...others.splice(0)].map((s) => s.close()));
    await database.dispose();
  });

  contract('createRoom: genesis state, owner member; the same id again is ROOM_EXISTS', async () => {
    const { roomId, owner } = await newRoom();
    const found = await store.getRoomAndMembers(roomId);
    assert.ok(found);
    assert.equal([found!.room.epoch, found!.room.logLength, found!.room.lastSeq, found!.room.rotationPending], [0, 1, 0, false]);
    assert.equal(found!.members.map((m) => [toHex(m.sign), m.role, m.addedAt, m.joinEpoch]), [[toHex(owner), 'owner', 0, 0]]);
    await rejects(store.createRoom({ roomId, owner, ownerEnc: key(), settings: DEFAULT_SETTINGS, genesis: randomBytes(10), headHash: key(), now: 0 }), 'ROOM_EXISTS');
    assert.is(await store.countRooms(), 1);
  });

  contract('appendEvent is a compare-and-set on the log length', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    const add = { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome: randomBytes(200) } as const;
    await rejects(store.appendEvent({ roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: add }), 'BAD_CHAIN');
    await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: add });
    // The join keeps its welcome until the joiner confirms it; the invite stays claimed; the joiner is
    // a member from the current epoch (an add without a rotation, as only the store sees it here).
    assert.ok((await store.getJoin(roomId, joiner))!.welcome);
    assert.ok((await store.getInvite(roomId, invite))!.claimedBy);
    assert.equal((await store.getMember(roomId, joiner))!.addedAt, 1);
    await rejects(store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'remove', signs: [joiner] } }), 'BAD_CHAIN');
    assert.is((await store.getEvents(roomId, 0, 10)).length, 2);
    assert.is((await store.getEvents(roomId, 0, 1)).length, 1);
  });

  contract('an add needs a pending join of its invite; refused, nothing is written', async () => {
    const { roomId, owner } = await newRoom();
    const { joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await rejects(store.appendEvent({
      roomId, expectedLength: 1, event: randomBytes(250), headHash: key(),
      change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: key(), welcome: randomBytes(200) },
    }), 'JOIN_STATE');
    assert.is((await store.getRoom(roomId))!.logLength, 1);
    assert.is(await store.getMember(roomId, joiner), undefined);
    assert.is((await store.getJoin(roomId, joiner))!.welcome, undefined);
  });

  contract('an add with a rotation makes the joiner a member from the epoch it starts', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await store.appendEvent({
      roomId, expectedLength: 1, event: randomBytes(250), headHash: key(),
      change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome: randomBytes(200) },
      rotation: { epoch: 1, bytes: randomBytes(300), members: [owner, joiner] },
    });
    assert.equal([(await store.getRoom(roomId))!.epoch, (await store.getMember(roomId, joiner))!.joinEpoch], [1, 1]);
    assert.is((await store.getRotations(roomId, 0, joiner)).length, 1);
  });

  contract('appendEvent with a rotation is atomic: a stale rotation rolls the event back', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome: randomBytes(200) } });
    const remove = { roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'remove', signs: [joiner] } } as const;
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

  contract('a key update re-keys the member row with its rotation, keeping role, admission and first epoch; a non-member’s is refused whole', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome: randomBytes(200) } });
    const [newSign, newEnc] = [key(), key()];
    await rejects(store.appendEvent({
      roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'update', sign: key(), newSign, newEnc },
      rotation: { epoch: 1, bytes: randomBytes(300), members: [owner, newSign] },
    }), 'NOT_MEMBER');
    assert.equal([(await store.getRoom(roomId))!.logLength, (await store.getRoom(roomId))!.epoch], [2, 0]);
    await store.appendEvent({
      roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'update', sign: joiner, newSign, newEnc },
      rotation: { epoch: 1, bytes: randomBytes(300), members: [owner, newSign] },
    });
    assert.is(await store.getMember(roomId, joiner), undefined);
    const rekeyed = (await store.getMember(roomId, newSign))!;
    assert.equal([toHex(rekeyed.enc), rekeyed.role, rekeyed.addedAt, rekeyed.joinEpoch], [toHex(newEnc), 'member', 1, 0]);
    assert.is((await store.getRotations(roomId, 1, newSign)).length, 1);
  });

  contract('leave sets rotation-pending; a rotation clears it; rotations are CAS on epoch and log length', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await store.appendEvent({ roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome: randomBytes(200) } });
    await store.appendEvent({ roomId, expectedLength: 2, event: randomBytes(250), headHash: key(), change: { kind: 'remove', signs: [joiner] }, markRotationPending: true });
    assert.ok((await store.getRoom(roomId))!.rotationPending);
    await rejects(append(store, message(roomId, 0, randomBytes(100), 0)), 'STALE_EPOCH');
    await rejects(store.addRotation(roomId, 2, { epoch: 1, bytes: randomBytes(100), members: [owner] }), 'BAD_ROTATION');
    await rejects(store.addRotation(roomId, 3, { epoch: 2, bytes: randomBytes(100), members: [owner] }), 'STALE_EPOCH');
    await store.addRotation(roomId, 3, { epoch: 1, bytes: randomBytes(100), members: [owner] });
    await rejects(store.addRotation(roomId, 3, { epoch: 1, bytes: randomBytes(100), members: [owner] }), 'STALE_EPOCH');
    const room = (await store.getRoom(roomId))!;
    assert.equal([room.epoch, room.rotationPending], [1, false]);
    assert.is((await append(store, message(roomId, 1, randomBytes(100), 0))).seq, 1);
  });

  contract('message seqs are gapless per room; wrong epochs are refused; history is pruned to the limit', async () => {
    await store.close();
    store = await database.open(3);
    const a = await newRoom();
    const b = await newRoom();
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      seqs.push((await append(store, message(a.roomId, 0, randomBytes(64), i))).seq);
      if (i === 2) await rejects(append(store, message(a.roomId, 1, randomBytes(64), i)), 'STALE_EPOCH');
    }
    assert.equal(seqs, [1, 2, 3, 4, 5]);
    assert.is((await append(store, message(b.roomId, 0, randomBytes(64), 0))).seq, 1);
    assert.equal((await store.getMessages(a.roomId, 0, 0, 100)).map((m) => m.seq), [3, 4, 5]);
    assert.equal((await store.getMessages(a.roomId, 3, 0, 1)).map((m) => m.seq), [4]);
    assert.is((await store.getRoom(a.roomId))!.lastSeq, 5);
    await rejects(append(store, message(randomBytes(16), 0, randomBytes(64), 0)), 'ROOM_NOT_FOUND');
  });

  contract('V-117: a room holds at most maxRoomBytes of messages: ROOM_FULL beyond, a resend still answered, pruning frees room', async () => {
    await store.close();
    store = await database.open(2, 1000);
    const { roomId } = await newRoom();
    const sent: NewMessage[] = [];
    for (let i = 0; i < 3; i++) {
      sent.push(message(roomId, 0, randomBytes(300), i));
      await append(store, sent[i]!);
    }
    // The third pushed the first out (two kept), so 600 bytes are held: 500 more would be 1100.
    await rejects(append(store, message(roomId, 0, randomBytes(500), 3)), 'ROOM_FULL');
    // 400 fits exactly; its insert then pushes out the second (seqs 3 and 4 kept: 700 bytes).
    assert.is((await append(store, message(roomId, 0, randomBytes(400), 3))).seq, 4);
    await rejects(append(store, message(roomId, 0, randomBytes(301), 4)), 'ROOM_FULL');
    assert.equal(await append(store, sent[2]!), { seq: 3, duplicate: true });
    // Pruned by age, everything goes, and with it the bytes it held.
    await store.prune({ invitesExpiredBefore: 0, joinsCreatedBefore: 0, messagesCreatedBefore: 100, attachmentUploadMs: 1000, now: 100 });
    assert.is((await append(store, message(roomId, 0, randomBytes(1000), 5))).seq, 5);
    await rejects(append(store, message(roomId, 0, randomBytes(1), 5)), 'ROOM_FULL');
  });

  contract('claimInvite: of two claims from two connections exactly one wins', async () => {
    const { roomId, owner } = await newRoom();
    const invite = key();
    await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
    await rejects(store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) }), 'INVITE_EXISTS');
    const other = await another();
    {
      const claim = (s: Store) => s.claimInvite({ roomId, invitePublicKey: invite, joinerSign: key(), joinerEnc: key(), request: randomBytes(300), now: 0 });
      const results = await Promise.allSettled([claim(store), claim(other), claim(store)]);
      assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isSottoError(r.reason, 'INVITE_USED'));
    }
    assert.is((await store.pendingJoinsForIssuer(roomId, owner)).length, 1);
  });

  contract('confirmJoin: only after the add, same bytes again are fine, different bytes are JOIN_STATE', async () => {
    const { roomId, owner } = await newRoom();
    const { invite, joiner, joinerEnc } = await pendingJoin(roomId, owner);
    await rejects(store.claimInvite({ roomId, invitePublicKey: key(), joinerSign: joiner, joinerEnc: key(), request: randomBytes(300), now: 0 }), 'INVITE_NOT_FOUND');
    await rejects(store.confirmJoin(roomId, invite, joiner, randomBytes(60)), 'JOIN_STATE');
    await rejects(store.confirmJoin(roomId, invite, key(), randomBytes(60)), 'JOIN_NOT_FOUND');
    const welcome = randomBytes(200);
    await store.appendEvent({
      roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: joiner, enc: joinerEnc, role: 'member', invitePublicKey: invite, welcome },
    });
    const confirm = randomBytes(60);
    await store.confirmJoin(roomId, invite, joiner, confirm);
    await store.confirmJoin(roomId, invite, joiner, confirm);
    await rejects(store.confirmJoin(roomId, invite, joiner, randomBytes(60)), 'JOIN_STATE');
    const join = (await store.getJoin(roomId, joiner))!;
    assert.equal([toHex(join.issuer), toHex(join.welcome!), toHex(join.confirm!)], [toHex(owner), toHex(welcome), toHex(confirm)]);
  });

  contract('invite failures lock the invite after the limit, then count afresh', async () => {
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

  contract('prune drops invites long expired with their pending joins', async () => {
    const { roomId, owner } = await newRoom();
    const invite = key();
    await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: 1000, bytes: randomBytes(150) });
    await store.claimInvite({ roomId, invitePublicKey: invite, joinerSign: key(), joinerEnc: key(), request: randomBytes(300), now: 0 });
    const keepJoins = { joinsCreatedBefore: 0, messagesCreatedBefore: undefined, attachmentUploadMs: 1000, now: 0 };
    assert.equal(await store.prune({ invitesExpiredBefore: 1000, ...keepJoins }), { invites: 0, joins: 0, messages: 0, chunks: 0 });
    assert.ok(await store.getInvite(roomId, invite));
    assert.equal(await store.prune({ invitesExpiredBefore: 1001, ...keepJoins }), { invites: 1, joins: 1, messages: 0, chunks: 0 });
    assert.is(await store.getInvite(roomId, invite), undefined);
    assert.equal(await store.pendingJoinsForIssuer(roomId, owner), []);
  });

  contract('V-171: attachments go with the messages that carried them, unfinished ones after the upload window', async () => {
    const { roomId } = await newRoom();
    const uploader = key();
    const put = (attachmentId: Uint8Array, index: number, last: boolean, now: number, bytes = randomBytes(100)): Promise<number> =>
      store.putAttachmentChunk({ roomId, attachmentId, uploader, index, last, bytes, now, maxAttachmentBytes: 10_000, maxRoomBytes: 100_000 });
    const [carried, unfinished, recent] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    await put(carried, 0, false, 1000);
    assert.is(await put(carried, 1, true, 1200, randomBytes(50)), 150, 'the stored bytes so far');
    await put(unfinished, 0, false, 1000);
    await put(recent, 0, true, 8500);
    assert.is(await store.attachmentBytes(roomId), 350);
    await append(store, message(roomId, 0, randomBytes(64), 2000));
    await append(store, message(roomId, 0, randomBytes(64), 9000));
    const cut = (now: number, messagesCreatedBefore?: number): PruneCutoffs =>
      ({ invitesExpiredBefore: 0, joinsCreatedBefore: 0, messagesCreatedBefore, attachmentUploadMs: 1000, now });
    assert.is((await store.prune(cut(1500))).chunks, 0, 'within the upload window nothing goes');
    assert.is((await store.prune(cut(3000))).chunks, 1, 'the unfinished upload goes after its window');
    await rejects(store.getAttachmentChunk(roomId, unfinished, 0), 'ATTACHMENT_NOT_FOUND');
    assert.is((await store.getAttachmentChunk(roomId, carried, 1)).last, true, 'its message is still kept');
    // The message sent at 2000 goes by age: the attachment its sender uploaded before it goes too.
    const removed = await store.prune(cut(3000, 2500));
    assert.equal({ messages: removed.messages, chunks: removed.chunks }, { messages: 1, chunks: 2 });
    await rejects(store.getAttachmentChunk(roomId, carried, 0), 'ATTACHMENT_NOT_FOUND');
    assert.is((await store.getAttachmentChunk(roomId, recent, 0)).bytes.length, 100, 'one started within the window of the oldest kept message stays');
    assert.is(await store.attachmentBytes(roomId), 100);
  });

  contract('V-153: a drop puts its sender’s tombstone in place of the stored message and takes its attachment along; another’s, or one that does not describe the record, is refused', async () => {
    const { roomId } = await newRoom();
    const sender = key();
    // A real record's layout (the store reads its header), with a signature no store checks.
    const unsigned = encodeMessageUnsigned(encodeMessageHeader({
      roomId, epoch: 0, sender, counter: 1, index: 0, prevHash: new Uint8Array(32), seenSeq: 0, seenHash: new Uint8Array(32),
      logLength: 1, logHash: key(), nonce: randomBytes(24),
    }), randomBytes(300));
    const signedRecord = decodeMessage(new Uint8Array([...unsigned, ...randomBytes(64)])).bytes;
    const { seq } = await append(store, message(roomId, 0, signedRecord, 1000, sender, 1));
    const attachmentId = randomBytes(16);
    await store.putAttachmentChunk({ roomId, attachmentId, uploader: sender, index: 0, last: true, bytes: randomBytes(100), now: 900, maxAttachmentBytes: 10_000, maxRoomBytes: 100_000 });
    const tombstone = (fields: Partial<TombstoneFields> = {}): Uint8Array => new Uint8Array([...encodeTombstoneSigned({
      roomId, seq, epoch: 0, sender, counter: 1, index: 0, prevHash: new Uint8Array(32), hash: labeledHash('hashMessage', signedRecord), time: 5, ...fields,
    }), ...randomBytes(64)]);
    const drop = (bytes: Uint8Array, by = sender): Promise<void> => store.dropMessage({ roomId, sender: by, tombstone: bytes, attachmentId });
    await rejects(drop(tombstone(), key()), 'DROP_MISMATCH');
    await rejects(drop(tombstone({ sender: key() })), 'DROP_MISMATCH');
    await rejects(drop(tombstone({ counter: 2 })), 'DROP_MISMATCH');
    await rejects(drop(tombstone({ index: 1 })), 'DROP_MISMATCH');
    await rejects(drop(tombstone({ hash: key() })), 'DROP_MISMATCH');
    await rejects(drop(tombstone({ seq: seq + 1 })), 'MESSAGE_NOT_FOUND');
    assert.equal((await store.getMessages(roomId, 0, 0, 10)).map((m) => m.dropped), [false], 'nothing refused changed the message');
    assert.is(await store.attachmentBytes(roomId), 100);
    const kept = tombstone();
    await drop(kept);
    const [stored] = await store.getMessages(roomId, 0, 0, 10);
    assert.equal({ seq: stored!.seq, dropped: stored!.dropped, bytes: toHex(stored!.bytes) }, { seq, dropped: true, bytes: toHex(kept) }, 'the tombstone, not the ciphertext');
    assert.is(await store.attachmentBytes(roomId), 0, 'its attachment went with it');
    await rejects(store.getAttachmentChunk(roomId, attachmentId, 0), 'ATTACHMENT_NOT_FOUND');
    await drop(kept); // a repeat (its answer lost) is answered again
    await rejects(drop(tombstone({ time: 6 })), 'DROP_MISMATCH');
  });

  contract('everything survives closing and reopening', async () => {
    const { roomId, owner } = await newRoom();
    await append(store, message(roomId, 0, randomBytes(64), 0));
    await store.close();
    store = await database.open(1000);
    const room = (await store.getRoom(roomId))!;
    assert.equal([room.lastSeq, room.logLength, toHex(room.owner)], [1, 1, toHex(owner)]);
    assert.is((await append(store, message(roomId, 0, randomBytes(64), 0))).seq, 2);
  });

  contract('a resend of a stored message returns its seq; another message under the same counter is COUNTER_USED', async () => {
    const { roomId } = await newRoom();
    const sender = key();
    const bytes = randomBytes(64);
    const first = await append(store, message(roomId, 0, bytes, 0, sender, 1));
    assert.equal(first, { seq: 1, duplicate: false });
    assert.equal(await append(store, message(roomId, 0, bytes, 5, sender, 1)), { seq: 1, duplicate: true });
    await rejects(append(store, message(roomId, 0, randomBytes(64), 5, sender, 1)), 'COUNTER_USED');
    assert.equal(await append(store, message(roomId, 0, randomBytes(64), 5, sender, 2)), { seq: 2, duplicate: false });
  });

  contract('appendMessages: an early onStored, where a store gives one, comes once, before the answer, with the same outcomes', async () => {
    const { roomId } = await newRoom();
    const order: string[] = [];
    const early: unknown[] = [];
    const outcomes = await store.appendMessages([message(roomId, 0, randomBytes(64), 0), message(roomId, 7, randomBytes(64), 0)], (stored) => {
      order.push('stored');
      early.push(stored.map((o) => (o.ok ? o.seq : o.error.errorName)));
    }).then((value) => {
      order.push('resolved');
      return value;
    });
    assert.ok(order.join() === 'stored,resolved' || order.join() === 'resolved', order.join());
    for (const seen of early) assert.equal(seen, outcomes.map((o) => (o.ok ? o.seq : o.error.errorName)));
    assert.equal(outcomes.map((o) => (o.ok ? o.seq : o.error.errorName)), [1, 'STALE_EPOCH']);
  });

  contract('a run of messages in one call: seqs in order across rooms; a refused one fails alone and changes nothing', async () => {
    const a = await newRoom();
    const b = await newRoom();
    const sender = key();
    const bytes = randomBytes(64);
    const outcomes = await store.appendMessages([
      message(a.roomId, 0, bytes, 0, sender, 1),
      message(b.roomId, 0, randomBytes(64), 0),
      message(a.roomId, 1, randomBytes(64), 0),
      message(a.roomId, 0, randomBytes(64), 0, sender, 1),
      message(a.roomId, 0, bytes, 0, sender, 1),
      message(randomBytes(16), 0, randomBytes(64), 0),
      message(a.roomId, 0, randomBytes(64), 0),
    ]);
    assert.equal(outcomes.map((o) => (o.ok ? [o.seq, o.duplicate] : o.error.errorName)), [
      [1, false], [1, false], 'STALE_EPOCH', 'COUNTER_USED', [1, true], 'ROOM_NOT_FOUND', [2, false],
    ]);
    assert.equal((await store.getMessages(a.roomId, 0, 0, 10)).map((m) => m.seq), [1, 2]);
    assert.is((await store.getRoom(a.roomId))!.lastSeq, 2);
    assert.is((await store.getRoom(b.roomId))!.lastSeq, 1);
  });

  contract('many sends asked for at once: gapless distinct seqs, and one that fails fails alone', async () => {
    const { roomId } = await newRoom();
    const sends = Array.from({ length: 200 }, (_, i) => append(store, message(roomId, i === 100 ? 1 : 0, randomBytes(64), i)));
    const settled = await Promise.allSettled(sends);
    const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    assert.equal(failed, [100], 'only the message for the wrong epoch fails');
    // Order is not part of the contract (a pool runs transactions side by side); a session's own
    // requests are ordered by the relay, which runs them one at a time.
    const seqs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : [])).sort((a, b) => a - b);
    assert.equal(seqs, Array.from({ length: 199 }, (_, i) => i + 1));
    assert.is((await store.getMessages(roomId, 0, 0, 1000)).length, 199);
  });

  contract('across stores: concurrent sends get gapless, distinct seqs', async () => {
    const { roomId } = await newRoom();
    const other = await another();
    const sends = Array.from({ length: 30 }, (_, i) => append(i % 2 === 0 ? store : other, message(roomId, 0, randomBytes(64), i)));
    const seqs = (await Promise.all(sends)).map((r) => r.seq).sort((a, b) => a - b);
    assert.equal(seqs, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.is((await store.getRoom(roomId))!.lastSeq, 30);
  });

  contract('across stores: one resend raced from two stores is stored once', async () => {
    const { roomId } = await newRoom();
    const other = await another();
    const m = message(roomId, 0, randomBytes(64), 0);
    const results = await Promise.all([append(store, m), append(other, m), append(store, m)]);
    assert.equal(results.map((r) => r.seq), [1, 1, 1]);
    assert.is(results.filter((r) => !r.duplicate).length, 1);
    assert.is((await store.getMessages(roomId, 0, 0, 10)).length, 1);
  });

  contract('across stores: of two appends at one log length exactly one wins', async () => {
    const { roomId, owner } = await newRoom();
    const a = await pendingJoin(roomId, owner);
    const b = await pendingJoin(roomId, owner);
    const other = await another();
    const add = (s: Store, j: typeof a) => s.appendEvent({
      roomId, expectedLength: 1, event: randomBytes(250), headHash: key(), change: { kind: 'add', sign: j.joiner, enc: j.joinerEnc, role: 'member', invitePublicKey: j.invite, welcome: randomBytes(200) },
    });
    const results = await Promise.allSettled([add(store, a), add(other, b)]);
    assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isSottoError(r.reason, 'BAD_CHAIN'), String(r.reason));
    const after = await store.getRoomAndMembers(roomId);
    assert.equal([after!.room.logLength, after!.members.length], [2, 2]);
  });

  contract('across stores: invite failures all count, whichever store records them', async () => {
    const { roomId, owner } = await newRoom();
    const invite = key();
    await store.putInvite({ roomId, invitePublicKey: invite, issuer: owner, expiresAt: Date.now() + 60_000, bytes: randomBytes(150) });
    const other = await another();
    const policy = { now: 1000, maxFailures: 4, lockoutMs: 500 };
    await Promise.all([0, 1, 2, 3].map((i) => (i % 2 === 0 ? store : other).recordInviteFailure(roomId, invite, policy)));
    assert.is((await store.getInvite(roomId, invite))!.lockedUntil, 1500);
  });

  return contract;
}
