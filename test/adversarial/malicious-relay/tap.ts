// The malicious relay's grip on one client: the real relay's Noise session with that client, opened
// up so a test script sees every frame in plaintext and decides what each side gets instead.
//
// How: the client is given Noise primitives that hand its ephemeral key to the tap (escrow), and a
// socket that forwards to the real relay. With the ephemeral, the tap replays the client's side of
// the NK handshake and derives the same transport keys and the same handshake hash, so the client's
// `auth` (a signature over that hash) still binds at the real relay. From then on the tap opens and
// reseals every message in both directions. That is exactly the power a relay operator has over its
// own sessions (it is the Noise endpoint), and no more: the client's room keys stay in the client.
import WebSocket from 'ws';
import { openNodeSocket } from '../../../client/node-socket.js';
import type { SocketClose, SocketLike, SocketMessage } from '../../../protocol/client/connection.js';
import { bytesEqual } from '../../../protocol/bytes.js';
import {
  HANDSHAKE_PATTERNS, HandshakeState, NoiseTransport, SOTTO_NOISE_PROLOGUE,
  type CipherStatePair, type NoiseKeyPair, type NoisePrimitives,
} from '../../../protocol/noise/index.js';
import { nodePrimitives } from '../../../protocol/platform/node-noise-primitives.js';
import {
  decodeClientFrame, decodeRelayFrame, encodeClientFrame, encodeRelayFrame, type ClientFrame, type RelayFrame,
} from '../../../protocol/wire/frames.js';

/** A relay frame to send, or raw frame bytes for attacks no well-formed frame can express. */
export type Outgoing = RelayFrame | Uint8Array;

/** What the relay does with each frame; returning [] drops it. Both default to passing it on. */
export interface Script {
  toClient(frame: RelayFrame): Outgoing[];
  toRelay(frame: ClientFrame): ClientFrame[];
}

const PASS: Script = { toClient: (frame) => [frame], toRelay: (frame) => [frame] };

/** A script from the parts a test cares about; the other direction passes unchanged. */
export function script(parts: Partial<Script>): Script {
  return { ...PASS, ...parts };
}
const EMPTY = new Uint8Array(0);
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

type Handler<E> = ((event: E) => void) | null;

/** One connection: the client-facing and relay-facing halves of the re-keyed Noise session. */
interface Session {
  readonly toClient: NoiseTransport;
  readonly toRelay: NoiseTransport;
}

/**
 * The client's half of the handshake, replayed from its escrowed ephemeral: the same transport keys
 * and handshake hash the client holds. Each call returns fresh cipher states (nonces at zero).
 */
function replayHandshake(relayPublicKey: Uint8Array, ephemeral: NoiseKeyPair, message1: Uint8Array, message2: Uint8Array): CipherStatePair {
  const state = new HandshakeState(nodePrimitives, {
    pattern: HANDSHAKE_PATTERNS.NK, initiator: true, prologue: SOTTO_NOISE_PROLOGUE, remoteStaticPublic: relayPublicKey, ephemeralKeyPair: ephemeral,
  });
  if (!bytesEqual(state.writeMessage(EMPTY), message1)) throw new Error('tap: the escrowed ephemeral does not reproduce message 1');
  state.readMessage(message2);
  return state.split();
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/**
 * The socket the client is handed: WebSocket-shaped, backed by a real socket to the relay, with
 * the tap in the middle once the handshake is through.
 */
class TappedSocket implements SocketLike {
  binaryType = 'arraybuffer';
  readyState = CONNECTING;
  onopen: Handler<unknown> = null;
  onmessage: Handler<SocketMessage> = null;
  onclose: Handler<SocketClose> = null;
  onerror: Handler<unknown> = null;
  readonly #tap: Tap;
  readonly #upstream: WebSocket;
  #handshake: { readonly message1: Uint8Array; readonly ephemeral: NoiseKeyPair } | undefined;
  #session: Session | undefined;

  constructor(tap: Tap, wsUrl: string) {
    this.#tap = tap;
    this.#upstream = openNodeSocket(wsUrl);
    this.#upstream.binaryType = 'nodebuffer';
    this.#upstream.on('open', () => {
      this.readyState = OPEN;
      this.onopen?.({});
    });
    this.#upstream.on('message', (data) => this.#fromRelay(toBytes(data)));
    // After any message still queued for the client, as a real socket delivers them before its close.
    this.#upstream.on('close', (code, reason) => setImmediate(() => this.#closed(code, reason.toString())));
    this.#upstream.on('error', () => this.onerror?.({}));
  }

  send(data: Uint8Array): void {
    if (this.#session === undefined) {
      // Message 1: the client generated its ephemeral for it just now.
      this.#handshake = { message1: data.slice(), ephemeral: this.#tap.lastEphemeral() };
      this.#upstream.send(data);
      return;
    }
    const frames = this.#session.toClient.open(data).map((bytes) => decodeClientFrame(bytes.slice()));
    const out = frames.flatMap((frame) => this.#tap.clientSent(frame));
    if (out.length > 0) this.#upstream.send(this.#session.toRelay.seal(out.map(encodeClientFrame)));
  }

  close(code = 1000): void {
    this.#tap.clientCloses.push(code);
    this.cut();
  }

  /** Closes the relay side; the client hears it as the relay hanging up. */
  cut(): void {
    if (this.readyState !== CLOSED) this.#upstream.close(1000);
  }

  /** Frames the malicious relay makes up, sent to the client on the current session. */
  inject(frames: readonly Outgoing[]): void {
    if (this.#session === undefined || this.readyState !== OPEN || frames.length === 0) return;
    const sealed = this.#session.toClient.seal(frames.map((f) => (f instanceof Uint8Array ? f : encodeRelayFrame(f))));
    // Asynchronous like a real socket: the client never sees a message inside its own call stack.
    setImmediate(() => this.onmessage?.({ data: toArrayBuffer(sealed) }));
  }

  #fromRelay(bytes: Uint8Array): void {
    if (this.#session === undefined) {
      const { message1, ephemeral } = this.#handshake!;
      const towardRelay = replayHandshake(this.#tap.relayPublicKey, ephemeral, message1, bytes);
      // Toward the client the tap stands where the relay does: the same keys, directions swapped.
      const towardClient = replayHandshake(this.#tap.relayPublicKey, ephemeral, message1, bytes);
      this.#session = {
        toRelay: new NoiseTransport(towardRelay),
        toClient: new NoiseTransport({ send: towardClient.receive, receive: towardClient.send }),
      };
      this.onmessage?.({ data: toArrayBuffer(bytes) });
      return;
    }
    const frames = this.#session.toRelay.open(bytes).map((b) => decodeRelayFrame(b.slice()));
    this.inject(frames.flatMap((frame) => this.#tap.relaySent(frame)));
  }

  #closed(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.onclose?.({ code, reason });
  }
}

/**
 * The malicious relay's view of one client across all its connections: what each side sent, the
 * script in force, and a way to push made-up frames at any time.
 */
export class Tap {
  readonly relayPublicKey: Uint8Array;
  readonly #wsUrl: string;
  /** Every frame the real relay sent this client, before the script. */
  readonly fromRelay: RelayFrame[] = [];
  /** Every frame the client sent, before the script. */
  readonly fromClient: ClientFrame[] = [];
  /** Close codes the client used on its own sockets (1002: it refused what it was sent). */
  readonly clientCloses: number[] = [];
  /** Connections opened so far. */
  connections = 0;
  script: Script = PASS;
  #ephemeral: NoiseKeyPair | undefined;
  #socket: TappedSocket | undefined;

  constructor(wsUrl: string, relayPublicKey: Uint8Array) {
    this.#wsUrl = wsUrl;
    this.relayPublicKey = relayPublicKey;
  }

  /** The client's Noise primitives: node:crypto, with every ephemeral key handed to the tap. */
  readonly primitives: NoisePrimitives = {
    ...nodePrimitives,
    generateKeyPair: () => {
      const pair = nodePrimitives.generateKeyPair();
      this.#ephemeral = pair;
      return pair;
    },
  };

  /** For SottoClientOptions.connect. */
  readonly connect = (): Promise<{ socket: SocketLike; relayPublicKey: Uint8Array }> => {
    this.connections++;
    this.#socket = new TappedSocket(this, this.#wsUrl);
    return Promise.resolve({ socket: this.#socket, relayPublicKey: this.relayPublicKey });
  };

  /** Pushes frames to the client on its current connection, as if the relay had sent them. */
  inject(...frames: Outgoing[]): void {
    this.#socket?.inject(frames);
  }

  /** Cuts the current connection from the relay's side; the client reconnects. */
  drop(): void {
    this.#socket?.cut();
  }

  /** Restores honest forwarding. */
  reset(): void {
    this.script = PASS;
  }

  /** The rest is the socket's side of the tap. */
  lastEphemeral(): NoiseKeyPair {
    if (this.#ephemeral === undefined) throw new Error('tap: no escrowed ephemeral for this handshake');
    return this.#ephemeral;
  }

  relaySent(frame: RelayFrame): Outgoing[] {
    this.fromRelay.push(frame);
    return this.script.toClient(frame);
  }

  clientSent(frame: ClientFrame): ClientFrame[] {
    this.fromClient.push(frame);
    return this.script.toRelay(frame);
  }
}
