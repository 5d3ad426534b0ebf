// What every part of a SottoClient shares: the rooms, the listeners, the save queue and the rules
// for running work. Three kinds of work are kept apart so none can deadlock another:
//   - inbound: every relay frame is handled in arrival order on one chain (inbound.ts); a handler
//     only verifies and applies, never waits for the relay;
//   - operations: local changes that allocate counters or extend the log (send, remove, rotate…)
//     run one at a time (`exclusive`) and may wait for relay answers;
//   - background: follow-ups a push starts (welcome, admit, sync, rotation) run detached (`background`).
// The concept modules (receiving, sending, sync…) hold their own per-room state and reach each other
// through `ClientParts`, so each one's collaborators are named in its constructor.
import { SottoError, isSottoError, type ErrorName } from '../errors.js';
import type { Suite } from '../crypto/suite.js';
import type { Checkpointer } from './checkpointer.js';
import type { ClientEvent, ClientListener } from './client-events.js';
import type { SottoClientOptions } from './client.js';
import type { Inbound } from './inbound.js';
import type { Issuer } from './issuer.js';
import type { Joiner } from './joiner.js';
import type { KeySchedule } from './key-schedule.js';
import type { KeyUpdates } from './key-update.js';
import type { Membership } from './membership.js';
import type { Drops } from './drops.js';
import type { Outbox } from './outbox.js';
import { MessageStore } from './message-store.js';
import { SaveQueue } from './persistence.js';
import type { Receiving } from './receiving.js';
import type { RelayChannel } from './relay-channel.js';
import type { Restore } from './restore.js';
import type { RoomBinding } from './room-binding.js';
import type { RoomState } from './room-state.js';
import type { OutdatedRoom } from './snapshot.js';
import type { Sync } from './sync.js';

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_LAZY_SAVE_MS = 1_000;
/** How often a step that lost a race with another client (or the relay) syncs and tries again. */
export const RETRIES = 3;

export function errorName(error: unknown): ErrorName {
  return isSottoError(error) ? error.errorName : 'INTERNAL';
}

/** Failures that say nothing about the request, only that now is a bad time: the same request may go again. */
const RETRYABLE: ReadonlySet<ErrorName> = new Set(['CLOSED', 'TIMEOUT', 'UNAVAILABLE', 'STORE_UNAVAILABLE']);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(errorName(error));
}

export function errorDetail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The client's concept modules, for the calls one makes into another. */
export interface ClientParts {
  readonly channel: RelayChannel;
  readonly binding: RoomBinding;
  readonly inbound: Inbound;
  readonly receiving: Receiving;
  readonly sync: Sync;
  readonly outbox: Outbox;
  readonly drops: Drops;
  readonly keys: KeySchedule;
  readonly updates: KeyUpdates;
  readonly membership: Membership;
  readonly joiner: Joiner;
  readonly issuer: Issuer;
  readonly checkpoints: Checkpointer;
  readonly restore: Restore;
}

export class ClientContext {
  readonly suite: Suite;
  readonly options: SottoClientOptions;
  readonly timeoutMs: number;
  readonly rooms = new Map<string, RoomState>();
  readonly listeners = new Set<ClientListener>();
  /** Rooms bound as member and synced on the current connection: their outbox may flow. */
  readonly ready = new Set<string>();
  /** Rooms with a sync in flight. */
  readonly syncing = new Set<string>();
  /** Rooms an older protocol made: written back to the keystore unchanged, never opened. */
  readonly outdated: OutdatedRoom[] = [];
  /** What each save writes: the state record and the history chunks that changed. */
  readonly store: MessageStore;
  readonly #saves: SaveQueue | undefined;
  #ops: Promise<unknown> = Promise.resolve();

  constructor(options: SottoClientOptions) {
    this.suite = options.suite;
    this.options = options;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.store = new MessageStore(() => this.rooms.values(), () => this.outdated, options.historyChunk);
    this.#saves = options.persistence === undefined ? undefined : new SaveQueue(
      options.persistence, this.store, options.lazySaveMs ?? DEFAULT_LAZY_SAVE_MS,
    );
    if (options.onEvent !== undefined) this.listeners.add(options.onEvent);
  }

  room(roomId: string): RoomState {
    const room = this.rooms.get(roomId.toLowerCase());
    if (room === undefined) throw new SottoError('ROOM_NOT_FOUND');
    return room;
  }

  memberRoom(roomId: string): RoomState {
    const room = this.room(roomId);
    if (room.status !== 'member') throw new SottoError('NOT_MEMBER', `room status is ${room.status}`);
    return room;
  }

  /** Runs `operation` after every operation queued before it, alone. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#ops.then(operation);
    this.#ops = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs detached; a failure becomes a warning instead of an unhandled rejection. A retryable one
   * (the connection or the relay's storage is away) is no warning: the status shows it, and the
   * next connection catches up.
   */
  background(work: Promise<unknown>, room?: RoomState): void {
    work.catch((error: unknown) => {
      if (!isRetryable(error)) this.warn(room, errorName(error), errorDetail(error));
    });
  }

  emit(event: ClientEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop the state machine.
      }
    }
  }

  warn(room: RoomState | undefined, error: ErrorName, detail: string, seq?: number): void {
    this.emit({ type: 'warning', roomId: room?.hex, error, detail, ...(seq === undefined ? {} : { seq }) });
  }

  save(): Promise<void> {
    return this.#saves?.request() ?? Promise.resolve();
  }

  /**
   * Saves what `room` just learned, without waiting for it. While the room syncs, what arrives is
   * covered by the save that ends the sync (or one within lazySaveMs): a save per message would
   * still seal the state record once per message of a long catch-up.
   */
  saveSoon(room: RoomState): void {
    this.#unawaited(this.syncing.has(room.hex) ? this.#saves?.requestLater() : this.save());
  }

  /** For what the relay serves again if it is lost (a sync page's messages, a read mark). */
  saveLater(): void {
    this.#unawaited(this.#saves?.requestLater());
  }

  /** A save nobody awaits still reports its failure. */
  #unawaited(save: Promise<void> | undefined): void {
    save?.catch((error: unknown) => this.warn(undefined, errorName(error), `saving: ${errorDetail(error)}`));
  }
}
