// What every request handler works with: the relay's shared services and the requesting session.
import type { Suite } from '../protocol/crypto/suite.js';
import type { Binding } from './binding.js';
import type { Bus } from './bus/bus.js';
import type { RelayConfig } from './config.js';
import type { LinkBoxes } from './link-boxes.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { QuotaCounter } from './quota.js';
import type { RestorePoints } from './restore-point.js';
import type { Store } from './store/store.js';

export interface RelayContext {
  readonly config: RelayConfig;
  readonly store: Store;
  readonly bus: Bus;
  readonly suite: Suite;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly addressLockout: AddressFailures;
  /** Rooms created per client address per hour (quota.ts; one process's count unless a shared counter is given). */
  readonly roomCreations: QuotaCounter;
  /** The secret room-creation tokens are checked with, when --require-room-token is set (room-token.ts). */
  readonly roomTokenSecret: Uint8Array | undefined;
  /** Where each room stood if this relay was restored from a backup (restore-point.ts). */
  readonly restorePoints: RestorePoints;
  /** Device-link mailboxes, in this process's memory (§8.7.1). */
  readonly linkBoxes: LinkBoxes;
  /** Milliseconds since the Unix epoch; injectable so tests can move time. */
  readonly now: () => number;
}

/**
 * Bad invite proofs per client address: in memory for one process (limits.ts AddressLockout),
 * in Redis when several share the work (bus/redis-address-lockout.ts).
 */
export interface AddressFailures {
  isLocked(address: string, now: number): boolean | Promise<boolean>;
  recordFailure(address: string, now: number): void | Promise<void>;
}

/** The session as handlers see it: identity, bindings and a way to answer. */
export interface Requester {
  readonly id: string;
  /** Client address, for per-address limits only; never logged. */
  readonly address: string;
  /** The Noise handshake hash the client signs in `auth`. */
  readonly handshakeHash: Uint8Array;
  binding(roomId: Uint8Array): Binding | undefined;
  bind(roomId: Uint8Array, binding: Binding): void;
  unbind(roomId: Uint8Array): void;
  /** Resolves once `bytes` more of sync answers fit this connection's pace (--sync-bytes-per-second). */
  paceSync(bytes: number): Promise<void>;
  /** Queues an encoded relay frame; FRAME_TOO_LARGE if it can never be sent. */
  send(frame: Uint8Array): void;
  /** Answers request `rid` with the error frame for `error` (INTERNAL, logged, when it is not a SottoError). */
  refuse(rid: number, error: unknown, type: string): void;
}
