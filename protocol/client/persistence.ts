// Where a client keeps its state between runs. The snapshot holds every secret the client has
// (member key seeds, epoch keys, invite tokens, joining keys), so an implementation must store it
// encrypted: protocol/crypto/passphrase.ts is the cipher both the Node file and the browser use.

export interface ClientPersistence {
  /** The last saved snapshot, or undefined when there is none yet. */
  load(): Promise<Uint8Array | undefined>;
  /** Replaces the stored snapshot; resolves once it is durable. */
  save(snapshot: Uint8Array): Promise<void>;
}

/**
 * Serialises saves and coalesces bursts: a request made while a save runs is covered by exactly
 * one later save that starts after it, so every caller's awaited state is on disk when it resolves.
 */
export class SaveQueue {
  readonly #persistence: ClientPersistence;
  readonly #snapshot: () => Uint8Array;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #draining = false;

  constructor(persistence: ClientPersistence, snapshot: () => Uint8Array) {
    this.#persistence = persistence;
    this.#snapshot = snapshot;
  }

  request(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#draining) void this.#drain();
    return done;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      try {
        // Taken now, after every waiter's request: the saved state covers all of them.
        await this.#persistence.save(this.#snapshot());
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.#draining = false;
  }
}
