// What crosses between a relay's primary process and its worker processes (ADR 0011), over the
// cluster's IPC channel with 'advanced' serialization (structured clone, so byte arrays stay byte
// arrays): the store's call/answer protocol as the store's thread speaks it (store-thread-wire.ts),
// bus messages, and the per-address limits, which the primary keeps for every worker.
import type { BusMessage } from '../bus/bus.js';
import type { StoreCall, StoreReply } from '../store/store-thread-wire.js';

/** A question about the per-address limits; each is answered true or false. */
export type LimitAsk =
  | { readonly op: 'acquire'; readonly address: string }
  | { readonly op: 'locked'; readonly address: string; readonly now: number }
  | { readonly op: 'quota'; readonly key: string; readonly now: number };

export type ToPrimary =
  | { readonly kind: 'store'; readonly call: StoreCall }
  | { readonly kind: 'publish'; readonly roomId: Uint8Array; readonly message: BusMessage }
  /** A device-link mailbox post this worker took, for every other worker's copy of the box (V-192). */
  | { readonly kind: 'linkPost'; readonly box: Uint8Array; readonly data: Uint8Array }
  | { readonly kind: 'limit'; readonly id: number; readonly ask: LimitAsk }
  /** Told, never answered: a connection from `address` closed, an invite proof from it failed. */
  | { readonly kind: 'release'; readonly address: string }
  | { readonly kind: 'failure'; readonly address: string; readonly now: number }
  /** The worker's relay listens (on the port every worker shares). */
  | { readonly kind: 'listening'; readonly port: number };

export type ToWorker =
  | { readonly kind: 'store'; readonly reply: StoreReply }
  | { readonly kind: 'bus'; readonly roomId: Uint8Array; readonly message: BusMessage }
  | { readonly kind: 'linkPost'; readonly box: Uint8Array; readonly data: Uint8Array }
  | { readonly kind: 'limit'; readonly id: number; readonly answer: boolean };

/** One end of the IPC channel. */
export interface Link<Out, In> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
  /** The other end is gone: nothing more will be sent or heard. */
  onClose(listener: () => void): void;
}

const TO_PRIMARY: ReadonlySet<string> = new Set<ToPrimary['kind']>(['store', 'publish', 'linkPost', 'limit', 'release', 'failure', 'listening']);
const TO_WORKER: ReadonlySet<string> = new Set<ToWorker['kind']>(['store', 'bus', 'linkPost', 'limit']);

function kind(message: unknown): unknown {
  return typeof message === 'object' && message !== null ? (message as { kind?: unknown }).kind : undefined;
}

/**
 * Only the relay's own processes are on the channel, but the node runtime uses it too (cluster's
 * own messages): anything without one of our kinds is not for us.
 */
export function isToPrimary(message: unknown): message is ToPrimary {
  const k = kind(message);
  return typeof k === 'string' && TO_PRIMARY.has(k);
}

export function isToWorker(message: unknown): message is ToWorker {
  const k = kind(message);
  return typeof k === 'string' && TO_WORKER.has(k);
}
