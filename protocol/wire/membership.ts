// Membership events: the owner-rooted, hash-chained, append-only log of who is in a room.
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { LIMIT, RECORD, SIZE } from './types.js';
import { readHeader, writeHeader } from './header.js';

export const EVENT_KIND = { create: 0, add: 1, remove: 2, leave: 3, role: 4, history: 5, update: 6, device: 7 } as const;
export type EventKind = keyof typeof EVENT_KIND;
const KIND_BY_CODE: readonly EventKind[] = ['create', 'add', 'remove', 'leave', 'role', 'history', 'update', 'device'];

export const ROLE = { member: 0, admin: 1, owner: 2 } as const;
export type Role = keyof typeof ROLE;
const ROLE_BY_CODE: readonly Role[] = ['member', 'admin', 'owner'];

/** What a new member sees of the messages before its add (§8.6): nothing, the last `count`, or all. */
export const HISTORY_MODE = { join: 0, last: 1, all: 2 } as const;
export type HistoryMode = keyof typeof HISTORY_MODE;
const HISTORY_MODE_BY_CODE: readonly HistoryMode[] = ['join', 'last', 'all'];

export interface HistorySetting {
  readonly mode: HistoryMode;
  /** 'last' only: how many messages (1..10,000); 0 otherwise, so each setting has one encoding. */
  readonly count: number;
}

export interface RoomSettings {
  /** Rotate after this many messages in one epoch (brief default 100). */
  readonly rotateEveryMessages: number;
  /** Rotate when an epoch is older than this (brief default 7 days). */
  readonly rotateAfterSeconds: number;
  /** History for new members: set at creation, changed only by a `history` event. */
  readonly history: HistorySetting;
}

/** New members see messages from when they join: nothing before their add reaches them. */
/** Bytes of a create body without the history setting. */
const LEGACY_CREATE_BODY = 8;

export const DEFAULT_HISTORY: HistorySetting = { mode: 'join', count: 0 };
export const DEFAULT_SETTINGS: RoomSettings = { rotateEveryMessages: 100, rotateAfterSeconds: 7 * 24 * 3600, history: DEFAULT_HISTORY };
/** The most messages a 'last' setting shares: as many as the longest epoch holds (V-11). */
export const MAX_HISTORY_COUNT = 10_000;

/**
 * Every epoch has a lifetime, and these cap it (V-11): a room whose owner set "never rotate" would
 * let one leaked epoch key read everything, and a withheld rotation go unnoticed for ever.
 */
export const SETTINGS_RANGE = {
  rotateEveryMessages: { min: 1, max: 10_000 },
  rotateAfterSeconds: { min: 60, max: 7 * 24 * 3600 },
} as const;

/** BAD_VALUE for settings outside SETTINGS_RANGE (V-11) or a history setting V-93 refuses, wherever a record carries them. */
export function checkSettings(settings: RoomSettings): void {
  for (const name of ['rotateEveryMessages', 'rotateAfterSeconds'] as const) {
    const { min, max } = SETTINGS_RANGE[name];
    if (settings[name] < min || settings[name] > max) throw new SottoError('BAD_VALUE', `${name} must be ${min}..${max}`);
  }
  checkHistory(settings.history);
}

/** V-93: 'last' counts 1..MAX_HISTORY_COUNT; the other modes count 0. */
export function checkHistory(history: HistorySetting): void {
  const ok = history.mode === 'last' ? history.count >= 1 && history.count <= MAX_HISTORY_COUNT : history.count === 0;
  if (!ok) throw new SottoError('BAD_VALUE', `history ${history.mode} with count ${history.count}`);
}

export function writeHistory(w: Writer, history: HistorySetting): Writer {
  return w.u8(HISTORY_MODE[history.mode]).u32(history.count);
}

/** A history setting's bytes, read before they are judged: a body's shape is checked first (V-10). */
interface HistoryBytes {
  readonly mode: number;
  readonly count: number;
}

function readHistoryBytes(r: Reader): HistoryBytes {
  return { mode: r.u8('history mode'), count: r.u32('history count') };
}

function historyFrom(bytes: HistoryBytes): HistorySetting {
  const mode = HISTORY_MODE_BY_CODE[bytes.mode];
  if (mode === undefined) throw new SottoError('BAD_VALUE', 'unknown history mode');
  return { mode, count: bytes.count };
}

/** The settings as a create event and a checkpoint carry them: both rotation limits, then the history setting. */
export function writeSettings(w: Writer, s: RoomSettings): Writer {
  return writeHistory(w.u32(s.rotateEveryMessages).u32(s.rotateAfterSeconds), s.history);
}

export function readSettings(r: Reader): RoomSettings {
  const rotateEveryMessages = r.u32('rotateEveryMessages');
  const rotateAfterSeconds = r.u32('rotateAfterSeconds');
  return { rotateEveryMessages, rotateAfterSeconds, history: historyFrom(readHistoryBytes(r)) };
}

/**
 * update only (§8.5): the member's replacement keys. `proof` is the new signing key's signature over
 * keyUpdateProofBytes, so nobody can move a member onto a key it does not hold.
 */
export interface KeyUpdate {
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
  readonly proof: Uint8Array;
}

export interface MemberEventFields {
  readonly roomId: Uint8Array;
  readonly index: number;
  readonly prevHash: Uint8Array; // all zero for index 0
  readonly kind: EventKind;
  readonly time: number; // ms since epoch, issuer's clock
  readonly issuer: Uint8Array; // signing key of the owner/admin/leaver who signs
  readonly subjectSign: Uint8Array;
  readonly subjectEnc: Uint8Array;
  readonly role: Role;
  /** create only. */
  readonly settings?: RoomSettings;
  /** history only: the room's new history setting. */
  readonly history?: HistorySetting;
  /** add only: the invite this admission consumes (the relay burns it atomically). */
  readonly invitePublicKey?: Uint8Array;
  /** update only. */
  readonly update?: KeyUpdate;
}

export interface MemberEvent extends MemberEventFields {
  readonly bytes: Uint8Array;
  /** The bytes the issuer's signature covers (everything before the signature). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeMemberEventUnsigned(e: MemberEventFields): Uint8Array {
  const w = new Writer(256);
  writeHeader(w, RECORD.memberEvent);
  w.fixed(e.roomId, SIZE.roomId).u32(e.index).fixed(e.prevHash, SIZE.hash).u8(EVENT_KIND[e.kind]).u64(e.time);
  w.fixed(e.issuer, SIZE.publicKey).fixed(e.subjectSign, SIZE.publicKey).fixed(e.subjectEnc, SIZE.publicKey);
  w.u8(ROLE[e.role]);
  const body = new Writer(16);
  if (e.kind === 'create') {
    writeSettings(body, e.settings ?? DEFAULT_SETTINGS);
  } else if (e.kind === 'history') {
    if (e.history === undefined) throw new SottoError('BAD_VALUE', 'history event needs the setting');
    writeHistory(body, e.history);
  } else if (e.kind === 'add') {
    if (e.invitePublicKey === undefined) throw new SottoError('BAD_VALUE', 'add event needs the invite key');
    body.fixed(e.invitePublicKey, SIZE.publicKey);
  } else if (e.kind === 'update') {
    if (e.update === undefined) throw new SottoError('BAD_VALUE', 'update event needs the new keys');
    body.fixed(e.update.sign, SIZE.publicKey).fixed(e.update.enc, SIZE.publicKey).fixed(e.update.proof, SIZE.signature);
  }
  w.var16(body.finish());
  return w.finish();
}

export function decodeMemberEvent(bytes: Uint8Array): MemberEvent {
  const r = new Reader(bytes);
  readHeader(r, RECORD.memberEvent, 'member event');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const index = r.u32('index');
  const prevHash = r.fixed(SIZE.hash, 'prevHash');
  const kind = KIND_BY_CODE[r.u8('kind')];
  if (kind === undefined) throw new SottoError('BAD_VALUE', 'unknown event kind');
  const time = r.u64('time');
  const issuer = r.fixed(SIZE.publicKey, 'issuer');
  const subjectSign = r.fixed(SIZE.publicKey, 'subjectSign');
  const subjectEnc = r.fixed(SIZE.publicKey, 'subjectEnc');
  const role = ROLE_BY_CODE[r.u8('role')];
  if (role === undefined) throw new SottoError('BAD_VALUE', 'unknown role');
  const body = new Reader(r.var16(LIMIT.eventBody, 'event body'));
  let limits: { rotateEveryMessages: number; rotateAfterSeconds: number } | undefined;
  let historyBytes: HistoryBytes | undefined;
  let invitePublicKey: Uint8Array | undefined;
  let update: KeyUpdate | undefined;
  if (kind === 'create') {
    // A genesis written before the history setting (development builds of protocol 2) holds the two
    // rotation limits only: its room's history setting is the default.
    const legacy = body.remaining === LEGACY_CREATE_BODY;
    limits = { rotateEveryMessages: body.u32('rotateEveryMessages'), rotateAfterSeconds: body.u32('rotateAfterSeconds') };
    if (!legacy) historyBytes = readHistoryBytes(body);
  } else if (kind === 'history') {
    historyBytes = readHistoryBytes(body);
  } else if (kind === 'add') {
    invitePublicKey = body.fixed(SIZE.publicKey, 'invitePublicKey');
  } else if (kind === 'update') {
    update = { sign: body.fixed(SIZE.publicKey, 'newSign'), enc: body.fixed(SIZE.publicKey, 'newEnc'), proof: body.fixed(SIZE.signature, 'proof') };
  }
  // The body's shape first (V-10), then its values (V-11, V-93).
  body.end('event body');
  const read = historyBytes === undefined ? undefined : historyFrom(historyBytes);
  const settings: RoomSettings | undefined = limits === undefined ? undefined : { ...limits, history: read ?? DEFAULT_HISTORY };
  const history = kind === 'history' ? read : undefined;
  if (settings !== undefined) checkSettings(settings);
  if (history !== undefined) checkHistory(history);
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('member event');
  const event: MemberEvent = {
    bytes, signed, signature, roomId, index, prevHash, kind, time, issuer, subjectSign, subjectEnc, role,
    ...(settings === undefined ? {} : { settings }),
    ...(history === undefined ? {} : { history }),
    ...(invitePublicKey === undefined ? {} : { invitePublicKey }),
    ...(update === undefined ? {} : { update }),
  };
  return event;
}


/**
 * What an update's new signing key signs (label sigKeyUpdate): the room, the log position, the key
 * it replaces and both new keys. Bound to one position, a proof cannot be replayed elsewhere.
 */
export function keyUpdateProofBytes(roomId: Uint8Array, index: number, prevHash: Uint8Array, oldSign: Uint8Array, newSign: Uint8Array, newEnc: Uint8Array): Uint8Array {
  return new Writer(SIZE.roomId + 4 + SIZE.hash + SIZE.publicKey * 3).fixed(roomId, SIZE.roomId).u32(index).fixed(prevHash, SIZE.hash)
    .fixed(oldSign, SIZE.publicKey).fixed(newSign, SIZE.publicKey).fixed(newEnc, SIZE.publicKey).finish();
}
