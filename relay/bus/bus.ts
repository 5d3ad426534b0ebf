// Room-scoped fan-out between relay processes: whatever one process decides for a room (deliver a
// message, push an event, drop a removed member's bindings) reaches the sessions of every process.
// In one process it is a function call (local-bus.ts); across processes, Redis pub/sub (redis-bus.ts),
// where a process hears only the rooms it has sessions bound to.
import type { AuthRole } from '../../protocol/wire/frames.js';

/** Which of a room's bound sessions a push is for. */
export interface Audience {
  /** Sessions bound with this role (either role when absent). */
  readonly role?: AuthRole;
  /** Sessions bound with this key (any key when absent). */
  readonly key?: Uint8Array;
  /** The requesting session, which already has its answer. */
  readonly exceptSession?: string;
}

export type BusMessage =
  /** Encoded relay frames for the room's sessions that match. */
  | { readonly type: 'push'; readonly to: Audience; readonly frames: readonly Uint8Array[] }
  /** These keys are no longer members: drop every binding to them at once. */
  | { readonly type: 'unbind'; readonly keys: readonly Uint8Array[] }
  /** This joiner was admitted: its joiner bindings become member bindings. */
  | { readonly type: 'promote'; readonly key: Uint8Array };

/**
 * What a subscriber hears: a message, or a gap: messages for the room may have been lost (the bus
 * was cut off for a while), so the room's sessions must catch up from the store.
 */
export type BusEvent = BusMessage | { readonly type: 'gap' };

export type BusHandler = (roomId: Uint8Array, event: BusEvent) => void;

/** A device-link mailbox post (docs/protocol.md §8.7.1) another process took: its box address and sealed bytes. */
export type LinkPostHandler = (box: Uint8Array, data: Uint8Array) => void;

export interface Bus {
  /** Delivery is in publish order per publisher; handlers must not throw. */
  publish(roomId: Uint8Array, message: BusMessage): void;
  subscribe(handler: BusHandler): () => void;
  /** This process has sessions bound to the room and needs its messages, until `unwatch`. */
  watch(roomId: Uint8Array): void;
  unwatch(roomId: Uint8Array): void;
  /**
   * Resolves once messages published for a watched room from now on reach this process, so a
   * session answered after it misses nothing; if that takes too long, the room gets a gap instead.
   */
  ready(roomId: Uint8Array): Promise<void>;
  /**
   * A link mailbox post this process took, for every other process (each keeps a copy of every
   * box, so a device listening there hears it). Not room-scoped: a link is in no room yet.
   */
  publishLinkPost(box: Uint8Array, data: Uint8Array): void;
  /** Hears the link posts other processes took (never this process's own); returns the unsubscribe. */
  subscribeLinkPosts(handler: LinkPostHandler): () => void;
  /**
   * False while this process may miss what other processes publish (Redis out of reach): its
   * sessions' messages are still stored, but reach members on other processes late. Always true
   * for a single process.
   */
  readonly reachable: boolean;
  /** Calls `listener` on every change of `reachable`; returns a function that stops it. */
  onReachable(listener: (reachable: boolean) => void): () => void;
  close(): Promise<void>;
}
