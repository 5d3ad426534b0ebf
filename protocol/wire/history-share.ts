// A history share (docs/protocol.md §8.6): the messages from before a joiner's add that the room's
// history setting lets it see, as the member who added it holds them, carried as the content of
// messages in the joiner's first epoch. The adder vouches for them with its signature on each
// message; the original senders' signatures do not travel (their keys were deleted for forward
// secrecy), so a joiner shows them as shared by the adder.
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { SIZE } from './types.js';

export interface SharedEntry {
  /** The message's seq in the room. */
  readonly seq: number;
  /** Its sender's signing key. */
  readonly sender: Uint8Array;
  /** Its sender's clock, ms. */
  readonly time: number;
  readonly text: string;
}

export interface HistoryShare {
  /** The member this share is for. */
  readonly joiner: Uint8Array;
  /** Log index of the joiner's add, which the sharing member signed. */
  readonly addIndex: number;
  /** Ascending by seq. */
  readonly entries: readonly SharedEntry[];
}

/** seq ‖ sender ‖ time ‖ text length: an entry's bytes besides its text. */
export const SHARED_ENTRY_OVERHEAD = 8 + SIZE.publicKey + 8 + 4;
/** joiner ‖ addIndex ‖ count. */
export const SHARE_OVERHEAD = SIZE.publicKey + 4 + 4;

export function encodeHistoryShare(share: HistoryShare): Uint8Array {
  const w = new Writer(SHARE_OVERHEAD + share.entries.length * (SHARED_ENTRY_OVERHEAD + 64));
  w.fixed(share.joiner, SIZE.publicKey).u32(share.addIndex).u32(share.entries.length);
  for (const e of share.entries) w.u64(e.seq).fixed(e.sender, SIZE.publicKey).u64(e.time).var32(utf8(e.text));
  return w.finish();
}

/** Decodes a share of at most `maxBytes`; entries strictly ascending by seq (one encoding per share). */
export function decodeHistoryShare(bytes: Uint8Array, maxBytes: number): HistoryShare {
  const r = new Reader(bytes);
  const joiner = r.fixed(SIZE.publicKey, 'joiner');
  const addIndex = r.u32('addIndex');
  const count = r.u32('entry count');
  if (count * SHARED_ENTRY_OVERHEAD > r.remaining) throw new SottoError('TRUNCATED', 'history share entries');
  const entries: SharedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const seq = r.u64('seq');
    const sender = r.fixed(SIZE.publicKey, 'sender');
    const time = r.u64('time');
    const textBytes = r.var32(maxBytes, 'shared text');
    let text: string;
    try {
      text = fromUtf8(textBytes);
    } catch {
      throw new SottoError('BAD_UTF8', 'shared text');
    }
    if (i > 0 && seq <= entries[i - 1]!.seq) throw new SottoError('BAD_VALUE', 'history share entries out of order');
    entries.push({ seq, sender, time, text });
  }
  r.end('history share');
  return { joiner, addIndex, entries };
}
