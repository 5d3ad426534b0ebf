// Membership events: the owner-rooted, hash-chained, append-only log of who is in a room.
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { LIMIT, RECORD, SIZE } from './types.js';
import { readHeader, writeHeader } from './header.js';

export const EVENT_KIND = { create: 0, add: 1, remove: 2, leave: 3, role: 4, update: 5 } as const;
export type EventKind = keyof typeof EVENT_KIND;
const KIND_BY_CODE: readonly EventKind[] = ['create', 'add', 'remove', 'leave', 'role', 'update'];

export const ROLE = { member: 0, admin: 1, owner: 2 } as const;
export type Role = keyof typeof ROLE;
const ROLE_BY_CODE: readonly Role[] = ['member', 'admin', 'owner'];

export interface RoomSettings {
  /** Rotate after this many messages in one epoch (brief default 100). */
  readonly rotateEveryMessages: number;
  /** Rotate when an epoch is older than this (brief default 7 days). */
  readonly rotateAfterSeconds: number;
}

export const DEFAULT_SETTINGS: RoomSettings = { rotateEveryMessages: 100, rotateAfterSeconds: 7 * 24 * 3600 };

/**
 * Every epoch has a lifetime, and these cap it (V-11): a room whose owner set "never rotate" would
 * let one leaked epoch key read everything, and a withheld rotation go unnoticed for ever.
 */
export const SETTINGS_RANGE = {
  rotateEveryMessages: { min: 1, max: 10_000 },
  rotateAfterSeconds: { min: 60, max: 7 * 24 * 3600 },
} as const;

/** BAD_VALUE for settings outside SETTINGS_RANGE (V-11), wherever a record carries them. */
export function checkSettings(settings: RoomSettings): void {
  for (const name of ['rotateEveryMessages', 'rotateAfterSeconds'] as const) {
    const { min, max } = SETTINGS_RANGE[name];
    if (settings[name] < min || settings[name] > max) throw new SottoError('BAD_VALUE', `${name} must be ${min}..${max}`);
  }
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
    const s = e.settings ?? DEFAULT_SETTINGS;
    body.u32(s.rotateEveryMessages).u32(s.rotateAfterSeconds);
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
  let settings: RoomSettings | undefined;
  let invitePublicKey: Uint8Array | undefined;
  let update: KeyUpdate | undefined;
  if (kind === 'create') {
    settings = { rotateEveryMessages: body.u32('rotateEveryMessages'), rotateAfterSeconds: body.u32('rotateAfterSeconds') };
  } else if (kind === 'add') {
    invitePublicKey = body.fixed(SIZE.publicKey, 'invitePublicKey');
  } else if (kind === 'update') {
    update = { sign: body.fixed(SIZE.publicKey, 'newSign'), enc: body.fixed(SIZE.publicKey, 'newEnc'), proof: body.fixed(SIZE.signature, 'proof') };
  }
  // The body's shape first (V-10), then its values (V-11).
  body.end('event body');
  if (settings !== undefined) checkSettings(settings);
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('member event');
  const event: MemberEvent = {
    bytes, signed, signature, roomId, index, prevHash, kind, time, issuer, subjectSign, subjectEnc, role,
    ...(settings === undefined ? {} : { settings }),
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
