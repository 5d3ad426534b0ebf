// The client's one way to ask the relay something: the current connection, the status a UI sees,
// and requests matched to their answers. Frames queued in one tick leave as one WebSocket message,
// so binding every room on a reconnect or a burst of sends costs one transport seal. An answer of
// STORE_UNAVAILABLE (the relay is up, its database is not) turns the status to 'degraded' until a
// request succeeds again; a `busStatus` push saying the relay cannot reach its other processes
// turns 'online' to 'partial' for as long as this connection lasts or the relay says otherwise.
import { SottoError, isSottoError } from '../errors.js';
import type { ClientFrame } from '../wire/frames.js';
import type { ClientContext } from './client-context.js';
import type { ConnectionStatus } from './client-events.js';
import type { Connection } from './connection.js';
import { Requests, type Answer } from './requests.js';

export function expectOk(answer: Answer): number {
  if (answer.type !== 'ok') throw new SottoError('UNEXPECTED_FRAME', `expected ok, got ${answer.type}`);
  return answer.value;
}

export class RelayChannel {
  readonly #ctx: ClientContext;
  readonly #requests: Requests;
  #conn: Connection | undefined;
  #status: ConnectionStatus = 'offline';
  #storeAway = false;
  /** The relay said, on this connection, that it cannot reach its other processes. */
  #busAway = false;
  #onlineWaiters: (() => void)[] = [];
  #batch: { conn: Connection; frames: ClientFrame[] } | undefined;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
    // A relay that stops answering is a dead connection: a timeout recycles it.
    this.#requests = new Requests(() => this.#conn?.close());
  }

  /** The live connection, undefined while offline. */
  get conn(): Connection | undefined {
    return this.#conn;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The last answer that said anything about the relay's storage said it was unreachable. */
  get storeAway(): boolean {
    return this.#storeAway;
  }

  attach(conn: Connection): void {
    this.#conn = conn;
  }

  /** The connection is gone: everything still waiting for an answer fails with CLOSED. */
  detach(): void {
    this.#conn = undefined;
    // Said of that connection's relay process; the next one says it again if it is so.
    this.#busAway = false;
    this.#requests.failAll(new SottoError('CLOSED'));
  }

  setStatus(status: ConnectionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    if (this.#usable()) {
      const waiters = this.#onlineWaiters;
      this.#onlineWaiters = [];
      for (const waiter of waiters) waiter();
    }
    this.#ctx.emit({ type: 'status', status });
  }

  /** Connected and bound: 'online' or 'partial', or 'degraded' on a connection (requests are how it ends). */
  #usable(): boolean {
    return this.#status === 'online' || this.#status === 'partial' || (this.#status === 'degraded' && this.#conn !== undefined);
  }

  /** Every room is bound on the new connection. */
  bound(): void {
    this.setStatus(this.#connected());
  }

  /** The relay's `busStatus` push (V-160): whether it reaches its other processes now. */
  busStatus(reachable: boolean): void {
    this.#busAway = !reachable;
    if (this.#status === 'online' || this.#status === 'partial') this.setStatus(this.#connected());
  }

  /** What a bound connection whose relay reaches its storage shows. */
  #connected(): ConnectionStatus {
    return this.#busAway ? 'partial' : 'online';
  }

  /** Resolves once connected and bound (or rejects with TIMEOUT). */
  whenOnline(timeoutMs = this.#ctx.timeoutMs): Promise<void> {
    if (this.#usable()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#onlineWaiters = this.#onlineWaiters.filter((w) => w !== waiter);
        reject(new SottoError('TIMEOUT', 'not online'));
      }, timeoutMs);
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#onlineWaiters.push(waiter);
    });
  }

  /** Settles the request `answer` answers; false if nothing waits for it. */
  answer(answer: Answer): Promise<boolean> {
    return this.#requests.answer(answer);
  }

  /** Waits to be online first (up to the request timeout), then sends. */
  async request(build: (rid: number) => ClientFrame, onAnswer?: (answer: Answer) => Promise<void> | void): Promise<Answer> {
    await this.whenOnline();
    const conn = this.#conn;
    if (conn === undefined) throw new SottoError('CLOSED');
    return this.requestOn(conn, build, onAnswer);
  }

  /** Sends on `conn` only: a request meant for a connection that is gone fails with CLOSED. */
  requestOn(conn: Connection, build: (rid: number) => ClientFrame, onAnswer?: (answer: Answer) => Promise<void> | void): Promise<Answer> {
    if (this.#conn !== conn) return Promise.reject(new SottoError('CLOSED'));
    const rid = this.#requests.nextRid();
    const answer = this.#requests.expect(rid, this.#ctx.timeoutMs, onAnswer);
    this.#transmit(conn, build(rid));
    return answer.then((a) => {
      this.#storeBack();
      return a;
    }, (error: unknown) => {
      if (isSottoError(error, 'STORE_UNAVAILABLE')) this.#storeDown();
      throw error;
    });
  }

  #storeDown(): void {
    this.#storeAway = true;
    if (this.#status === 'online' || this.#status === 'partial') this.setStatus('degraded');
  }

  #storeBack(): void {
    if (!this.#storeAway) return;
    this.#storeAway = false;
    if (this.#status === 'degraded') this.setStatus(this.#conn === undefined ? 'connecting' : this.#connected());
  }

  #transmit(conn: Connection, frame: ClientFrame): void {
    if (this.#batch !== undefined && this.#batch.conn === conn) {
      this.#batch.frames.push(frame);
      return;
    }
    this.#batch = { conn, frames: [frame] };
    queueMicrotask(() => {
      const batch = this.#batch;
      this.#batch = undefined;
      if (batch === undefined) return;
      try {
        batch.conn.send(batch.frames);
      } catch {
        // A closed connection fails every request through onClose; nothing else to do here.
      }
    });
  }
}
