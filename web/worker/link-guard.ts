// One device link at a time on a device (docs/web.md "Linking devices"). The protocol client refuses
// a second start itself (LINK_OPEN, V-196); this guard answers the page before the client is asked
// and knows, for the page, whether a link is going. A link stays open from its start until the
// client says it is done or failed, or this device cancels it; a second start meanwhile is refused.
import type { LinkProgress } from './rpc.js';

export class LinkGuard {
  #open = false;

  /** Whether a link started on this device is still going. */
  get open(): boolean {
    return this.#open;
  }

  /** Runs `begin` unless a link is open; then throws `refuse()` and starts nothing. */
  async start<T>(begin: () => Promise<T>, refuse: () => Error): Promise<T> {
    if (this.#open) throw refuse();
    // Open before `begin` awaits anything, so two starts in one tick cannot both pass.
    this.#open = true;
    try {
      return await begin();
    } catch (error) {
      this.#open = false;
      throw error;
    }
  }

  /** A `link` event of the client: done and failed end the link. */
  seen(state: LinkProgress['state']): void {
    if (state === 'done' || state === 'failed') this.#open = false;
  }

  /**
   * This device cancelled: nothing of the link goes on here, even where the client had nothing
   * left to end (a link whose other device never answered), so a new one may start.
   */
  cancelled(): void {
    this.#open = false;
  }
}
