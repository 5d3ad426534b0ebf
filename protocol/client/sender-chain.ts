// Per-sender ordering: each message names its sender's previous one by counter and hash, so a relay
// that drops, replays or splits a sender's stream is caught.
import { bytesEqual } from '../bytes.js';
import type { MessageRecord } from '../wire/message.js';

export interface SenderState {
  readonly counter: number;
  readonly hash: Uint8Array;
}

export type ChainVerdict =
  | { readonly kind: 'first' } // nothing known of this sender yet (e.g. it spoke before we joined)
  | { readonly kind: 'next' }
  | { readonly kind: 'gap'; readonly missing: number }
  | { readonly kind: 'stale' } // counter at or below what we have: a replay or a fork, see the hash
  | { readonly kind: 'fork' };

export function checkSenderChain(state: SenderState | undefined, record: MessageRecord): ChainVerdict {
  if (state === undefined) return { kind: 'first' };
  if (record.counter <= state.counter) return { kind: 'stale' };
  if (record.counter === state.counter + 1) {
    return bytesEqual(record.prevHash, state.hash) ? { kind: 'next' } : { kind: 'fork' };
  }
  return { kind: 'gap', missing: record.counter - state.counter - 1 };
}
