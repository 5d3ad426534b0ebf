// A Prometheus histogram with one label: cumulative buckets, sum and count per label value. Label
// values come from fixed sets (frame types, store operations), so the series count stays bounded.

/** Seconds, from sub-millisecond SQLite reads to multi-second stalls. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Series {
  /** Per bucket, observations ≤ its bound (not yet cumulative). */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #label: string;
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(name: string, help: string, label: string, buckets: readonly number[] = LATENCY_BUCKETS) {
    this.#name = name;
    this.#help = help;
    this.#label = label;
    this.#buckets = buckets;
  }

  observe(labelValue: string, value: number): void {
    let series = this.#series.get(labelValue);
    if (series === undefined) this.#series.set(labelValue, (series = { counts: this.#buckets.map(() => 0), sum: 0, count: 0 }));
    const at = this.#buckets.findIndex((bound) => value <= bound);
    if (at >= 0) series.counts[at]!++;
    series.sum += value;
    series.count++;
  }

  /** The exposition lines: HELP, TYPE, then per label value its buckets, +Inf, sum and count. */
  render(): string[] {
    const out = [`# HELP ${this.#name} ${this.#help}`, `# TYPE ${this.#name} histogram`];
    for (const [value, series] of this.#series) {
      const label = `${this.#label}="${value}"`;
      let cumulative = 0;
      this.#buckets.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        out.push(`${this.#name}_bucket{${label},le="${bound}"} ${cumulative}`);
      });
      out.push(`${this.#name}_bucket{${label},le="+Inf"} ${series.count}`);
      out.push(`${this.#name}_sum{${label}} ${series.sum}`);
      out.push(`${this.#name}_count{${label}} ${series.count}`);
    }
    return out;
  }
}
