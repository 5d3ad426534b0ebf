// The three records of the join exchange: request (joiner, proven with the invite key), welcome
// (issuer → joiner, committed with the add: where the add sits, the room's name and members' names,
// under the joining key) and confirmation (joiner → relay: the welcome arrived and opened).
import { copyBytes } from '../bytes.js';
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { MAX_NAME_BYTES } from './content.js';
import { LIMIT, RECORD, SIZE } from './types.js';
import { readHeader, writeHeader } from './header.js';

export interface JoinRequestFields {
  readonly roomId: Uint8Array;
  readonly invitePublicKey: Uint8Array;
  readonly joinerSign: Uint8Array;
  readonly joinerEnc: Uint8Array;
  /** Joining key J sealed to the invite issuer's encryption key. */
  readonly sealedJoiningKey: Uint8Array;
  readonly time: number;
}

export interface JoinRequest extends JoinRequestFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  /** By the invite key: proves possession of the token without revealing it. */
  readonly inviteSignature: Uint8Array;
  /** By the joiner's new signing key: proves possession of the key to be admitted. */
  readonly joinerSignature: Uint8Array;
}

export function encodeJoinRequestUnsigned(f: JoinRequestFields): Uint8Array {
  const w = new Writer(256);
  writeHeader(w, RECORD.joinRequest);
  w.fixed(f.roomId, SIZE.roomId).fixed(f.invitePublicKey, SIZE.publicKey);
  w.fixed(f.joinerSign, SIZE.publicKey).fixed(f.joinerEnc, SIZE.publicKey);
  w.var16(f.sealedJoiningKey).u64(f.time);
  return w.finish();
}

export function decodeJoinRequest(bytes: Uint8Array): JoinRequest {
  const r = new Reader(bytes);
  readHeader(r, RECORD.joinRequest, 'join request');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const invitePublicKey = r.fixed(SIZE.publicKey, 'invitePublicKey');
  const joinerSign = r.fixed(SIZE.publicKey, 'joinerSign');
  const joinerEnc = r.fixed(SIZE.publicKey, 'joinerEnc');
  const sealedJoiningKey = r.var16(LIMIT.sealed, 'sealedJoiningKey');
  const time = r.u64('time');
  const signed = r.span(0);
  const inviteSignature = r.fixed(SIZE.signature, 'inviteSignature');
  const joinerSignature = r.fixed(SIZE.signature, 'joinerSignature');
  r.end('join request');
  return { bytes, signed, inviteSignature, joinerSignature, roomId, invitePublicKey, joinerSign, joinerEnc, sealedJoiningKey, time };
}

export interface WelcomeFields {
  readonly roomId: Uint8Array;
  readonly invitePublicKey: Uint8Array;
  readonly joinerSign: Uint8Array;
  readonly issuer: Uint8Array;
  /** XChaCha20-Poly1305 under a key from J with the token as salt; see docs/protocol.md §6. */
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface Welcome extends WelcomeFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeWelcomeUnsigned(f: WelcomeFields): Uint8Array {
  const w = new Writer(256 + f.ciphertext.length);
  writeHeader(w, RECORD.welcome);
  w.fixed(f.roomId, SIZE.roomId).fixed(f.invitePublicKey, SIZE.publicKey).fixed(f.joinerSign, SIZE.publicKey);
  w.fixed(f.issuer, SIZE.publicKey).fixed(f.nonce, SIZE.nonce).var32(f.ciphertext);
  return w.finish();
}

export function decodeWelcome(bytes: Uint8Array): Welcome {
  const r = new Reader(bytes);
  readHeader(r, RECORD.welcome, 'welcome');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const invitePublicKey = r.fixed(SIZE.publicKey, 'invitePublicKey');
  const joinerSign = r.fixed(SIZE.publicKey, 'joinerSign');
  const issuer = r.fixed(SIZE.publicKey, 'issuer');
  const nonce = r.fixed(SIZE.nonce, 'nonce');
  const ciphertext = r.var32(LIMIT.welcomeCiphertext, 'welcome ciphertext');
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('welcome');
  return { bytes, signed, signature, roomId, invitePublicKey, joinerSign, issuer, nonce, ciphertext };
}

export interface JoinConfirmFields {
  readonly roomId: Uint8Array;
  readonly invitePublicKey: Uint8Array;
  readonly joinerSign: Uint8Array;
  /** AEAD of the welcome's hash under a key from J and T: proves the joiner opened the welcome. */
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface JoinConfirm extends JoinConfirmFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeJoinConfirmUnsigned(f: JoinConfirmFields): Uint8Array {
  const w = new Writer(256);
  writeHeader(w, RECORD.joinConfirm);
  w.fixed(f.roomId, SIZE.roomId).fixed(f.invitePublicKey, SIZE.publicKey).fixed(f.joinerSign, SIZE.publicKey);
  w.fixed(f.nonce, SIZE.nonce).var16(f.ciphertext);
  return w.finish();
}

export function decodeJoinConfirm(bytes: Uint8Array): JoinConfirm {
  const r = new Reader(bytes);
  readHeader(r, RECORD.joinConfirm, 'join confirm');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const invitePublicKey = r.fixed(SIZE.publicKey, 'invitePublicKey');
  const joinerSign = r.fixed(SIZE.publicKey, 'joinerSign');
  const nonce = r.fixed(SIZE.nonce, 'nonce');
  const ciphertext = r.var16(LIMIT.sealed, 'confirm ciphertext');
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('join confirm');
  return { bytes, signed, signature, roomId, invitePublicKey, joinerSign, nonce, ciphertext };
}

/**
 * What the welcome ciphertext holds: where the joiner's add sits in the log, the epoch it started,
 * and what the joiner needs to render. No key: the joiner opens the epoch key from the rotation
 * committed with its add (docs/protocol.md §8.2), so a welcome is worth nothing without the add.
 */
export interface WelcomePayload {
  /** Log index of the add event that admits the joiner. */
  readonly addIndex: number;
  /** Hash of that add event (§6): the joiner checks the log it is served against it. */
  readonly addHash: Uint8Array;
  /** The epoch the add's rotation starts. */
  readonly epoch: number;
  readonly roomName: string;
  /** Display names of the members after the add (never of members already gone). */
  readonly names: readonly { readonly member: Uint8Array; readonly name: string }[];
}

export function encodeWelcomePayload(p: WelcomePayload): Uint8Array {
  const w = new Writer(128 + p.names.length * 64);
  w.u32(p.addIndex).fixed(p.addHash, SIZE.hash).u32(p.epoch).str16(p.roomName).u32(p.names.length);
  for (const entry of p.names) w.fixed(entry.member, SIZE.publicKey).str16(entry.name);
  return w.finish();
}

export function decodeWelcomePayload(bytes: Uint8Array): WelcomePayload {
  const r = new Reader(bytes);
  const addIndex = r.u32('addIndex');
  const addHash = copyBytes(r.fixed(SIZE.hash, 'addHash'));
  const epoch = r.u32('epoch');
  const roomName = r.str16(MAX_NAME_BYTES, 'roomName');
  const count = r.u32('name count');
  if (count > LIMIT.listItems) throw new SottoError('FIELD_TOO_LARGE', 'welcome names');
  const names: { member: Uint8Array; name: string }[] = [];
  for (let i = 0; i < count; i++) {
    names.push({ member: copyBytes(r.fixed(SIZE.publicKey, 'member')), name: r.str16(MAX_NAME_BYTES, 'name') });
  }
  r.end('welcome payload');
  return { addIndex, addHash, epoch, roomName, names };
}
