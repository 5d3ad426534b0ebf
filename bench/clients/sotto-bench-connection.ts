// A generator connection to Sotto's relay: the real Noise NK handshake and transport (node:crypto
// primitives, as a fast native client would use) and a real signed `auth`, then a hot loop that
// sends `send` frames built from one template.
//
// The template is a well-formed message record (valid header, epoch, sender) whose ciphertext is
// random bytes carrying the send stamp and whose signature is random: the relay checks who may send,
// never what was sent (signatures are the recipients' to verify), so this is exactly the relay's
// work for a real message of this size. Only the rid, the counter (unique per sender, or the relay
// answers COUNTER_USED) and the stamp change per send.
import { fromHex } from '../../protocol/bytes.js';
import { ZERO_HASH } from '../../protocol/membership/roster.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { labeled } from '../../protocol/crypto/signing.js';
import { NkInitiator, SOTTO_NOISE_PROLOGUE, type NoiseTransport } from '../../protocol/noise/index.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { AUTH_ROLE, decodeRelayFrame, encodeClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned } from '../../protocol/wire/message.js';
import { RELAY_FRAME, SIZE } from '../../protocol/wire/types.js';
import { LeanWebSocket } from '../lean-websocket.js';
import { identityFromSeed } from '../sotto-identity.js';
import { readStamp, writeStamp, type BenchConnection, type DeliverySink } from './bench-connection.js';

/** A one-line text message's ciphertext: content padded to 256 bytes plus the AEAD tag. */
export const SOTTO_CIPHERTEXT_BYTES = 256 + 16;
/** The stamp sits at the start of the ciphertext, i.e. this far from the end of a record or frame. */
const STAMP_FROM_END = SIZE.signature + SOTTO_CIPHERTEXT_BYTES;
/** In a send frame: version, type, rid (u32), record length (u32), then the record. */
const SEND_RID_OFFSET = 2;
const SEND_RECORD_OFFSET = 10;
const EMPTY = new Uint8Array(0);
const SETUP_TIMEOUT_MS = 30_000;

export interface SottoMember {
  readonly roomId: string;
  readonly seed: string;
}

/** The send frame template and where its counter lives. */
function sendTemplate(roomId: Uint8Array, sender: Uint8Array): { frame: Uint8Array; counterOffset: number } {
  const header = encodeMessageHeader({
    roomId, epoch: 0, sender, counter: 0, index: 0, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH, logLength: 1, logHash: ZERO_HASH, nonce: randomBytes(SIZE.nonce),
  });
  const record = new Uint8Array([...encodeMessageUnsigned(header, randomBytes(SOTTO_CIPHERTEXT_BYTES)), ...randomBytes(SIZE.signature)]);
  const frame = encodeClientFrame({ type: 'send', rid: 0, message: decodeMessage(record) });
  // The counter follows version, type, roomId, epoch and sender in the header.
  const counterOffset = SEND_RECORD_OFFSET + 2 + SIZE.roomId + 4 + SIZE.publicKey;
  const probe = frame.slice();
  new DataView(probe.buffer).setUint32(counterOffset, 0x01020304);
  if (decodeMessage(probe.subarray(SEND_RECORD_OFFSET)).counter !== 0x01020304) throw new Error('send template: counter offset is wrong');
  return { frame, counterOffset };
}

/** The size of the WebSocket message the relay sends per delivery: what the baselines send too. */
export function sottoDeliveryMessageBytes(): number {
  const { frame } = sendTemplate(randomBytes(SIZE.roomId), randomBytes(SIZE.publicKey));
  const record = frame.length - SEND_RECORD_OFFSET;
  // deliver frame: version, type, roomId, seq (u64), record length (u32), record; then the Noise
  // framing: u16 chunk length, then sealed (u32 frame length, frame) with its 16-byte tag.
  return 2 + 4 + (2 + SIZE.roomId + 8 + 4 + record) + 16;
}

export class SottoBenchConnection implements BenchConnection {
  errors = 0;
  readonly #socket: LeanWebSocket;
  readonly #transport: NoiseTransport;
  readonly #frame: Uint8Array;
  readonly #view: DataView;
  readonly #counterOffset: number;
  readonly #stampOffset: number;
  #sink: DeliverySink | undefined;
  #rid = 0;
  #counter = 0;
  #setupWaiter: ((frame: RelayFrame) => void) | undefined;

  private constructor(socket: LeanWebSocket, transport: NoiseTransport, template: { frame: Uint8Array; counterOffset: number }) {
    this.#socket = socket;
    this.#transport = transport;
    this.#frame = template.frame;
    this.#view = new DataView(template.frame.buffer, template.frame.byteOffset, template.frame.byteLength);
    this.#counterOffset = template.counterOffset;
    this.#stampOffset = template.frame.length - STAMP_FROM_END;
    socket.onMessage = (payload) => this.#onMessage(payload);
  }

  /** Connects, does the Noise handshake and binds to the member's room with a signed auth. */
  static async open(
    host: string, port: number, relayPublicKey: Uint8Array, member: SottoMember, sink: DeliverySink, localAddress?: string,
  ): Promise<SottoBenchConnection> {
    const identity = await identityFromSeed(fromHex(member.seed));
    const roomId = fromHex(member.roomId);
    const socket = await LeanWebSocket.open({ host, port, path: '/ws', ...(localAddress === undefined ? {} : { localAddress }) });
    const initiator = new NkInitiator(nodePrimitives, relayPublicKey, SOTTO_NOISE_PROLOGUE);
    const message2 = new Promise<Uint8Array>((resolve, reject) => {
      socket.onMessage = (payload) => resolve(new Uint8Array(payload));
      socket.onClose = () => reject(new Error('relay closed during the handshake'));
    });
    socket.send(initiator.writeMessage1(EMPTY));
    const { transport, handshakeHash } = initiator.readMessage2(await message2);
    const connection = new SottoBenchConnection(socket, transport, sendTemplate(roomId, identity.sign));
    const signature = await identity.key.sign(labeled('sigSession', handshakeHash, roomId, Uint8Array.of(AUTH_ROLE.member), identity.sign));
    const answer = await connection.#request({ type: 'auth', rid: ++connection.#rid, roomId, role: 'member', publicKey: identity.sign, signature });
    if (answer.type !== 'ok') throw new Error(`auth refused: ${answer.type === 'error' ? answer.text : answer.type}`);
    socket.onClose = () => undefined;
    connection.#sink = sink;
    return connection;
  }

  get closed(): boolean {
    return this.#socket.closed;
  }

  send(runId: number, sentAt: number): void {
    this.#view.setUint32(SEND_RID_OFFSET, ++this.#rid);
    this.#view.setUint32(this.#counterOffset, ++this.#counter);
    writeStamp(this.#frame, this.#stampOffset, runId, sentAt);
    this.#socket.send(this.#transport.seal([this.#frame]));
  }

  close(): void {
    this.#socket.close();
  }

  #request(frame: Parameters<typeof encodeClientFrame>[0]): Promise<RelayFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${frame.type}`)), SETUP_TIMEOUT_MS);
      this.#setupWaiter = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
      this.#socket.send(this.#transport.seal([encodeClientFrame(frame)]));
    });
  }

  #onMessage(payload: Uint8Array): void {
    for (const frame of this.#transport.open(payload)) {
      const type = frame[1];
      if (type === RELAY_FRAME.deliver) {
        if (this.#sink !== undefined) readStamp(frame, frame.length - STAMP_FROM_END, this.#sink);
      } else if (this.#setupWaiter !== undefined && (type === RELAY_FRAME.ok || type === RELAY_FRAME.error)) {
        const waiter = this.#setupWaiter;
        this.#setupWaiter = undefined;
        waiter(decodeRelayFrame(frame.slice()));
      } else if (type === RELAY_FRAME.error) this.errors++;
      // The `ok` answering each send needs nothing here: producing it is the relay's work, not ours.
    }
  }
}
