// Latency samples arrive at up to a few hundred thousand a second: a fixed log-bucketed histogram
// keeps recording O(1) and lets generator processes send theirs to the parent as a short list.
// Buckets grow by 2% from 1 µs, so a reported percentile is within 2% of the true sample.

const MIN_MS = 0.001;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / LOG_GROWTH) + 1;

/** Non-zero buckets as [index, count] pairs: what crosses the IPC channel. */
export type HistogramSnapshot = [number, number][];

export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;

  get count(): number {
    return this.#total;
  }

  record(ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.#counts[index]!++;
    this.#total++;
  }

  snapshot(): HistogramSnapshot {
    const out: HistogramSnapshot = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) out.push([i, this.#counts[i]!]);
    return out;
  }

  add(snapshot: HistogramSnapshot): void {
    for (const [index, count] of snapshot) {
      this.#counts[index]! += count;
      this.#total += count;
    }
  }

  /** The upper edge of the bucket holding the q-quantile sample; NaN when empty. */
  quantile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return MIN_MS * GROWTH ** i;
    }
    return MIN_MS * GROWTH ** (BUCKETS - 1);
  }
}
