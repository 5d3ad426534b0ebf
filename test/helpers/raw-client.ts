// A bare relay client for tests: Noise NK over `ws`, client frames out, relay frames in, and no
// protocol logic beyond that, so tests (including hostile-input ones) can send anything at all.
import WebSocket, { type ClientOptions } from 'ws';
import { SottoError } from '../../protocol/errors.js';
import { NkInitiator, noblePrimitives, SOTTO_NOISE_PROLOGUE, type NoiseTransport } from '../../protocol/noise/index.js';
import { decodeRelayFrame, encodeClientFrame, type ClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

type Waiter = {
  readonly match: (frame: RelayFrame) => boolean;
  readonly resolve: (frame: RelayFrame) => void;
  /** Set for a request's answer, which a closed socket will never bring. */
  readonly closed?: (closed: Closed) => void;
};

/** A request whose socket closed before its answer came (e.g. the relay told the session to reconnect, 1012). */
export class ClosedBeforeAnswer extends Error {
  constructor(readonly rid: number, readonly closed: Closed) {
    super(`socket closed (${closed.code} ${closed.reason}) before request ${rid} was answered`);
  }
}

const EMPTY = new Uint8Array(0);
const DEFAULT_TIMEOUT_MS = 5000;

/** Relay frames that answer a request carry its rid. */
function answers(frame: RelayFrame, rid: number): boolean {
  return 'rid' in frame && frame.rid === rid;
}

/**
 * Opens a WebSocket to `url` without any handshake, for tests that misbehave from the first byte.
 * `options` lets abuse tests pick a source address (localAddress) or stop answering pings (autoPong).
 */
export function openSocket(url: string, options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the close code and reason once `ws` closes. */
export function whenClosed(ws: WebSocket): Promise<Closed> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

export class RawClient {
  readonly ws: WebSocket;
  readonly handshakeHash: Uint8Array;
  /** Resolves when the socket closes. */
  readonly closed: Promise<Closed>;
  /** Every decoded frame ever received, in order. */
  readonly received: RelayFrame[] = [];
  /** Received messages whose frames failed to decode (the relay should never send one). */
  readonly undecodable: Uint8Array[] = [];
  /** How many WebSocket messages arrived after the handshake (frames are coalesced into them). */
  messageCount = 0;
  readonly #transport: NoiseTransport;
  /** Received and not yet taken by waitFor/take/request. */
  #queue: RelayFrame[] = [];
  #waiters: Waiter[] = [];
  #rid = 0;
  /** How the socket closed, once it has. */
  #closedWith: Closed | undefined;

  private constructor(ws: WebSocket, transport: NoiseTransport, handshakeHash: Uint8Array) {
    this.ws = ws;
    this.#transport = transport;
    this.handshakeHash = handshakeHash;
    this.closed = whenClosed(ws);
    void this.closed.then((closed) => {
      this.#closedWith = closed;
      for (const waiter of this.#waiters) waiter.closed?.(closed);
    });
    ws.on('message', (data: Buffer) => this.#onMessage(new Uint8Array(data)));
  }

  /** Connects and completes the Noise NK handshake against the relay's static key. */
  static async connect(url: string, relayPublicKey: Uint8Array, options: ClientOptions = {}): Promise<RawClient> {
    const ws = await openSocket(url, options);
    const initiator = new NkInitiator(noblePrimitives, relayPublicKey, SOTTO_NOISE_PROLOGUE);
    const message2 = new Promise<Uint8Array>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(new Uint8Array(data)));
      ws.once('close', (code) => reject(new Error(`closed during handshake (${code})`)));
    });
    ws.send(initiator.writeMessage1(EMPTY));
    const { transport, handshakeHash } = initiator.readMessage2(await message2);
    return new RawClient(ws, transport, handshakeHash);
  }

  nextRid(): number {
    return ++this.#rid;
  }

  /** Encodes and seals the frames into one WebSocket message. */
  send(...frames: ClientFrame[]): void {
    this.sendFrameBytes(...frames.map(encodeClientFrame));
  }

  /** Seals arbitrary frame bytes (well-formed or not) into one WebSocket message. */
  sendFrameBytes(...frames: Uint8Array[]): void {
    this.ws.send(this.#transport.seal(frames));
  }

  /** Puts bytes or text on the socket as they are, bypassing the transport. */
  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  /**
   * Sends one request and resolves with the frame that answers its rid (ok, error, inviteInfo,
   * syncDone, pong). Rejects with ClosedBeforeAnswer as soon as the socket closes unanswered: a
   * close is the relay's whole answer then (1012: reconnect and sync), not a request left hanging.
   */
  request(frame: ClientFrame, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RelayFrame> {
    const answer = this.#wait((f) => answers(f, frame.rid), timeoutMs, frame.rid);
    this.send(frame);
    return answer;
  }

  /** Takes the first received frame matching `match`, waiting for it if it has not arrived. */
  waitFor(match: (frame: RelayFrame) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RelayFrame> {
    return this.#wait(match, timeoutMs, undefined);
  }

  /** waitFor; with `rid`, the wait ends (ClosedBeforeAnswer) when the socket closes. */
  #wait(match: (frame: RelayFrame) => boolean, timeoutMs: number, rid: number | undefined): Promise<RelayFrame> {
    const at = this.#queue.findIndex(match);
    if (at >= 0) return Promise.resolve(this.#queue.splice(at, 1)[0]!);
    if (rid !== undefined && this.#closedWith !== undefined) return Promise.reject(new ClosedBeforeAnswer(rid, this.#closedWith));
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      const waiter: Waiter = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        ...(rid === undefined ? {} : {
          closed: (closed: Closed) => {
            settle();
            reject(new ClosedBeforeAnswer(rid, closed));
          },
        }),
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Waits for a frame of the given type. */
  waitForType<T extends RelayFrame['type']>(type: T, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Extract<RelayFrame, { type: T }>> {
    return this.waitFor((f) => f.type === type, timeoutMs) as Promise<Extract<RelayFrame, { type: T }>>;
  }

  /** Takes every received frame matching `match` that has arrived so far. */
  take(match: (frame: RelayFrame) => boolean = () => true): RelayFrame[] {
    const taken = this.#queue.filter(match);
    this.#queue = this.#queue.filter((f) => !match(f));
    return taken;
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }

  #onMessage(message: Uint8Array): void {
    this.messageCount++;
    let frames: Uint8Array[];
    try {
      frames = this.#transport.open(message);
    } catch (error) {
      if (!(error instanceof SottoError)) throw error;
      this.undecodable.push(message);
      return;
    }
    for (const bytes of frames) {
      let frame: RelayFrame;
      try {
        frame = decodeRelayFrame(bytes.slice());
      } catch {
        this.undecodable.push(bytes.slice());
        continue;
      }
      this.received.push(frame);
      const waiter = this.#waiters.find((w) => w.match(frame));
      if (waiter === undefined) this.#queue.push(frame);
      else {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.resolve(frame);
      }
    }
  }
}
