// Per-sender ordering: each message names its sender's previous one by counter and hash, so a
// sender's stream that skips, repeats or splits shows. The relay cannot sign for a sender, so what
// breaks the chain is the sender's doing or a withheld or reordered delivery; it is marked on the
// message and never taken as proof against the relay (receive-message.ts).
import { bytesEqual } from '../bytes.js';
import type { MessageRecord } from '../wire/message.js';

export interface SenderState {
  readonly counter: number;
  readonly hash: Uint8Array;
}

/** Counters `from`..`to` (inclusive) of one sender that never arrived before a later one did. */
export interface CounterHole {
  readonly from: number;
  readonly to: number;
}

export type ChainVerdict =
  | { readonly kind: 'first' } // nothing known of this sender yet (e.g. it spoke before we joined)
  | { readonly kind: 'next' }
  | { readonly kind: 'gap'; readonly hole: CounterHole }
  | { readonly kind: 'stale' } // counter at or below what we have: a replay or a late or conflicting record
  | { readonly kind: 'fork' };

export function checkSenderChain(state: SenderState | undefined, record: MessageRecord): ChainVerdict {
  if (state === undefined) return { kind: 'first' };
  if (record.counter <= state.counter) return { kind: 'stale' };
  if (record.counter === state.counter + 1) {
    return bytesEqual(record.prevHash, state.hash) ? { kind: 'next' } : { kind: 'fork' };
  }
  return { kind: 'gap', hole: { from: state.counter + 1, to: record.counter - 1 } };
}
