// Where a client keeps its state between runs. The snapshot holds every secret the client has
// (member key seeds, epoch keys, invite tokens, joining keys), so an implementation must store it
// encrypted: protocol/crypto/passphrase.ts is the cipher both the Node file and the browser use.

export interface ClientPersistence {
  /** The last saved snapshot, or undefined when there is none yet. */
  load(): Promise<Uint8Array | undefined>;
  /** Replaces the stored snapshot; resolves once it is durable. */
  save(snapshot: Uint8Array): Promise<void>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serialises saves and coalesces bursts: a request made while a save runs is covered by exactly
 * one later save that starts after it, so every caller's awaited state is on disk when it resolves.
 *
 * A save writes the whole state, so its cost grows with the history. What the relay can serve again
 * (a received message, a new epoch's key, a read mark) may wait: `requestLater` is covered by the
 * next save that starts at most `laterMs` after it — sooner if anything asks for one now — so a
 * catch-up of thousands of messages costs a few saves rather than one after another throughout.
 */
export class SaveQueue {
  readonly #persistence: ClientPersistence;
  readonly #snapshot: () => Uint8Array;
  readonly #laterMs: number;
  #now: Waiter[] = [];
  #later: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining = false;

  constructor(persistence: ClientPersistence, snapshot: () => Uint8Array, laterMs: number) {
    this.#persistence = persistence;
    this.#snapshot = snapshot;
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
      try {
        // Taken now, after every waiter's request: the saved state covers all of them.
        await this.#persistence.save(this.#snapshot());
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    } while (this.#now.length > 0);
    this.#draining = false;
    if (this.#later.length > 0) this.#arm();
  }
}
