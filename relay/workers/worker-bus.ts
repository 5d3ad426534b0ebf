// The Bus of a relay worker process (ADR 0011): what it publishes goes to its own sessions at once,
// as in one process (LocalBus), and to the primary, which hands it to every other worker. Every
// worker hears every room: with sessions spread round-robin, nearly every room has sessions on every
// worker, so filtering by room would save little and would need a subscription round trip before
// each auth. The channel is ordered and loses nothing while both ends live, so there are no gaps to
// report; if the primary goes, the worker closes every session and exits. Device-link mailbox posts
// take the same way, so two devices on two workers meet (every worker keeps a copy of every box, as
// relay processes on Redis do, V-192).
import type { BusMessage, LinkPostHandler } from '../bus/bus.js';
import { LocalBus } from '../bus/local-bus.js';
import type { ToPrimary } from './messages.js';

export class WorkerBus extends LocalBus {
  readonly #send: (message: ToPrimary) => void;
  readonly #linkHandlers = new Set<LinkPostHandler>();

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

  override publishLinkPost(box: Uint8Array, data: Uint8Array): void {
    this.#send({ kind: 'linkPost', box, data });
  }

  override subscribeLinkPosts(handler: LinkPostHandler): () => void {
    this.#linkHandlers.add(handler);
    return () => this.#linkHandlers.delete(handler);
  }

  /** A link post another worker took, as the primary passed it on. */
  hearLinkPost(box: Uint8Array, data: Uint8Array): void {
    for (const handler of this.#linkHandlers) handler(box, data);
  }
}
