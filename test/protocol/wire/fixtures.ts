// One real room, built with the protocol's own builders and real signatures: every record type and
// every frame type, so the wire tests exercise exactly the bytes clients and the relay exchange.
import * as assert from 'uvu/assert';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { LIMIT } from '../../../protocol/wire/types.js';
import { sha256 } from '../../../protocol/crypto/hash.js';
import { utf8 } from '../../../protocol/bytes.js';
import { isSottoError, type ErrorName } from '../../../protocol/errors.js';
import { genesisEvent, nextEvent, updateEvent } from '../../../protocol/client/events.js';
import { createInvite, verifyInviteInfo } from '../../../protocol/client/invite.js';
import { buildJoinConfirm, buildJoinRequest, buildWelcome, openJoinRequest } from '../../../protocol/client/join.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash, sealMessage } from '../../../protocol/client/message-crypto.js';
import { signRecord } from '../../../protocol/crypto/signing.js';
import { decodeTombstone, encodeTombstoneSigned, type Tombstone } from '../../../protocol/wire/tombstone.js';
import { messageKeyAt } from '../../helpers/keystore-reader.js';
import { applyEvent, ZERO_HASH } from '../../../protocol/membership/roster.js';
import { buildRotation } from '../../../protocol/client/rotation.js';
import { parseInviteLink, type Invite } from '../../../protocol/wire/invite.js';
import type { JoinConfirm, JoinRequest, Welcome } from '../../../protocol/wire/join.js';
import type { MemberEvent } from '../../../protocol/wire/membership.js';
import type { MessageRecord } from '../../../protocol/wire/message.js';
import type { Rotation } from '../../../protocol/wire/rotation.js';
import type { ClientFrame, RelayFrame } from '../../../protocol/wire/frames.js';
import type { Checkpoint } from '../../../protocol/wire/checkpoint.js';
import { buildCheckpoint } from '../../../protocol/membership/checkpoint.js';

/**
 * The pre-shared key the fixtures seal each rotation entry with (§6 uses the previous epoch's init
 * secret or the join secret; a fixed function of the member serves the record-level tests alike).
 */
export function fixturePsk(member: { readonly sign: Uint8Array }): Uint8Array {
  return sha256(utf8('fixture psk'), member.sign);
}

/** fixturePsk of a member's own keys, to open its entry. */
export function ownFixturePsk(keys: MemberKeys): Uint8Array {
  return fixturePsk({ sign: keys.sign.publicKey });
}

export const suite = nobleSuite;

export interface Room {
  readonly roomId: Uint8Array;
  readonly owner: MemberKeys;
  readonly joiner: MemberKeys;
  readonly genesis: MemberEvent;
  readonly add: MemberEvent;
  /** The joiner's key update right after its add (§8.5). */
  readonly update: MemberEvent;
  readonly invite: Invite;
  readonly request: JoinRequest;
  readonly welcome: Welcome;
  readonly confirm: JoinConfirm;
  readonly rotation: Rotation;
  readonly message: MessageRecord;
  readonly checkpoint: Checkpoint;
  /** The joiner's tombstone of `message`, at seq 42 (§9.1.1). */
  readonly tombstone: Tombstone;
}

let cached: Promise<Room> | undefined;

/** Built once per test file: owner creates a room, invites, a joiner joins, epoch 1, one message. */
export function room(): Promise<Room> {
  cached ??= buildRoom();
  return cached;
}

async function buildRoom(): Promise<Room> {
  const now = Date.now();
  const roomId = randomBytes(16);
  const owner = await generateMemberKeys(suite);
  const joiner = await generateMemberKeys(suite);
  const genesis = await genesisEvent(owner.sign, owner.enc.publicKey, roomId, undefined, now);
  let roster = await applyEvent(suite, undefined, genesis);
  const created = await createInvite(suite, owner.sign, roster, now + 3600_000);
  const link = parseInviteLink(`https://sotto.example/#/join/${created.linkPayload}`);
  const verified = await verifyInviteInfo(suite, link, created.invite, undefined, [genesis], now);
  const { request, joiningKey } = await buildJoinRequest(suite, verified, joiner, now);
  const opened = await openJoinRequest(suite, request, owner.enc, verified.inviteKey);
  const add = await nextEvent(owner.sign, roster, {
    kind: 'add', subjectSign: joiner.sign.publicKey, subjectEnc: joiner.enc.publicKey, role: 'member',
    invitePublicKey: created.invite.invitePublicKey,
  }, now);
  roster = await applyEvent(suite, roster, add);
  const welcome = await buildWelcome(owner.sign, request, opened, created.token, {
    addIndex: add.index, addHash: roster.headHash, epoch: 1, roomName: 'Bücherei 📚', names: [{ member: owner.sign.publicKey, name: 'Owner' }],
  });
  const confirm = await buildJoinConfirm(joiner.sign, welcome, joiningKey, created.token);
  const epochKey = randomBytes(32);
  const rotation = await buildRotation(suite, owner.sign, roster, 1, epochKey, fixturePsk, now);
  const message = await sealMessage({
    signer: joiner.sign, roomId, epoch: 1, key: messageKeyAt(epochKey, roomId, 1, joiner.sign.publicKey), index: 0,
    counter: 1, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH, logLength: roster.length, logHash: roster.headHash,
    content: { type: 'text', time: now, text: 'hello, room' },
  });
  const checkpoint = await buildCheckpoint(owner.sign, roster, now);
  const update = await updateEvent(joiner.sign, await generateMemberKeys(suite), roster, now);
  const tombstone = decodeTombstone(await signRecord(joiner.sign, 'sigTombstone', encodeTombstoneSigned({
    roomId, seq: 42, epoch: 1, sender: joiner.sign.publicKey, counter: 1, index: 0, prevHash: ZERO_HASH, hash: messageHash(message.bytes), time: now,
  })));
  return { roomId, owner, joiner, genesis, add, update, invite: created.invite, request, welcome, confirm, rotation, message, checkpoint, tombstone };
}

export interface NamedRecord {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function records(r: Room): NamedRecord[] {
  return [
    { name: 'memberEvent (create)', bytes: r.genesis.bytes },
    { name: 'memberEvent (add)', bytes: r.add.bytes },
    { name: 'memberEvent (update)', bytes: r.update.bytes },
    { name: 'invite', bytes: r.invite.bytes },
    { name: 'joinRequest', bytes: r.request.bytes },
    { name: 'welcome', bytes: r.welcome.bytes },
    { name: 'joinConfirm', bytes: r.confirm.bytes },
    { name: 'rotation', bytes: r.rotation.bytes },
    { name: 'message', bytes: r.message.bytes },
    { name: 'checkpoint', bytes: r.checkpoint.bytes },
  ];
}

/** One of every client frame (createRoom bare and with a room token; appendEvent bare, with its rotation, and with rotation and welcome). */
export function clientFrames(r: Room): ClientFrame[] {
  return [
    { type: 'auth', rid: 1, roomId: r.roomId, role: 'member', publicKey: r.owner.sign.publicKey, signature: randomBytes(64) },
    { type: 'auth', rid: 2, roomId: r.roomId, role: 'joiner', publicKey: r.joiner.sign.publicKey, signature: randomBytes(64) },
    { type: 'createRoom', rid: 3, genesis: r.genesis },
    { type: 'registerInvite', rid: 4, invite: r.invite },
    { type: 'getInvite', rid: 5, roomId: r.roomId, invitePublicKey: r.invite.invitePublicKey },
    { type: 'joinRequest', rid: 6, request: r.request },
    { type: 'joinConfirm', rid: 8, confirm: r.confirm },
    { type: 'appendEvent', rid: 9, event: r.add, rotation: undefined, welcome: undefined },
    { type: 'appendEvent', rid: 10, event: r.add, rotation: r.rotation, welcome: undefined },
    { type: 'appendEvent', rid: 7, event: r.add, rotation: r.rotation, welcome: r.welcome },
    { type: 'rotate', rid: 11, rotation: r.rotation },
    { type: 'send', rid: 12, message: r.message },
    { type: 'sync', rid: 13, roomId: r.roomId, logFrom: 2, epochFrom: 1, seqFrom: 2 ** 53 - 1, limit: 1000 },
    { type: 'ping', rid: 0xffffffff },
    { type: 'checkpoint', rid: 14, checkpoint: r.checkpoint },
    { type: 'attachPut', rid: 15, roomId: r.roomId, attachmentId: new Uint8Array(16).fill(7), index: 3, last: true, chunk: new Uint8Array(300).fill(9) },
    { type: 'attachGet', rid: 16, roomId: r.roomId, attachmentId: new Uint8Array(16).fill(7), index: 8191 },
    { type: 'createRoom', rid: 30, genesis: r.genesis, roomToken: 'AAAAAZA3kfQxMjM0NTY3OIiq' },
    { type: 'linkListen', rid: 31, box: randomBytes(32) },
    { type: 'linkPost', rid: 32, box: randomBytes(32), data: randomBytes(300) },
    { type: 'linkUnlisten', rid: 33, box: randomBytes(32) },
    { type: 'drop', rid: 33, tombstone: r.tombstone, attachmentId: new Uint8Array(16).fill(3) },
  ];
}

/** One of every relay frame. */
export function relayFrames(r: Room): RelayFrame[] {
  return [
    { type: 'ok', rid: 1, value: 2 ** 53 - 1 },
    { type: 'error', rid: 2, code: 504, text: 'invite has already been used — ✓' },
    { type: 'inviteInfo', rid: 3, invite: r.invite, checkpoint: undefined, events: [r.genesis, r.add] },
    { type: 'inviteInfo', rid: 4, invite: r.invite, checkpoint: undefined, events: [] },
    { type: 'inviteInfo', rid: 8, invite: r.invite, checkpoint: r.checkpoint, events: [] },
    { type: 'deliver', roomId: r.roomId, seq: 42, message: r.message },
    { type: 'event', roomId: r.roomId, event: r.add },
    { type: 'rotation', roomId: r.roomId, rotation: r.rotation },
    { type: 'joinPending', roomId: r.roomId, request: r.request },
    { type: 'welcomeReady', roomId: r.roomId, welcome: r.welcome },
    { type: 'syncDone', rid: 5, roomId: r.roomId, logLength: 2, epoch: 1, lastSeq: 42, more: true },
    { type: 'syncDone', rid: 6, roomId: r.roomId, logLength: 2, epoch: 1, lastSeq: 0, more: false },
    { type: 'pong', rid: 7 },
    { type: 'attachChunk', rid: 9, index: 2, last: false, chunk: new Uint8Array(LIMIT.attachmentChunk).fill(5) },
    { type: 'linkData', box: randomBytes(32), data: randomBytes(300) },
    { type: 'busStatus', reachable: false },
    { type: 'dropped', roomId: r.roomId, tombstone: r.tombstone },
  ];
}

/** Asserts `run` throws the SottoError `name` (synchronously). */
export function throws(run: () => unknown, name: ErrorName, label = ''): void {
  try {
    run();
  } catch (error) {
    assert.ok(isSottoError(error, name), `${label}: expected ${name}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`${label}: expected ${name}, but it decoded`);
}

/** Copy with one byte replaced. */
export function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

export function withTrailing(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length + 1);
  copy.set(bytes);
  return copy;
}
