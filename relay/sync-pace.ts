// The pace of one connection's sync answers (V-118): a sync request is a few dozen bytes and its
// answer up to a page (--max-sync-bytes), so a client asking again and again could pull data as
// fast as the relay reads it. Answers are metered in bytes: a burst goes at once, then the
// connection is sent `perSecond` bytes a second and each further answer waits its turn. Nothing is
// refused, so a client catching up on a long history just takes longer.

export class BytePace {
  readonly #perMs: number;
  readonly #burst: number;
  #available: number;
  #last: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#available = burst;
    this.#last = now;
  }

  /**
   * Takes `bytes` at `now`; the milliseconds to wait before sending them (0: at once). The balance
   * may go below zero, so an answer larger than the burst still goes, once its bytes are paid for.
   */
  take(bytes: number, now: number): number {
    this.#available = Math.min(this.#burst, this.#available + (now - this.#last) * this.#perMs);
    this.#last = now;
    this.#available -= bytes;
    return this.#available >= 0 ? 0 : Math.ceil(-this.#available / this.#perMs);
  }
}
