// The Bus for a single relay process: publish calls every subscriber synchronously, so pushes keep
// the order in which their transactions committed.
import type { Bus, LinkPostHandler, BusHandler, BusMessage } from './bus.js';

export class LocalBus implements Bus {
  readonly #handlers = new Set<BusHandler>();

  publish(roomId: Uint8Array, message: BusMessage): void {
    for (const handler of this.#handlers) handler(roomId, message);
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  // Every room's messages are heard in the one process: there is nothing to watch or wait for.
  watch(): void {}

  unwatch(): void {}

  ready(): Promise<void> {
    return Promise.resolve();
  }

  // No other process: a link post is already in this process's only copy of its box.
  publishLinkPost(_box: Uint8Array, _data: Uint8Array): void {}

  subscribeLinkPosts(_handler: LinkPostHandler): () => void {
    return () => undefined;
  }

  // Nothing between processes to lose: always reachable, never a change to hear.
  readonly reachable = true;

  onReachable(): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.#handlers.clear();
    return Promise.resolve();
  }
}
