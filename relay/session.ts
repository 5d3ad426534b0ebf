// One WebSocket connection: the Noise handshake, then encrypted frames in and out.
//
// In: each message is opened, each frame passes the rate limit, is decoded and joins the session's
// inbox; requests run one at a time, in order, so a client sees its answers in the order it asked —
// except that a run of queued sends goes to the store together, as one transaction, still answered
// in order (handlers/message.ts).
// Out: frames collect in the outbox and leave once per tick as one sealed message.
// Nothing is buffered without bound: a client that stops reading is closed (1013), and while its
// backlog is high its own requests wait and its socket stops being read.
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { toHex } from '../protocol/bytes.js';
import { randomBytes } from '../protocol/crypto/random.js';
import { isSottoError, SottoError } from '../protocol/errors.js';
import {
  DEFAULT_NOISE_TRANSPORT_OPTIONS, NkResponder, SOTTO_NOISE_PROLOGUE, type NoiseKeyPair, type NoiseTransport,
} from '../protocol/noise/index.js';
import { nodePrimitives } from '../protocol/platform/node-noise-primitives.js';
import { decodeClientFrame, encodeRelayFrame, type ClientFrame } from '../protocol/wire/frames.js';
import { OLDER_WIRE_VERSIONS, WIRE_VERSION } from '../protocol/wire/types.js';
import type { Binding } from './binding.js';
import { fromByteString, toByteString } from './byte-string.js';
import type { RelayContext, Requester } from './context.js';
import { dispatch, dispatchSends } from './dispatch.js';
import type { Send } from './handlers/message.js';
import { TokenBucket } from './limits.js';
import { Outbox } from './outbox.js';
import { quotaReached } from './quota-refusal.js';
import { SessionBindings } from './session-bindings.js';
import type { SessionRegistry } from './session-registry.js';

export const CLOSE = {
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** Clients act on the code; the text is the code's name and the detail, a hint for people. */
function errorText(error: SottoError): string {
  return error.detail === undefined ? error.errorName : `${error.errorName}: ${error.detail}`;
}

const EMPTY = new Uint8Array(0);

/** Where every session's request chain starts: one settled promise shared, not one per session. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * Requests a session may have waiting before its socket stops being read (at most the rate-limit
 * burst). Enough to keep a busy sender's requests flowing into every store batch; few enough that
 * an overloaded relay leaves the excess in TCP buffers, where it costs no decryption, no heap and
 * no garbage collection, rather than queueing it here.
 */
const MAX_QUEUED_REQUESTS = 32;

/**
 * Most queued sends stored as one transaction. A run only forms when requests arrive faster than
 * they commit, so this bounds the work one session adds to an already busy store batch.
 */
const MAX_SEND_RUN = 32;

/** A frame that could not be decoded: refused in its turn, so answers keep the order asked. */
class Undecodable {
  constructor(readonly rid: number, readonly error: unknown) {}
}

type Request = ClientFrame | Undecodable;

/** The request id sits at the same place in every client frame; 0 when the frame is too short to say. */
function readableRid(frame: Uint8Array): number {
  // An older client's frame keeps its rid where ours does, so its BAD_VERSION reaches the request.
  if (frame.length < 6 || (frame[0] !== WIRE_VERSION && !OLDER_WIRE_VERSIONS.includes(frame[0]!))) return 0;
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(2);
}

function isSend(request: Request): request is Send {
  return !(request instanceof Undecodable) && request.type === 'send';
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export class Session implements Requester {
  // ws calls a listener with its socket as `this`: the same three functions serve every session,
  // finding it here, where a closure each per session would be most of an idle session's heap.
  static readonly #bySocket = new WeakMap<WebSocket, Session>();

  static #onClose(this: WebSocket): void {
    Session.#bySocket.get(this)!.#teardown();
  }

  static #onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    Session.#bySocket.get(this)!.#onMessage(toBytes(data), isBinary);
  }

  static #onError(this: WebSocket, error: Error): void {
    Session.#bySocket.get(this)!.#ctx.log.debug('socket error', { error: error.name });
  }

  /**
   * Sessions whose outbox leaves at the end of this tick: one setImmediate for all of them rather
   * than one (an Immediate and a closure) per recipient of every push.
   */
  static #toFlush: Session[] = [];

  /** Made on first use: most sessions never push anything, so never need one. */
  #id: string | undefined;
  readonly address: string;
  readonly #ws: WebSocket;
  /** The TCP socket under #ws, for its byte count. */
  readonly #socket: Socket;
  readonly #ctx: RelayContext;
  readonly #registry: SessionRegistry;
  readonly #staticKey: NoiseKeyPair;
  /** Told the address once the socket is gone, so its connection stops counting against it. */
  readonly #released: (address: string) => void;
  readonly #bindings = new SessionBindings();
  readonly #bucket: TokenBucket;
  /** Made on the first sync: most connections of an idle relay never sync again. */
  #syncPace: TokenBucket | undefined;
  /** Ends a sync answer's wait for its pace early, when the socket goes. */
  #paceWake: (() => void) | undefined;
  /** Made when a frame is queued and dropped once flushed: an idle session holds none. */
  #outbox: Outbox | undefined;
  /** Dropped once the handshake is in: an idle session keeps nothing it no longer needs. */
  #handshakeTimer: NodeJS.Timeout | undefined;
  /** Who waits for the socket to be gone (shutdown); made only when someone does. */
  #goneWaiters: (() => void)[] | undefined;
  #gone = false;
  #transport: NoiseTransport | undefined;
  /** As a byte string (byte-string.ts); only an auth reads it. */
  #handshakeHash: string | undefined;
  /**
   * Requests waiting their turn; made when one arrives and dropped once all are answered. A drained
   * array keeps the backing store its first push grew, more than an idle session holds otherwise.
   */
  #inbox: Request[] | undefined;
  /** The request chain; back to SETTLED once drained, so an idle session keeps no promise of its own. */
  #work: Promise<void> = SETTLED;
  #working = false;
  /** Requests accepted and not yet answered: the inbox and the run in hand. */
  #queued = 0;
  #strikes = 0;
  /** Bytes handed to the socket whose write has not completed. */
  #unsent = 0;
  #flushScheduled = false;
  /** Who waits for the backlog to fall; made only when someone does. */
  #drainWaiters: (() => void)[] | undefined;
  /**
   * The socket's bytesRead when the last ping went out. Any byte since (the pong, or anything else)
   * shows the peer alive, and no 'pong' listener is needed: a fourth event on the WebSocket would
   * grow its listener table, per session.
   */
  #bytesReadAtPing = -1;
  #closing = false;
  /**
   * The client has sent a transport message, so it reads ours: a push sent before that could reach
   * a client still finishing the handshake, which takes one message after message 2 for its own.
   */
  #heard = false;

  constructor(
    ws: WebSocket, socket: Socket, address: string, ctx: RelayContext, registry: SessionRegistry, staticKey: NoiseKeyPair,
    released: (address: string) => void,
  ) {
    this.#ws = ws;
    this.#socket = socket;
    this.address = address;
    this.#ctx = ctx;
    this.#registry = registry;
    this.#staticKey = staticKey;
    this.#released = released;
    this.#bucket = new TokenBucket(ctx.config.rateLimitPerSecond, ctx.config.rateLimitBurst, ctx.now());
    this.#handshakeTimer = setTimeout(() => this.close(CLOSE.policyViolation, 'handshake timeout'), ctx.config.handshakeTimeoutMs);
    Session.#bySocket.set(ws, this);
    ws.on('close', Session.#onClose).on('message', Session.#onSocketMessage).on('error', Session.#onError);
    registry.add(this);
  }

  /** Names this session across relay processes (the bus), so a push can leave out its sender. */
  get id(): string {
    return (this.#id ??= toHex(randomBytes(16)));
  }

  /** True if `id` names this session; never makes an id for a session that has none. */
  isNamed(id: string | undefined): boolean {
    return id !== undefined && id === this.#id;
  }

  get handshakeHash(): Uint8Array {
    if (this.#handshakeHash === undefined) throw new SottoError('INTERNAL', 'no handshake yet');
    return fromByteString(this.#handshakeHash);
  }

  binding(roomId: Uint8Array): Binding | undefined {
    return this.#bindings.get(toHex(roomId));
  }

  bindingAt(roomHex: string): Binding | undefined {
    return this.#bindings.get(roomHex);
  }

  bind(roomId: Uint8Array, binding: Binding): void {
    this.bindAt(toHex(roomId), binding);
  }

  bindAt(roomHex: string, binding: Binding): void {
    const isNew = !this.#bindings.has(roomHex);
    if (isNew && this.#bindings.size >= this.#ctx.config.maxRoomsPerSession) {
      quotaReached(this.#ctx, 'rooms-per-connection');
      throw new SottoError('TOO_MANY_ROOMS', `at most ${this.#ctx.config.maxRoomsPerSession} rooms per connection`);
    }
    // The registry's copy of the room's name, so the sessions bound to one room share one string.
    this.#bindings.set(isNew ? this.#registry.bound(roomHex, this) : roomHex, binding);
  }

  unbind(roomId: Uint8Array): void {
    this.unbindAt(toHex(roomId));
  }

  unbindAt(roomHex: string): void {
    if (this.#bindings.delete(roomHex)) this.#registry.unbound(roomHex, this);
  }

  roomHexes(): Iterable<string> {
    return this.#bindings.rooms();
  }

  async paceSync(bytes: number): Promise<void> {
    const { syncBytesPerSecond, syncBurstBytes } = this.#ctx.config;
    const now = this.#ctx.now();
    const waitMs = (this.#syncPace ??= new TokenBucket(syncBytesPerSecond, syncBurstBytes, now)).spend(bytes, now);
    if (waitMs === 0 || this.#closing) return;
    quotaReached(this.#ctx, 'sync-bytes');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.#paceWake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#paceWake = undefined;
  }

  send(frame: Uint8Array): void {
    if (frame.length > this.#ctx.config.maxFrameBytes) throw new SottoError('FRAME_TOO_LARGE', `answer of ${frame.length} bytes`);
    if (this.#closing || this.#transport === undefined) return;
    (this.#outbox ??= new Outbox(this.#ctx.config.maxMessageBytes, DEFAULT_NOISE_TRANSPORT_OPTIONS.maxFramesPerMessage)).push(frame);
    if (this.#backlog() > this.#ctx.config.maxBufferedBytes) {
      this.#ctx.metrics.slowConsumersClosed++;
      this.close(CLOSE.tryAgainLater, 'slow consumer', false);
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      if (Session.#toFlush.length === 0) setImmediate(Session.#flushAll);
      Session.#toFlush.push(this);
    }
  }

  /** Called on every heartbeat tick: a socket that sent nothing since the last ping, not even the pong, is dropped. */
  heartbeat(): void {
    const bytesRead = this.#socket.bytesRead;
    if (bytesRead === this.#bytesReadAtPing) {
      this.#ws.terminate();
      return;
    }
    this.#bytesReadAtPing = bytesRead;
    this.#ws.ping();
  }

  /** Sends what is queued (so the client learns why, e.g. RATE_LIMITED), then closes; `flush` false drops it. */
  close(code: number, reason: string, flush = true): void {
    if (this.#closing) return;
    if (flush) this.#flush();
    this.#closing = true;
    // A socket paused for backpressure would never read the client's close frame, and ws would
    // hold it for its 30 s close timeout; nothing read now is acted on, so let it finish the close.
    if (this.#ws.isPaused) this.#ws.resume();
    this.#ws.close(code, reason);
  }

  /** Closes with `code` and resolves once the socket is gone, terminating it after `graceMs`. */
  async shutdown(code: number, reason: string, graceMs: number): Promise<void> {
    this.close(code, reason);
    if (!this.#gone) {
      const timer = setTimeout(() => this.#ws.terminate(), graceMs);
      await new Promise<void>((resolve) => (this.#goneWaiters ??= []).push(resolve));
      clearTimeout(timer);
    }
    await this.#work;
  }

  #backlog(): number {
    return (this.#outbox?.bytes ?? 0) + this.#unsent;
  }

  #onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (this.#closing) return;
    this.#ctx.metrics.bytesIn += bytes.length;
    if (!isBinary) {
      this.close(CLOSE.unsupportedData, 'binary messages only');
      return;
    }
    if (this.#transport === undefined) {
      this.#handshake(bytes);
      return;
    }
    let frames: Uint8Array[];
    try {
      frames = this.#transport.open(bytes);
    } catch {
      this.close(CLOSE.protocolError, 'transport failure');
      return;
    }
    if (!this.#heard) this.#firstHeard();
    for (const frame of frames) {
      // A frame that closed the session (the last rate-limit strike) ends the batch: the rest would
      // only queue work, or pause the socket, after the close.
      if (this.#closing) return;
      this.#accept(frame);
    }
  }

  /** A client connecting during a Redis outage hears of it with its first answer (V-160). */
  #firstHeard(): void {
    this.#heard = true;
    if (!this.#ctx.bus.reachable) this.send(encodeRelayFrame({ type: 'busStatus', reachable: false }));
  }

  /** The bus's reachability changed (session-registry.ts): tells a client that reads pushes. */
  tellBus(frame: Uint8Array): void {
    if (this.#heard) this.send(frame);
  }

  #handshake(message1: Uint8Array): void {
    clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
    const { maxMessageBytes, maxFrameBytes } = this.#ctx.config;
    try {
      const responder = new NkResponder(nodePrimitives, this.#staticKey, SOTTO_NOISE_PROLOGUE, undefined, { maxMessageBytes, maxFrameBytes });
      if (responder.readMessage1(message1).length !== 0) throw new SottoError('HANDSHAKE_FAILED', 'message 1 carries a payload');
      const { message, transport, handshakeHash } = responder.writeMessage2(EMPTY);
      this.#transport = transport;
      this.#handshakeHash = toByteString(handshakeHash);
      this.#write(message);
    } catch {
      this.close(CLOSE.protocolError, 'handshake failed');
    }
  }

  #accept(frame: Uint8Array): void {
    const { rateLimitBurst } = this.#ctx.config;
    if (!this.#bucket.take(this.#ctx.now())) {
      this.refuse(readableRid(frame), new SottoError('RATE_LIMITED'));
      // A client that keeps going after a burst's worth of refusals is not going to slow down.
      if (++this.#strikes > rateLimitBurst) this.close(CLOSE.policyViolation, 'rate limit');
      return;
    }
    this.#strikes = 0;
    if (++this.#queued > Math.min(rateLimitBurst, MAX_QUEUED_REQUESTS) && !this.#ws.isPaused) this.#ws.pause();
    let request: Request;
    try {
      request = decodeClientFrame(frame);
    } catch (error) {
      request = new Undecodable(readableRid(frame), error);
    }
    (this.#inbox ??= []).push(request);
    if (!this.#working) {
      this.#working = true;
      this.#work = this.#work.then(() => this.#drainInbox());
    }
  }

  async #drainInbox(): Promise<void> {
    try {
      for (let inbox = this.#inbox; inbox !== undefined && inbox.length > 0; inbox = this.#inbox) {
        if (this.#backlog() > this.#ctx.config.maxBufferedBytes / 2) await this.#drained();
        if (this.#closing) return;
        const run = Session.#nextRun(inbox);
        await this.#handle(run);
        this.#answered(run.length);
      }
      this.#inbox = undefined;
    } catch (error) {
      // Only a relay bug gets here; the session's state is unknown, so it ends rather than the process.
      this.#ctx.log.error('session failed', { error: error instanceof Error ? error.name : typeof error });
      this.close(CLOSE.internalError, 'internal error');
    } finally {
      this.#working = false;
      // Nothing is left to wait for: a later shutdown awaits the shared settled promise, not this chain.
      this.#work = SETTLED;
    }
  }

  /** The next request, or the run of sends at the head of the inbox. */
  static #nextRun(inbox: Request[]): Request[] {
    const run = [inbox.shift()!];
    if (isSend(run[0]!)) while (run.length < MAX_SEND_RUN && inbox.length > 0 && isSend(inbox[0]!)) run.push(inbox.shift()!);
    return run;
  }

  async #handle(run: readonly Request[]): Promise<void> {
    const first = run[0]!;
    if (first instanceof Undecodable) return this.refuse(first.rid, first.error);
    for (const frame of run as readonly ClientFrame[]) this.#ctx.metrics.request(frame.type);
    if (first.type === 'send') return dispatchSends(this.#ctx, this, run as readonly Send[]);
    try {
      await dispatch(this.#ctx, this, first);
    } catch (error) {
      this.refuse(first.rid, error, first.type);
    }
  }

  #answered(requests: number): void {
    this.#queued -= requests;
    if (this.#queued <= Math.min(this.#ctx.config.rateLimitBurst, MAX_QUEUED_REQUESTS) / 2 && this.#ws.isPaused && !this.#closing) this.#ws.resume();
  }

  refuse(rid: number, error: unknown, type?: string): void {
    let refusal: SottoError;
    if (isSottoError(error)) refusal = error;
    else {
      this.#ctx.log.error('request failed', { type: type ?? 'unknown', error: error instanceof Error ? error.name : typeof error });
      refusal = new SottoError('INTERNAL');
    }
    this.#ctx.metrics.error(refusal.errorName);
    this.send(encodeRelayFrame({ type: 'error', rid, code: refusal.code, text: errorText(refusal) }));
  }

  /** Every session with frames queued this tick, flushed in the order they queued their first. */
  static #flushAll(this: void): void {
    const sessions = Session.#toFlush;
    Session.#toFlush = [];
    for (const session of sessions) session.#flush();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#closing || this.#transport === undefined) return;
    const outbox = this.#outbox;
    this.#outbox = undefined;
    for (const batch of outbox?.take() ?? []) this.#write(this.#transport.seal(batch));
  }

  #write(message: Uint8Array): void {
    this.#unsent += message.length;
    this.#ctx.metrics.bytesOut += message.length;
    this.#ws.send(message, () => {
      this.#unsent -= message.length;
      if (this.#backlog() <= this.#ctx.config.maxBufferedBytes / 2) this.#wake();
    });
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  #wake(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    for (const resolve of waiters ?? []) resolve();
  }

  #teardown(): void {
    this.#closing = true;
    this.#gone = true;
    clearTimeout(this.#handshakeTimer);
    this.#registry.remove(this);
    this.#released(this.address);
    this.#outbox = undefined;
    this.#paceWake?.();
    this.#wake();
    for (const resolve of this.#goneWaiters ?? []) resolve();
    this.#goneWaiters = undefined;
  }
}
