// The one transport seam for browser and Node: a WebSocket-shaped socket, the Noise NK handshake
// against the relay's pinned static key, then frames in both directions. Everything above this
// file speaks ClientFrame / RelayFrame only.
import { copyBytes } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { NkInitiator, SOTTO_NOISE_PROLOGUE, type NoisePrimitives, type NoiseTransport } from '../noise/index.js';
import { decodeRelayFrame, encodeClientFrame, type ClientFrame, type RelayFrame } from '../wire/frames.js';

// Method-shaped handler types are compared bivariantly, which is what lets both the DOM WebSocket
// (handlers take a full MessageEvent) and the `ws` package's (its own event classes) fit one shape.
type Handler<E> = { bivariant(event: E): void }['bivariant'];

export interface SocketMessage {
  readonly data: unknown;
}

export interface SocketClose {
  readonly code: number;
  readonly reason: string;
}

/** The WHATWG WebSocket surface this client uses. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<SocketMessage> | null;
  onclose: Handler<SocketClose> | null;
  onerror: Handler<unknown> | null;
}

const CONNECTING = 0;
const OPEN = 1;
const EMPTY = new Uint8Array(0);
/** Normal closure; 1002 when the relay sent bytes that do not decrypt or decode. */
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL = 1002;

export interface ConnectionHandlers {
  /** Every relay frame, in arrival order. */
  onFrame(frame: RelayFrame): void;
  /**
   * Called once, when the socket is gone for whatever reason; `refused` is set when this side closed
   * it over bytes the relay sent that do not decrypt or decode.
   */
  onClose(info: SocketClose, refused?: SottoError): void;
}

export interface Connection {
  /** Signed in every `auth` so a binding cannot be replayed on another connection. */
  readonly handshakeHash: Uint8Array;
  /** Seals all frames into one WebSocket message (one transport.seal call). */
  send(frames: readonly ClientFrame[]): void;
  close(): void;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new SottoError('UNEXPECTED_FRAME', 'text WebSocket message');
}

function waitOpen(socket: SocketLike): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  if (socket.readyState !== CONNECTING) return Promise.reject(new SottoError('CLOSED', 'socket already closed'));
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new SottoError('CLOSED', 'socket failed to open'));
    socket.onclose = (event) => reject(new SottoError('CLOSED', `socket closed while opening (${event.code})`));
  });
}

/**
 * Message 2, and into `early` whatever follows it before the transport's handler is installed: `ws`
 * emits every message of one TCP read synchronously, so a relay frame sent right behind message 2
 * reaches this handler too, and dropping it would put the transport's nonces out of step.
 */
function waitMessage2(socket: SocketLike, timeoutMs: number, early: SocketMessage[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SottoError('TIMEOUT', 'handshake')), timeoutMs);
    let taken = false;
    socket.onmessage = (event) => {
      if (taken) {
        early.push(event);
        return;
      }
      taken = true;
      clearTimeout(timer);
      try {
        resolve(toBytes(event.data));
      } catch (error) {
        reject(error);
      }
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      clearTimeout(timer);
      // A relay refuses message 1 only when it was not written to its key: ours is not the relay's.
      reject(event.code === CLOSE_PROTOCOL
        ? new SottoError('HANDSHAKE_FAILED', 'the relay refused the handshake: its key is not the one this client expects')
        : new SottoError('CLOSED', `socket closed during the handshake (${event.code})`));
    };
  });
}

/**
 * Runs the NK handshake on `socket` (open or still connecting) and returns the live connection.
 * Any failure closes the socket and rejects; nothing is retried here.
 */
export async function openConnection(
  socket: SocketLike,
  relayPublicKey: Uint8Array,
  primitives: NoisePrimitives,
  handlers: ConnectionHandlers,
  handshakeTimeoutMs = 10_000,
): Promise<Connection> {
  socket.binaryType = 'arraybuffer';
  let transport: NoiseTransport;
  let handshakeHash: Uint8Array;
  const early: SocketMessage[] = [];
  try {
    await waitOpen(socket);
    const initiator = new NkInitiator(primitives, relayPublicKey, SOTTO_NOISE_PROLOGUE);
    const message2 = waitMessage2(socket, handshakeTimeoutMs, early);
    socket.send(initiator.writeMessage1(EMPTY));
    const result = initiator.readMessage2(await message2);
    if (result.payload.length !== 0) throw new SottoError('HANDSHAKE_FAILED', 'message 2 carries a payload');
    transport = result.transport;
    handshakeHash = result.handshakeHash;
  } catch (error) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    socket.close(CLOSE_NORMAL);
    throw isSottoError(error) ? error : new SottoError('HANDSHAKE_FAILED', error instanceof Error ? error.message : undefined);
  }

  let closed = false;
  const finish = (info: SocketClose, refused?: SottoError): void => {
    if (closed) return;
    closed = true;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    handlers.onClose(info, refused);
  };
  const fail = (reason: string, error: unknown): void => {
    socket.close(CLOSE_PROTOCOL, reason);
    finish({ code: CLOSE_PROTOCOL, reason }, isSottoError(error) ? error : new SottoError('UNEXPECTED_FRAME', reason));
  };
  const receive = (event: SocketMessage): void => {
    if (closed) return;
    let frames: Uint8Array[];
    try {
      frames = transport.open(toBytes(event.data));
    } catch (error) {
      fail('transport failure', error);
      return;
    }
    for (const bytes of frames) {
      let frame: RelayFrame;
      try {
        // A copy: records outlive this message and views would pin its whole buffer.
        frame = decodeRelayFrame(copyBytes(bytes));
      } catch (error) {
        fail('undecodable relay frame', error);
        return;
      }
      handlers.onFrame(frame);
      if (closed) return;
    }
  };
  socket.onmessage = receive;
  socket.onclose = (event) => finish({ code: event.code, reason: event.reason });
  socket.onerror = () => undefined;
  // In arrival order, before anything later: what came in the same burst as message 2.
  for (const event of early) receive(event);

  return {
    handshakeHash,
    send(frames) {
      if (closed) throw new SottoError('CLOSED');
      if (frames.length === 0) return;
      socket.send(transport.seal(frames.map(encodeClientFrame)));
    },
    close() {
      if (closed) return;
      socket.close(CLOSE_NORMAL);
      finish({ code: CLOSE_NORMAL, reason: 'closed by client' });
    },
  };
}
