// Keeps the client connected: connect, handshake, bind every room, report online, catch up; when
// the socket goes, back off (jittered, exponential, capped) and start again, until closed.
import { isSottoError, type ErrorName } from '../errors.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { openConnection, type Connection } from './connection.js';

const DEFAULT_MAX_BACKOFF_MS = 5_000;
const FIRST_BACKOFF_MS = 200;
/** Connection failures that retrying may cure: a relay that is down, restarting or slow. */
const TRANSIENT: ReadonlySet<ErrorName> = new Set(['CLOSED', 'TIMEOUT', 'UNAVAILABLE']);

export class Connector {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'binding' | 'inbound' | 'restore'>;
  #closed = false;
  #wakeBackoff: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'binding' | 'inbound' | 'restore'>) {
    this.#ctx = ctx;
    this.#parts = parts;
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

  async #connectLoop(): Promise<void> {
    const { channel, binding, inbound } = this.#parts;
    let attempt = 0;
    while (!this.#closed) {
      channel.setStatus('connecting');
      let lost: Promise<void> | undefined;
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
            attempt = 0;
            channel.setStatus('online');
            this.#ctx.background(binding.catchUpAll());
          }
        }
        await lost;
      } catch (error) {
        // A relay that fails the handshake or serves a bad config is not a flaky network: say so.
        if (isSottoError(error) && !TRANSIENT.has(error.errorName)) this.#ctx.warn(undefined, error.errorName, `connecting to the relay: ${error.message}`);
        channel.conn?.close();
        // Only a connection that opened reports its loss; a failed handshake never would.
        if (channel.conn !== undefined) await lost;
      }
      this.#dropConnection();
      if (this.#closed) break;
      const delay = Math.min(this.#ctx.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt++);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay * (0.5 + Math.random() / 2));
        this.#wakeBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeBackoff = undefined;
    }
    channel.setStatus('offline');
  }

  #dropConnection(): void {
    this.#parts.channel.detach();
    this.#ctx.ready.clear();
    this.#parts.inbound.connectionLost();
    this.#parts.restore.connectionLost();
    if (!this.#closed) this.#parts.channel.setStatus('offline');
  }
}
