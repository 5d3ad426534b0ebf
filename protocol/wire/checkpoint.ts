// Checkpoint: the owner's signed snapshot of a room's roster at one log position (docs/protocol.md
// §5.1, §8.4), so a joiner starts from it instead of replaying the log from the genesis. Members are
// listed in one canonical order, so one roster has one encoding and the relay can compare it with
// its own byte for byte.
import { SottoError } from '../errors.js';
import { compareBytes } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { readHeader, writeHeader } from './header.js';
import { checkSettings, readSettings, ROLE, writeSettings, type Role, type RoomSettings } from './membership.js';
import { LIMIT, RECORD, SIZE } from './types.js';

export interface CheckpointMember {
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
  readonly role: Role;
  /** Index of the event that admitted the member. */
  readonly addedAt: number;
}

export interface CheckpointFields {
  readonly roomId: Uint8Array;
  /** Events the checkpoint summarises: it is the roster after event logLength − 1. */
  readonly logLength: number;
  /** H(member-event, event logLength − 1). */
  readonly headHash: Uint8Array;
  readonly settings: RoomSettings;
  /** The owner, who signs. */
  readonly issuer: Uint8Array;
  readonly time: number;
  /** Every member at logLength, ascending by signing key. */
  readonly members: readonly CheckpointMember[];
}

export interface Checkpoint extends CheckpointFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

const ROLE_BY_CODE: readonly Role[] = ['member', 'admin', 'owner'];
/** sign ‖ enc ‖ role ‖ addedAt. */
const MEMBER_BYTES = SIZE.publicKey * 2 + 1 + 4;

export function encodeCheckpointUnsigned(f: CheckpointFields): Uint8Array {
  const w = new Writer(128 + f.members.length * MEMBER_BYTES);
  writeHeader(w, RECORD.checkpoint);
  w.fixed(f.roomId, SIZE.roomId).u32(f.logLength).fixed(f.headHash, SIZE.hash);
  writeSettings(w, f.settings);
  w.fixed(f.issuer, SIZE.publicKey).u64(f.time).u32(f.members.length);
  for (const m of f.members) w.fixed(m.sign, SIZE.publicKey).fixed(m.enc, SIZE.publicKey).u8(ROLE[m.role]).u32(m.addedAt);
  return w.finish();
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const r = new Reader(bytes);
  readHeader(r, RECORD.checkpoint, 'checkpoint');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const logLength = r.u32('logLength');
  if (logLength === 0) throw new SottoError('BAD_VALUE', 'checkpoint of an empty log');
  const headHash = r.fixed(SIZE.hash, 'headHash');
  const settings = readSettings(r);
  checkSettings(settings);
  const issuer = r.fixed(SIZE.publicKey, 'issuer');
  const time = r.u64('time');
  const count = r.u32('member count');
  if (count > LIMIT.checkpointMembers) throw new SottoError('FIELD_TOO_LARGE', `checkpoint members: ${count}`);
  // Refuse a count the bytes cannot hold before allocating for it.
  if (count * MEMBER_BYTES > r.remaining) throw new SottoError('TRUNCATED', 'checkpoint members');
  const members: CheckpointMember[] = [];
  let owners = 0;
  for (let i = 0; i < count; i++) {
    const sign = r.fixed(SIZE.publicKey, 'sign');
    const enc = r.fixed(SIZE.publicKey, 'enc');
    const role = ROLE_BY_CODE[r.u8('role')];
    if (role === undefined) throw new SottoError('BAD_VALUE', 'unknown role');
    const addedAt = r.u32('addedAt');
    // Strictly ascending: one encoding per roster, and no member listed twice (V-19).
    if (i > 0 && compareBytes(members[i - 1]!.sign, sign) >= 0) throw new SottoError('BAD_VALUE', 'checkpoint members out of order or repeated');
    if (addedAt >= logLength) throw new SottoError('BAD_VALUE', 'a member added after the checkpoint');
    if (role === 'owner') owners++;
    members.push({ sign, enc, role, addedAt });
  }
  if (owners !== 1) throw new SottoError('BAD_VALUE', `checkpoint lists ${owners} owners`);
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('checkpoint');
  return { bytes, signed, signature, roomId, logLength, headHash, settings, issuer, time, members };
}
