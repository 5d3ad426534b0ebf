// The Bus of a relay worker process (ADR 0011): what it publishes goes to its own sessions at once,
// as LocalBus does, and to the primary, which hands it to every other worker. Every worker hears
// every room: with sessions spread round-robin, nearly every room has sessions on every worker, so
// filtering by room would save little and would need a subscription round trip before each auth.
// The channel is ordered and loses nothing while both ends live, so there are no gaps to report;
// if the primary goes, the worker closes every session and exits.
import type { Bus, BusEvent, BusHandler, BusMessage } from '../bus/bus.js';
import type { ToPrimary } from './messages.js';

export class WorkerBus implements Bus {
  readonly #handlers = new Set<BusHandler>();
  readonly #send: (message: ToPrimary) => void;

  constructor(send: (message: ToPrimary) => void) {
    this.#send = send;
  }

  publish(roomId: Uint8Array, message: BusMessage): void {
    this.hear(roomId, message);
    this.#send({ kind: 'publish', roomId, message });
  }

  /** An event published by another worker, as the primary passed it on. */
  hear(roomId: Uint8Array, event: BusEvent): void {
    for (const handler of this.#handlers) handler(roomId, event);
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  // Every room's messages reach every worker: nothing to watch or wait for.
  watch(): void {}

  unwatch(): void {}

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#handlers.clear();
    return Promise.resolve();
  }
}
