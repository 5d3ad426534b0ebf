// Keeps the client connected: connect, handshake, bind every room, report online, catch up; when
// the socket goes, back off (backoff.ts: jittered, exponential, capped) and start again — for at
// most reconnectGiveUpMs of failures in a row, then stop at status 'stopped' until the person's
// Retry (reconnect) or the client is closed. A relay that cannot reach its storage while we bind or
// catch up is treated as a lost connection (status 'degraded' meanwhile): the next one binds again.
import { isSottoError } from '../errors.js';
import { isRetryable, type ClientContext, type ClientParts } from './client-context.js';
import { openConnection, type Connection } from './connection.js';
import { Backoff, pause } from './backoff.js';

const DEFAULT_MAX_BACKOFF_MS = 5_000;
const FIRST_BACKOFF_MS = 200;
/** How long a connection must stay up before its loss starts the backoff over. */
const STABLE_MS = 10_000;
/** Failures in a row after which reconnecting stops until the person asks (default 15 minutes). */
export const DEFAULT_RECONNECT_GIVE_UP_MS = 15 * 60_000;

export class Connector {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'binding' | 'inbound' | 'restore'>;
  #closed = false;
  #wakeBackoff: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #backoff: Backoff;

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'binding' | 'inbound' | 'restore'>) {
    this.#ctx = ctx;
    this.#parts = parts;
    this.#backoff = new Backoff({
      firstMs: FIRST_BACKOFF_MS,
      maxMs: ctx.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      giveUpMs: ctx.options.reconnectGiveUpMs ?? DEFAULT_RECONNECT_GIVE_UP_MS,
    });
  }

  start(): void {
    this.#loop = this.#connectLoop();
  }

  /** Stops reconnecting, closes the socket and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#wakeBackoff?.();
    this.#parts.channel.conn?.close();
    await this.#loop;
  }

  /** The person's Retry after reconnecting stopped (or during a backoff): try again now. */
  reconnect(): void {
    this.#backoff.reset();
    this.#wakeBackoff?.();
  }

  async #connectLoop(): Promise<void> {
    const { channel, binding, inbound } = this.#parts;
    while (!this.#closed) {
      channel.setStatus(channel.storeAway ? 'degraded' : 'connecting');
      let lost: Promise<void> | undefined;
      let onlineAt: number | undefined;
      try {
        const { socket, relayPublicKey } = await this.#ctx.options.connect();
        let markLost!: () => void;
        lost = new Promise((resolve) => (markLost = resolve));
        const conn: Connection = await openConnection(socket, relayPublicKey, this.#ctx.options.primitives, {
          onFrame: (frame) => inbound.receive(frame),
          onClose: (_info, refused) => inbound.enqueue(() => {
            // Otherwise indistinguishable from a flaky network: the relay sent something we refuse.
            if (refused !== undefined) this.#ctx.warn(undefined, refused.errorName, `relay connection refused: ${refused.message}`);
            if (channel.conn === conn) this.#dropConnection();
            markLost();
          }),
        });
        channel.attach(conn);
        if (this.#closed) conn.close();
        else {
          await binding.bindAll();
          if (channel.conn === conn) {
            onlineAt = Date.now();
            channel.bound();
            this.#ctx.background(binding.catchUpAll());
          }
        }
        await lost;
        // Only a connection that held counts as a success: one the relay drops at once each time
        // must not restart the backoff at its shortest pause, a loop at a fixed rate.
        if (onlineAt !== undefined && Date.now() - onlineAt >= STABLE_MS) this.#backoff.reset();
      } catch (error) {
        // A relay that fails the handshake or serves a bad config is not a flaky network: say so.
        if (isSottoError(error) && !isRetryable(error)) this.#ctx.warn(undefined, error.errorName, `connecting to the relay: ${error.message}`);
        channel.conn?.close();
        // Only a connection that opened reports its loss; a failed handshake never would.
        if (channel.conn !== undefined) await lost;
      }
      this.#dropConnection();
      if (this.#closed) break;
      const delay = this.#backoff.next();
      // Given up: nothing more goes out until reconnect() (or close) wakes the loop.
      if (delay === undefined) channel.setStatus('stopped');
      const wait = pause(delay);
      this.#wakeBackoff = wait.wake;
      await wait.done;
      this.#wakeBackoff = undefined;
    }
    channel.setStatus('offline');
  }

  #dropConnection(): void {
    this.#parts.channel.detach();
    this.#ctx.ready.clear();
    this.#parts.inbound.connectionLost();
    this.#parts.restore.connectionLost();
    if (!this.#closed) this.#parts.channel.setStatus(this.#parts.channel.storeAway ? 'degraded' : 'offline');
  }
}
