// One log line when Redis stops answering for a limit shared between relay processes, and one when
// it answers again: not one per request, which an outage under load would turn into a flood.
import type { Logger } from '../log.js';

export class OutageNotice {
  readonly #log: Logger;
  readonly #what: string;
  #down = false;

  /** `what`: the shared limit, as the log names it ("invite lockout"). */
  constructor(log: Logger, what: string) {
    this.#log = log;
    this.#what = what;
  }

  failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#log.warn(`redis unreachable: ${this.#what} kept per process until it is back`, { error: error instanceof Error ? error.name : typeof error });
  }

  answered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#log.warn(`redis reachable again: ${this.#what} shared across processes again`);
  }
}
