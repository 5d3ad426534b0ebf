// A tombstone (docs/protocol.md §9.1.1): what the relay keeps, and serves, in place of a message its
// author deleted. It is the author's signed statement "my message at this seq, with this hash, this
// counter, chain index and previous hash, is deleted", so the relay can drop the ciphertext without
// learning anything new and can make none itself, and a member that never got the message still
// knows the seq is not a hole and keeps the author's counters and key chain in step.
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { SIZE } from './types.js';

export interface TombstoneFields {
  readonly roomId: Uint8Array;
  /** The deleted message's seq. */
  readonly seq: number;
  readonly epoch: number;
  /** The deleted message's sender: the key that signs the tombstone. */
  readonly sender: Uint8Array;
  readonly counter: number;
  readonly index: number;
  readonly prevHash: Uint8Array;
  /** H(message, the deleted record's bytes). */
  readonly hash: Uint8Array;
  /** The deleted message's content time (sender's clock, ms): where the "deleted" line goes. */
  readonly time: number;
}

export interface Tombstone extends TombstoneFields {
  /** Every field but the signature: what the signature covers (label `sig/tombstone`). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
  /** The exact bytes, as the relay stores and serves them. */
  readonly bytes: Uint8Array;
}

/** roomId 16 ‖ seq u64 ‖ epoch u32 ‖ sender 32 ‖ counter u32 ‖ index u32 ‖ prevHash 32 ‖ hash 32 ‖ time u64. */
export const TOMBSTONE_SIGNED_BYTES = SIZE.roomId + 8 + 4 + SIZE.publicKey + 4 + 4 + SIZE.hash + SIZE.hash + 8;
export const TOMBSTONE_BYTES = TOMBSTONE_SIGNED_BYTES + SIZE.signature;

export function encodeTombstoneSigned(f: TombstoneFields): Uint8Array {
  return new Writer(TOMBSTONE_SIGNED_BYTES).fixed(f.roomId, SIZE.roomId).u64(f.seq).u32(f.epoch).fixed(f.sender, SIZE.publicKey)
    .u32(f.counter).u32(f.index).fixed(f.prevHash, SIZE.hash).fixed(f.hash, SIZE.hash).u64(f.time).finish();
}

/** Reads one tombstone (fixed size) from `r`, which frames.ts shares. */
export function readTombstone(r: Reader): Tombstone {
  const start = r.offset;
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const seq = r.u64('seq');
  const epoch = r.u32('epoch');
  const sender = r.fixed(SIZE.publicKey, 'sender');
  const counter = r.u32('counter');
  const index = r.u32('index');
  const prevHash = r.fixed(SIZE.hash, 'prevHash');
  const hash = r.fixed(SIZE.hash, 'hash');
  const time = r.u64('time');
  // Names a stored message: seqs and counters start at 1.
  if (seq < 1 || counter < 1) throw new SottoError('BAD_VALUE', 'a tombstone names seq ≥ 1 and counter ≥ 1');
  const signed = r.span(start);
  const signature = r.fixed(SIZE.signature, 'signature');
  return { roomId, seq, epoch, sender, counter, index, prevHash, hash, time, signed, signature, bytes: r.span(start) };
}

export function decodeTombstone(bytes: Uint8Array): Tombstone {
  const r = new Reader(bytes);
  const tombstone = readTombstone(r);
  r.end('tombstone');
  return tombstone;
}
