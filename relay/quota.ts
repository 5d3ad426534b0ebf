// Counted quotas: how many times a key (a client address) may do something within a window. Behind
// one small interface so the in-process counter here can be swapped for one every relay process
// shares (Redis: INCR and PEXPIRE on the key) without touching the handlers that ask.

export interface QuotaCounter {
  /** Counts one use of `key` at `now` (ms); false, counting nothing, when the window's uses are spent. */
  take(key: string, now: number): boolean | Promise<boolean>;
}

interface Window {
  start: number;
  used: number;
}

/** Entries above this count trigger a sweep of the windows that have ended. */
const SWEEP_THRESHOLD = 10_000;

/**
 * A fixed window per key: `limit` uses from the first one on, for `windowMs`. At a window's edge a
 * key may use up to twice the limit in a short time; a fixed window costs one entry per key, and
 * the quotas it serves (rooms per hour) only need a bound, not a smooth rate.
 */
export class WindowCounter implements QuotaCounter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  take(key: string, now: number): boolean {
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.#windowMs) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(now);
      window = { start: now, used: 0 };
      this.#windows.set(key, window);
    }
    if (window.used >= this.#limit) return false;
    window.used++;
    return true;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (now - window.start >= this.#windowMs) this.#windows.delete(key);
  }
}
