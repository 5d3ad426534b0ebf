// A history share (docs/protocol.md §8.6): the messages from before a joiner's add that the room's
// history setting lets it see, as the member who added it holds them, carried as the content of
// messages in the joiner's first epoch. Each is a history entry (history-entry.ts, §8.6.1): with its
// sender's counter and what it names, so the joiner's replies and reactions to it name the right
// message. The adder vouches for them with its signature on each message; the original senders'
// signatures do not travel (their keys were deleted for forward secrecy), so a joiner shows them as
// shared by the adder.
import { Reader, Writer } from './codec.js';
import { ENTRY_OVERHEAD, readHistoryEntry, writeHistoryEntry, type HistoryEntry } from './history-entry.js';
import { SottoError } from '../errors.js';
import { SIZE } from './types.js';

export interface HistoryShare {
  /** The member this share is for. */
  readonly joiner: Uint8Array;
  /** Log index of the joiner's add, which the sharing member signed. */
  readonly addIndex: number;
  /** Ascending by seq. */
  readonly entries: readonly HistoryEntry[];
}

/** joiner ‖ addIndex ‖ count. */
export const SHARE_OVERHEAD = SIZE.publicKey + 4 + 4;

export function encodeHistoryShare(share: HistoryShare): Uint8Array {
  const w = new Writer(SHARE_OVERHEAD + share.entries.length * (ENTRY_OVERHEAD + 64));
  w.fixed(share.joiner, SIZE.publicKey).u32(share.addIndex).u32(share.entries.length);
  for (const e of share.entries) writeHistoryEntry(w, e);
  return w.finish();
}

/** Decodes a share of at most `maxBytes`; entries strictly ascending by seq (one encoding per share). */
export function decodeHistoryShare(bytes: Uint8Array, maxBytes: number): HistoryShare {
  const r = new Reader(bytes);
  const joiner = r.fixed(SIZE.publicKey, 'joiner');
  const addIndex = r.u32('addIndex');
  const count = r.u32('entry count');
  if (count * ENTRY_OVERHEAD > r.remaining) throw new SottoError('TRUNCATED', 'history share entries');
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry = readHistoryEntry(r, maxBytes);
    if (i > 0 && entry.seq <= entries[i - 1]!.seq) throw new SottoError('BAD_VALUE', 'history share entries out of order');
    entries.push(entry);
  }
  r.end('history share');
  return { joiner, addIndex, entries };
}
