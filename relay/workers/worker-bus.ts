// The Bus of a relay worker process (ADR 0011): what it publishes goes to its own sessions at once,
// as in one process (LocalBus), and to the primary, which hands it to every other worker. Every
// worker hears every room: with sessions spread round-robin, nearly every room has sessions on every
// worker, so filtering by room would save little and would need a subscription round trip before
// each auth. The channel is ordered and loses nothing while both ends live, so there are no gaps to
// report; if the primary goes, the worker closes every session and exits.
import type { BusMessage } from '../bus/bus.js';
import { LocalBus } from '../bus/local-bus.js';
import type { ToPrimary } from './messages.js';

export class WorkerBus extends LocalBus {
  readonly #send: (message: ToPrimary) => void;

  constructor(send: (message: ToPrimary) => void) {
    super();
    this.#send = send;
  }

  override publish(roomId: Uint8Array, message: BusMessage): void {
    super.publish(roomId, message);
    this.#send({ kind: 'publish', roomId, message });
  }

  /** A message another worker published, as the primary passed it on: for this worker's sessions only. */
  hear(roomId: Uint8Array, message: BusMessage): void {
    super.publish(roomId, message);
  }
}
