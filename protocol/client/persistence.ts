// Where a client keeps its state between runs: named records (record-layout.ts), changed a few at a
// time. They hold every secret the client has (member key seeds, epoch keys, invite tokens, joining
// keys), so an implementation must seal each one: protocol/crypto/passphrase.ts is the cipher both
// the Node files and the browser's IndexedDB use.

/** One save: records written whole and records deleted, applied all together or not at all. */
export interface RecordChange {
  readonly put: ReadonlyMap<string, Uint8Array>;
  readonly remove: readonly string[];
}

export interface ClientPersistence {
  /** Every stored record by name, or undefined when nothing is stored yet. */
  load(): Promise<ReadonlyMap<string, Uint8Array> | undefined>;
  /** Applies `change` atomically (a crash leaves all of it or none); resolves once it is durable. */
  save(change: RecordChange): Promise<void>;
}

/** What a save writes: taken when the save starts; told when one failed, so nothing it held is lost. */
export interface ChangeSource {
  next(): RecordChange;
  failed(change: RecordChange): void;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serialises saves and coalesces bursts: a request made while a save runs is covered by exactly
 * one later save that starts after it, so every caller's awaited state is on disk when it resolves.
 *
 * A save writes the state record and what changed (message-store.ts), not the history. What the
 * relay can serve again (a received message, a new epoch's key, a read mark) may still wait: `requestLater` is covered by the
 * next save that starts at most `laterMs` after it — sooner if anything asks for one now — so a
 * catch-up of thousands of messages costs a few saves rather than one after another throughout.
 */
export class SaveQueue {
  readonly #persistence: ClientPersistence;
  readonly #changes: ChangeSource;
  readonly #laterMs: number;
  #now: Waiter[] = [];
  #later: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining = false;

  constructor(persistence: ClientPersistence, changes: ChangeSource, laterMs: number) {
    this.#persistence = persistence;
    this.#changes = changes;
    this.#laterMs = laterMs;
  }

  request(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#now.push({ resolve, reject }));
    if (!this.#draining) void this.#drain();
    return done;
  }

  requestLater(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#later.push({ resolve, reject }));
    if (!this.#draining) this.#arm();
    return done;
  }

  #arm(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (!this.#draining) void this.#drain();
    }, this.#laterMs);
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    do {
      const waiters = [...this.#now, ...this.#later];
      this.#now = [];
      this.#later = [];
      // Taken now, after every waiter's request: the saved state covers all of them.
      let change: RecordChange | undefined;
      try {
        change = this.#changes.next();
        await this.#persistence.save(change);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        if (change !== undefined) this.#changes.failed(change);
        for (const waiter of waiters) waiter.reject(error);
      }
    } while (this.#now.length > 0);
    this.#draining = false;
    if (this.#later.length > 0) this.#arm();
  }
}
