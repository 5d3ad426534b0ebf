// Rotation: a new epoch key sealed to each member of the roster it was made for, signed by the
// owner or an admin. The roster commitment (log length + head hash) makes the relay unable to
// replay a rotation against a different membership.
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { LIMIT, RECORD, SIZE } from './types.js';
import { readHeader, writeHeader } from './header.js';

export interface RotationEntry {
  readonly member: Uint8Array; // member's signing key
  readonly sealedKey: Uint8Array; // epoch key sealed to the member's encryption key
}

export interface RotationFields {
  readonly roomId: Uint8Array;
  readonly epoch: number;
  /** Membership log length the rotation was made for. */
  readonly logLength: number;
  /** Hash of the log's head event at that length. */
  readonly rosterHash: Uint8Array;
  readonly issuer: Uint8Array;
  readonly time: number;
  readonly entries: readonly RotationEntry[];
}

export interface Rotation extends RotationFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeRotationUnsigned(f: RotationFields): Uint8Array {
  const w = new Writer(128 + f.entries.length * (SIZE.publicKey + 2 + SIZE.sealedSecret));
  writeHeader(w, RECORD.rotation);
  w.fixed(f.roomId, SIZE.roomId).u32(f.epoch).u32(f.logLength).fixed(f.rosterHash, SIZE.hash);
  w.fixed(f.issuer, SIZE.publicKey).u64(f.time).u32(f.entries.length);
  for (const entry of f.entries) w.fixed(entry.member, SIZE.publicKey).var16(entry.sealedKey);
  return w.finish();
}

export function decodeRotation(bytes: Uint8Array): Rotation {
  const r = new Reader(bytes);
  readHeader(r, RECORD.rotation, 'rotation');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const epoch = r.u32('epoch');
  if (epoch === 0) throw new SottoError('BAD_VALUE', 'rotation to epoch 0');
  const logLength = r.u32('logLength');
  const rosterHash = r.fixed(SIZE.hash, 'rosterHash');
  const issuer = r.fixed(SIZE.publicKey, 'issuer');
  const time = r.u64('time');
  const count = r.u32('entry count');
  if (count > LIMIT.rotationEntries) throw new SottoError('FIELD_TOO_LARGE', `rotation entries: ${count}`);
  // Each entry takes at least 34 bytes; refuse a count the frame cannot hold before allocating.
  if (count * (SIZE.publicKey + 2) > r.remaining) throw new SottoError('TRUNCATED', 'rotation entries');
  const entries: RotationEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({ member: r.fixed(SIZE.publicKey, 'member'), sealedKey: r.var16(LIMIT.sealed, 'sealedKey') });
  }
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('rotation');
  return { bytes, signed, signature, roomId, epoch, logLength, rosterHash, issuer, time, entries };
}
