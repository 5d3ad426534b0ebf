// A client's whole state as bytes for ClientPersistence, and back. JSON with base64url bytes: easy
// to evolve and to inspect in a debugger once decrypted. Secrets are written out deliberately
// (Secret.expose), which is why the result must only ever reach an encrypting persistence.
// Loading replays and re-verifies the membership log rather than trusting stored rosters.
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from '../bytes.js';
import { SottoError, isSottoError, type ErrorName } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import type { Suite } from '../crypto/suite.js';
import { MAX_TEXT_BYTES, type Content, type ContentType } from '../wire/content.js';
import { decodeAttachmentRef, encodeAttachmentRef } from '../wire/attachment-ref.js';
import { decodeHistoryShare, encodeHistoryShare } from '../wire/history-share.js';
import { decodeMemberEvent } from '../wire/membership.js';
import { decodeCheckpoint } from '../wire/checkpoint.js';
import { rosterFromCheckpoint, verifyCheckpoint } from '../membership/checkpoint.js';
import { decodeMessage, type MessageRecord } from '../wire/message.js';
import { decodeTombstone } from '../wire/tombstone.js';
import { epochFromKey } from './epoch-keys.js';
import { safeName } from './display-name.js';
import { journalFromJson, journalToJson, type JournalJson } from './journal.js';
import { memberKeysFromSecrets } from './member-keys.js';
import { applyEvent, type Roster } from '../membership/roster.js';
import type { SenderChain } from './sender-ratchet.js';
import { appendVerified, currentRoster, newRoomState, rosterAt, type EpochInfo, setName, type DeliveredMessage, type JoinState, type OutboxItem, type RoomState, type RoomStatus } from './room-state.js';

/** The whole-snapshot version: what exports and keystores written before the records layout hold. */
export const SNAPSHOT_VERSION = 1;

/** A sender chain: [hex signing key, next index, chain key, [index, skipped message key][]]. */
type ChainJson = [string, number, string, [number, string][]];
/**
 * `chains` null: forgotten after the epoch was replaced (forgetKeysBefore). Snapshots written by
 * builds before sender chains (0959acf and earlier) hold the epoch key itself (`key`) instead of
 * `chains`, `code` and `init`: loading derives them from it, as a new epoch would (epochFromDraft).
 */
export interface EpochJson {
  epoch: number; chains?: ChainJson[] | null; code?: string; init?: string | null; key?: string | null;
  rosterHash: string; logLength: number; startedAt: number; rotationHash: string | null;
}

/**
 * A record a snapshot kept. One written before sender chains has no chain index in its header and
 * no longer decodes: such a room (something queued or waiting in it) is kept as outdated, whole.
 */
function draftRecord(record: Uint8Array): MessageRecord {
  try {
    return decodeMessage(record);
  } catch (error) {
    if (!isSottoError(error)) throw error;
    throw new SottoError('BAD_VERSION', `a queued or waiting message from a build before sender chains (${error.errorName})`);
  }
}

/** An epoch as builds before sender chains saved it: derived from its key, or forgotten with it. */
function epochFromDraft(room: RoomState, e: EpochJson): EpochInfo {
  const rotationHash = e.rotationHash === null ? undefined : bytes(e.rotationHash);
  const roster = rosterAt(room, e.logLength) ?? currentRoster(room);
  if (e.key === undefined || e.key === null || roster === undefined) {
    return { chains: undefined, code: '', initSecret: undefined, rosterHash: bytes(e.rosterHash), logLength: e.logLength, startedAt: e.startedAt, rotationHash };
  }
  return epochFromKey(bytes(e.key), { roomId: room.roomId, epoch: e.epoch, roster, startedAt: e.startedAt, rotationHash });
}
/**
 * `text` for a text, profile, room name, reply, reaction or edit; `share` (its encoding) for a history share;
 * `attachment` (its reference's encoding) for an attachment; `target`: a reply's, reaction's, edit's or
 * delete's target, [sender, counter] (§9.1).
 */
interface OutboxJson { counter: number; type: ContentType; time: number; text?: string; share?: string; attachment?: string; target?: [string, number]; record: string }
/** Protocol 1 also wrote 'welcomed' and 'confirmed': such a join is requested again under protocol 2. */
interface OwnJoinJson { token: string; invitePublicKey: string; issuer: string; joiningKey: string; state: JoinState | 'welcomed' | 'confirmed' }

export interface RoomJson {
  roomId: string;
  signSeed: string;
  encSecret: string;
  /** Our key update's new keys while it is unconfirmed (§8.5); absent or null otherwise. */
  keyUpdate?: { signSeed: string; encSecret: string } | null;
  /** A key update is owed (restored from an export); absent in older snapshots. */
  keyUpdateDue?: boolean;
  status: RoomStatus;
  name: string;
  displayName: string;
  /** The owner's checkpoint the log starts from (§8.4); absent or null for a log from the genesis. */
  checkpoint?: string | null;
  /** The log after the checkpoint; absent in a layout 3 state record (its `l.` parts hold it). */
  events?: string[];
  epochs: EpochJson[];
  epochCounts: [number, number][];
  counter: number;
  lastHash: string;
  /** The history (sentHashes, seen, messages) is absent in a records-layout state record (message-store.ts). */
  sentHashes?: string[];
  senders: [string, number, string][];
  seen?: [number, string][];
  lastSeen: number;
  syncSeq: number;
  messages?: DeliveredMessage[];
  /** Absent in snapshots written before unread counts were kept. */
  readSeq?: number;
  names: [string, string][];
  /** Members marked verified (hex signing keys); absent in snapshots from before it was kept. */
  verified?: string[];
  outbox: OutboxJson[];
  /** Messages waiting to be checked, [seq, record]; absent in snapshots from before they were kept. */
  waiting?: [number, string][];
  /** Tombstones waiting behind an earlier message of their sender, their bytes; absent before they waited. */
  waitingTombstones?: string[];
  invites: [string, string, number][];
  /**
   * Protocol 1's issuer-side joins awaiting a confirmation; read past, never written. Protocol 2
   * admits in one commit and keeps nothing between a request and its add.
   */
  joins?: unknown;
  join: OwnJoinJson | null;
  /** Absent in snapshots from before it was kept (journal.ts). */
  journal?: JournalJson;
}

export interface SnapshotJson {
  version: number;
  rooms: RoomJson[];
}

const b64 = toBase64Url;
const bytes = fromBase64Url;
const optional = (value: Uint8Array | undefined): string | null => (value === undefined ? null : b64(value));

function chainToJson([sender, chain]: [string, SenderChain]): ChainJson {
  return [sender, chain.next, b64(chain.key.expose()), [...chain.skipped].map(([index, key]) => [index, b64(key.expose())])];
}

function chainFromJson([sender, next, key, skipped]: ChainJson): [string, SenderChain] {
  return [sender, { next, key: new Secret(bytes(key)), skipped: new Map(skipped.map(([index, k]) => [index, new Secret(bytes(k))])) }];
}

function outboxToJson(item: OutboxItem): OutboxJson {
  const { content } = item;
  const body = content.type === 'history' ? { share: b64(encodeHistoryShare(content.share)) }
    : content.type === 'attachment' ? { attachment: b64(encodeAttachmentRef(content.attachment)) }
      : 'target' in content ? { text: content.text, target: [b64(content.target.sender), content.target.counter] as [string, number] }
        : { text: content.text };
  return { counter: item.counter, type: content.type, time: content.time, ...body, record: b64(item.record.bytes) };
}

function contentFromJson(o: OutboxJson): Content {
  if (o.type === 'history') return { type: o.type, time: o.time, share: decodeHistoryShare(bytes(o.share ?? ''), MAX_TEXT_BYTES) };
  if (o.type === 'attachment') return { type: o.type, time: o.time, attachment: decodeAttachmentRef(bytes(o.attachment ?? '')) };
  if (o.type === 'text' || o.type === 'profile' || o.type === 'roomName') return { type: o.type, time: o.time, text: o.text ?? '' };
  if (o.target === undefined) throw new SottoError('BAD_VALUE', `a queued ${o.type} without its target`);
  return { type: o.type, time: o.time, text: o.text ?? '', target: { sender: bytes(o.target[0]), counter: o.target[1] } };
}

export function epochToJson(epoch: number, info: EpochInfo): EpochJson {
  return {
    epoch, chains: info.chains === undefined ? null : [...info.chains].map(chainToJson), code: info.code,
    init: info.initSecret === undefined ? null : b64(info.initSecret.expose()), rosterHash: b64(info.rosterHash),
    logLength: info.logLength, startedAt: info.startedAt, rotationHash: optional(info.rotationHash),
  };
}

/**
 * A room without its history: what grows with every message is kept apart (historyToJson). With
 * `inState`, the keystore's state record (message-store.ts): only the epochs it keeps and their
 * message counts, and the journal without its own records and rotations, all kept apart.
 */
export function roomToJson(room: RoomState, inState?: (epoch: number, info: EpochInfo) => boolean): RoomJson {
  const keeps = inState ?? ((): boolean => true);
  const epochs: EpochJson[] = [];
  for (const [epoch, info] of room.epochs) if (keeps(epoch, info)) epochs.push(epochToJson(epoch, info));
  const counted = ([epoch]: [number, number]): boolean => {
    const info = room.epochs.get(epoch);
    return info === undefined || keeps(epoch, info);
  };
  return {
    roomId: b64(room.roomId),
    signSeed: b64(room.me.signSeed.expose()),
    encSecret: b64(room.me.encSecret.expose()),
    keyUpdate: room.keyUpdate === undefined ? null : { signSeed: b64(room.keyUpdate.signSeed.expose()), encSecret: b64(room.keyUpdate.encSecret.expose()) },
    keyUpdateDue: room.keyUpdateDue,
    status: room.status,
    name: room.name,
    displayName: room.displayName,
    checkpoint: room.base === undefined ? null : b64(room.base.checkpoint.bytes),
    epochs,
    epochCounts: [...room.epochCounts].filter(counted),
    counter: room.counter,
    lastHash: b64(room.lastHash),
    senders: [...room.senders].map(([sender, state]) => [sender, state.counter, b64(state.hash)]),
    lastSeen: room.lastSeen,
    syncSeq: room.syncSeq,
    readSeq: room.readSeq,
    names: [...room.names],
    verified: [...room.verified],
    outbox: room.outbox.map(outboxToJson),
    waiting: room.waiting.flatMap((m): [number, string][] => (m.record === undefined ? [] : [[m.seq, b64(m.record.bytes)]])),
    waitingTombstones: room.waiting.flatMap((m) => (m.tombstone === undefined ? [] : [b64(m.tombstone.bytes)])),
    invites: [...room.invites].map(([key, invite]) => [key, b64(invite.token.expose()), invite.expiresAt]),
    join: room.join === undefined ? null : {
      token: b64(room.join.token.expose()), invitePublicKey: b64(room.join.invitePublicKey), issuer: b64(room.join.issuer),
      joiningKey: b64(room.join.joiningKey.expose()), state: room.join.state,
    },
    journal: journalToJson(room.journal, inState === undefined),
  };
}

/** What grows with every message or event: written whole in a snapshot, in chunks and parts by message-store.ts. */
export function historyToJson(room: RoomState): Required<Pick<RoomJson, 'sentHashes' | 'seen' | 'messages' | 'events'>> {
  return {
    sentHashes: [...room.sentHashes], seen: [...room.seen].map(([seq, hash]) => [seq, b64(hash)]), messages: room.messages,
    events: room.events.map((e) => b64(e.bytes)),
  };
}

/**
 * A room whose records this protocol version cannot read (made by protocol 1). It is kept in the
 * snapshot exactly as it was, so nothing stored is lost, and reported instead of opened.
 */
export interface OutdatedRoom {
  readonly roomId: string;
  readonly name: string;
  readonly json: unknown;
}

export interface DecodedSnapshot {
  readonly rooms: RoomState[];
  readonly outdated: OutdatedRoom[];
}

export function encodeSnapshot(rooms: Iterable<RoomState>, outdated: readonly OutdatedRoom[] = []): Uint8Array {
  const json = { version: SNAPSHOT_VERSION, rooms: [...[...rooms].map((room) => ({ ...roomToJson(room), ...historyToJson(room) })), ...outdated.map((o) => o.json)] };
  return utf8(JSON.stringify(json));
}

async function roomFromJson(suite: Suite, j: RoomJson): Promise<RoomState> {
  const me = await memberKeysFromSecrets(suite, new Secret(bytes(j.signSeed)), new Secret(bytes(j.encSecret)));
  // Names are sanitized again: a snapshot written before V-18 holds them as they arrived.
  const room = newRoomState(bytes(j.roomId), me, j.status, safeName(j.name), j.displayName);
  if (j.keyUpdate !== undefined && j.keyUpdate !== null) {
    room.keyUpdate = await memberKeysFromSecrets(suite, new Secret(bytes(j.keyUpdate.signSeed)), new Secret(bytes(j.keyUpdate.encSecret)));
  }
  room.keyUpdateDue = j.keyUpdateDue ?? false;
  if (j.checkpoint !== undefined && j.checkpoint !== null) {
    // Verified again as on join, against the owner it names: the link is not kept (§8.4).
    const checkpoint = decodeCheckpoint(bytes(j.checkpoint));
    room.base = { checkpoint, roster: await verifyCheckpoint(suite, checkpoint, rosterFromCheckpoint(checkpoint).owner) };
  }
  let roster: Roster | undefined = room.base?.roster;
  for (const text of j.events ?? []) {
    const event = decodeMemberEvent(bytes(text));
    roster = await applyEvent(suite, roster, event);
    appendVerified(room, event, roster);
  }
  for (const e of j.epochs) {
    room.epochs.set(e.epoch, e.chains === undefined ? epochFromDraft(room, e) : {
      chains: e.chains === null ? undefined : new Map(e.chains.map(chainFromJson)), code: e.code ?? '',
      initSecret: e.init === null || e.init === undefined ? undefined : new Secret(bytes(e.init)), rosterHash: bytes(e.rosterHash),
      logLength: e.logLength, startedAt: e.startedAt, rotationHash: e.rotationHash === null ? undefined : bytes(e.rotationHash),
    });
    room.epoch = Math.max(room.epoch, e.epoch);
  }
  for (const [epoch, count] of j.epochCounts) room.epochCounts.set(epoch, count);
  room.counter = j.counter;
  room.lastHash = bytes(j.lastHash);
  for (const hash of j.sentHashes ?? []) room.sentHashes.add(hash);
  for (const [sender, counter, hash] of j.senders) room.senders.set(sender, { counter, hash: bytes(hash) });
  for (const [seq, hash] of j.seen ?? []) room.seen.set(seq, bytes(hash));
  room.lastSeen = j.lastSeen;
  room.syncSeq = j.syncSeq;
  room.messages.push(...(j.messages ?? []).map((m) => ({ ...m, warnings: [...m.warnings] as ErrorName[], pending: false as const })));
  room.readSeq = j.readSeq ?? j.lastSeen;
  for (const [sign, name] of j.names) setName(room, sign, name);
  for (const sign of j.verified ?? []) room.verified.add(sign);
  // What each lacked is found again by the first sync after loading, which checks them once more.
  for (const [seq, record] of j.waiting ?? []) {
    room.waiting.push({ seq, record: draftRecord(bytes(record)), error: 'UNKNOWN_SENDER', detail: `seq ${seq} waits to be checked`, after: 0, told: false });
  }
  for (const saved of j.waitingTombstones ?? []) {
    const tombstone = decodeTombstone(bytes(saved));
    room.waiting.push({ seq: tombstone.seq, tombstone, error: 'UNKNOWN_SENDER', detail: `the tombstone at seq ${tombstone.seq} waits to be checked`, after: 0, told: false });
  }
  room.waiting.sort((a, b) => a.seq - b.seq);
  for (const o of j.outbox) {
    room.outbox.push({ counter: o.counter, content: contentFromJson(o), record: draftRecord(bytes(o.record)) });
  }
  for (const [key, token, expiresAt] of j.invites) room.invites.set(key, { token: new Secret(bytes(token)), expiresAt });
  if (j.join !== null) {
    room.join = {
      token: new Secret(bytes(j.join.token)), invitePublicKey: bytes(j.join.invitePublicKey), issuer: bytes(j.join.issuer),
      joiningKey: new Secret(bytes(j.join.joiningKey)), state: j.join.state === 'member' ? 'member' : 'requested',
    };
  }
  room.journal = journalFromJson(j.journal);
  return room;
}

export async function decodeSnapshot(suite: Suite, snapshot: Uint8Array): Promise<DecodedSnapshot> {
  let json: SnapshotJson;
  try {
    json = JSON.parse(fromUtf8(snapshot)) as SnapshotJson;
  } catch {
    throw new SottoError('BAD_VALUE', 'snapshot is not valid JSON');
  }
  return decodeSnapshotJson(suite, json);
}

/** A parsed snapshot (decodeSnapshot), or one message-store.ts assembled from its records. */
export async function decodeSnapshotJson(suite: Suite, json: SnapshotJson): Promise<DecodedSnapshot> {
  if (json.version !== SNAPSHOT_VERSION) throw new SottoError('BAD_VERSION', `snapshot version ${json.version}`);
  const rooms: RoomState[] = [];
  const outdated: OutdatedRoom[] = [];
  for (const room of json.rooms) {
    try {
      rooms.push(await roomFromJson(suite, room));
    } catch (error) {
      if (!isSottoError(error, 'BAD_VERSION')) throw error;
      outdated.push({ roomId: toHex(bytes(room.roomId)), name: room.name, json: room });
    }
  }
  return { rooms, outdated };
}

/** The rooms a snapshot holds, id (hex) and name, without opening them: what an import would bring. */
export function snapshotRooms(snapshot: Uint8Array): { readonly roomId: string; readonly name: string }[] {
  let json: SnapshotJson;
  try {
    json = JSON.parse(fromUtf8(snapshot)) as SnapshotJson;
  } catch {
    throw new SottoError('BAD_VALUE', 'snapshot is not valid JSON');
  }
  if (json.version !== SNAPSHOT_VERSION || !Array.isArray(json.rooms)) throw new SottoError('BAD_VERSION', `snapshot version ${json.version}`);
  return json.rooms.map((room) => ({ roomId: toHex(bytes(room.roomId)), name: safeName(String(room.name)) }));
}
