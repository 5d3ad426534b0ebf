// How every retry waits: exponentially longer, jittered (so many clients that lost the same relay
// do not come back in step), capped, and for a bounded time in all — after which the caller stops
// and shows a state the person can act on ("Not sent — Retry", "Offline — Retry") instead of
// trying forever at a fixed rate.
export interface BackoffOptions {
  /** First delay, ms. */
  readonly firstMs: number;
  /** Longest single delay, ms. */
  readonly maxMs: number;
  /** Total time after which next() gives up, ms, counted from the first failure. */
  readonly giveUpMs: number;
}

export class Backoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  #attempt = 0;
  #since: number | undefined;

  constructor(options: BackoffOptions, random: () => number = Math.random, now: () => number = Date.now) {
    this.#options = options;
    this.#random = random;
    this.#now = now;
  }

  /** The delay before the next try, or undefined once trying longer would pass giveUpMs. */
  next(): number | undefined {
    const now = this.#now();
    this.#since ??= now;
    const ceiling = Math.min(this.#options.maxMs, this.#options.firstMs * 2 ** this.#attempt++);
    // Between half the ceiling and the whole of it: never in lockstep, never much shorter.
    const delay = ceiling * (0.5 + this.#random() / 2);
    return now + delay - this.#since > this.#options.giveUpMs ? undefined : delay;
  }

  /** A success (or the person's Retry): the next failure starts over. */
  reset(): void {
    this.#attempt = 0;
    this.#since = undefined;
  }
}

/** Resolves after `ms` (never, if undefined), or at once when `wake` is called (closing, or the person's Retry). */
export function pause(ms: number | undefined): { readonly done: Promise<void>; readonly wake: () => void } {
  let wake!: () => void;
  const done = new Promise<void>((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}
