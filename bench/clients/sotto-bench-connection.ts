// A generator connection to Sotto's relay: the real Noise NK handshake and transport (node:crypto
// primitives, as a fast native client would use) and a real signed `auth`, then a hot loop that
// sends `send` frames built from one template.
//
// The template is a well-formed message record (valid header, the room's current epoch, sender)
// whose ciphertext is random bytes carrying the send stamp and whose signature is random: the relay
// checks who may send, never what was sent (signatures are the recipients' to verify), so this is
// exactly the relay's work for a real message of this size. Only the rid, the counter (unique per
// sender, or the relay answers COUNTER_USED), the epoch and the stamp change per send.
//
// Rooms rotate as the default settings say (DEFAULT_SETTINGS.rotateEveryMessages, 100): the room's
// owner counts the room's messages (its own and every delivery) and, at 100 since its last rotation,
// sends a real rotation (signed, one sealed entry per member, naming the room's log) for the next
// epoch. Every other member learns the epoch from the rotation the relay pushes. A send the relay
// refused as STALE_EPOCH (it crossed the rotation) is sent again under the new epoch with the same
// counter and stamp, as a client re-seals what its outbox holds: its latency includes the detour.
//
// Like the real client's outbox (protocol/client/outbox.ts), a connection keeps one send
// unacknowledged at a time: sends that fall due meanwhile wait in its queue, stamped when they fell
// due, so the offered load stays open-loop and client-side queueing counts in their latency. With
// every send in flight at once instead, each rotation under overload refused a whole backlog, whose
// resends crossed the next rotation in turn: a storm no real client makes.
import { fromHex } from '../../protocol/bytes.js';
import { ERRORS } from '../../protocol/errors.js';
import { ZERO_HASH } from '../../protocol/membership/roster.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { labeled, signRecord } from '../../protocol/crypto/signing.js';
import type { SigningKey } from '../../protocol/crypto/suite.js';
import { NkInitiator, SOTTO_NOISE_PROLOGUE, type NoiseTransport } from '../../protocol/noise/index.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { AUTH_ROLE, decodeRelayFrame, encodeClientFrame, encodeRelayFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned } from '../../protocol/wire/message.js';
import { decodeRotation, encodeRotationUnsigned } from '../../protocol/wire/rotation.js';
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

/** What the room's owner needs to rotate: the log a rotation names and the members it seals to (hex). */
export interface SottoRotator {
  readonly logLength: number;
  readonly rosterHash: string;
  readonly members: readonly string[];
}

export interface SottoMember {
  readonly roomId: string;
  readonly seed: string;
  /** The room's epoch when the connection opens. */
  readonly epoch: number;
  /** Set on the one member per room that rotates it (the owner). */
  readonly rotator?: SottoRotator;
}

/** What a connection saw of rotations, for the report. */
export interface RotationCounts {
  /** Rotations this connection sent and the relay took. */
  rotations: number;
  /** Sends refused as STALE_EPOCH (they crossed a rotation) and sent again under the new epoch. */
  staleResends: number;
}

/** Where a pushed `rotation` frame keeps the rotation's epoch: found once by encoding one. */
const ROTATION_FRAME_EPOCH_OFFSET = ((): number => {
  const roomId = randomBytes(SIZE.roomId);
  const unsigned = encodeRotationUnsigned({
    roomId, epoch: 0x01020304, logLength: 1, rosterHash: ZERO_HASH, issuer: randomBytes(SIZE.publicKey), time: 0, entries: [],
  });
  const rotation = decodeRotation(new Uint8Array([...unsigned, ...randomBytes(SIZE.signature)]));
  const frame = encodeRelayFrame({ type: 'rotation', roomId, rotation });
  // version, type, roomId, record length (u32), then the record: version, type, roomId, epoch.
  const offset = 2 + SIZE.roomId + 4 + 2 + SIZE.roomId;
  if (new DataView(frame.buffer, frame.byteOffset).getUint32(offset) !== 0x01020304) throw new Error('rotation frame: epoch offset is wrong');
  return offset;
})();

const STALE_EPOCH_CODE = ERRORS.STALE_EPOCH.code;

/** Unacknowledged sends per connection: the real client's outbox sends one at a time. */
const SEND_WINDOW = 1;

interface InFlight {
  readonly counter: number;
  readonly epoch: number;
  readonly runId: number;
  readonly sentAt: number;
}

/** The send frame template and where its counter and epoch live. */
function sendTemplate(roomId: Uint8Array, sender: Uint8Array): { frame: Uint8Array; counterOffset: number; epochOffset: number } {
  const header = encodeMessageHeader({
    roomId, epoch: 0, sender, counter: 0, index: 0, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH, logLength: 1, logHash: ZERO_HASH, nonce: randomBytes(SIZE.nonce),
  });
  const record = new Uint8Array([...encodeMessageUnsigned(header, randomBytes(SOTTO_CIPHERTEXT_BYTES)), ...randomBytes(SIZE.signature)]);
  const frame = encodeClientFrame({ type: 'send', rid: 0, message: decodeMessage(record) });
  // The counter follows version, type, roomId, epoch and sender in the header.
  const counterOffset = SEND_RECORD_OFFSET + 2 + SIZE.roomId + 4 + SIZE.publicKey;
  const probe = frame.slice();
  new DataView(probe.buffer).setUint32(counterOffset, 0x01020304);
  // The epoch follows version, type and roomId.
  const epochOffset = SEND_RECORD_OFFSET + 2 + SIZE.roomId;
  new DataView(probe.buffer).setUint32(epochOffset, 0x05060708);
  const decoded = decodeMessage(probe.subarray(SEND_RECORD_OFFSET));
  if (decoded.counter !== 0x01020304 || decoded.epoch !== 0x05060708) throw new Error('send template: counter or epoch offset is wrong');
  return { frame, counterOffset, epochOffset };
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
  readonly counts: RotationCounts = { rotations: 0, staleResends: 0 };
  readonly #socket: LeanWebSocket;
  readonly #transport: NoiseTransport;
  readonly #frame: Uint8Array;
  readonly #view: DataView;
  readonly #counterOffset: number;
  readonly #epochOffset: number;
  readonly #stampOffset: number;
  readonly #roomId: Uint8Array;
  readonly #key: SigningKey;
  readonly #rotator: SottoRotator | undefined;
  #sink: DeliverySink | undefined;
  #rid = 0;
  #counter = 0;
  #epoch: number;
  /** The owner's count of the room's messages since its last rotation, and whether one is in flight. */
  #sinceRotation = 0;
  #rotating = false;
  /** Sends not yet answered, by rid: what a STALE_EPOCH refusal needs to send one again. */
  readonly #inFlight = new Map<number, InFlight>();
  /** Refused as stale before this connection heard of the newer epoch: sent once it does. */
  #parked: InFlight[] = [];
  /** Sends due but not yet sent: the window is full. */
  #queue: InFlight[] = [];
  #queueHead = 0;
  #setupWaiter: ((frame: RelayFrame) => void) | undefined;

  private constructor(
    socket: LeanWebSocket, transport: NoiseTransport, template: { frame: Uint8Array; counterOffset: number; epochOffset: number },
    roomId: Uint8Array, key: SigningKey, member: SottoMember,
  ) {
    this.#socket = socket;
    this.#transport = transport;
    this.#frame = template.frame;
    this.#view = new DataView(template.frame.buffer, template.frame.byteOffset, template.frame.byteLength);
    this.#counterOffset = template.counterOffset;
    this.#epochOffset = template.epochOffset;
    this.#stampOffset = template.frame.length - STAMP_FROM_END;
    this.#roomId = roomId;
    this.#key = key;
    this.#rotator = member.rotator;
    this.#epoch = member.epoch;
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
    const connection = new SottoBenchConnection(socket, transport, sendTemplate(roomId, identity.sign), roomId, identity.key, member);
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
    this.#queue.push({ counter: ++this.#counter, epoch: this.#epoch, runId, sentAt });
    this.#pump();
  }

  /** Sends from the queue while the window has room, each under the epoch current when it leaves. */
  #pump(): void {
    while (this.#inFlight.size + this.#parked.length < SEND_WINDOW && this.#queueHead < this.#queue.length) {
      const record = this.#queue[this.#queueHead++]!;
      this.#sendRecord({ ...record, epoch: this.#epoch });
      this.#counted(1);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    }
  }

  close(): void {
    this.#socket.close();
  }

  #sendRecord(record: InFlight): void {
    const rid = ++this.#rid;
    this.#view.setUint32(SEND_RID_OFFSET, rid);
    this.#view.setUint32(this.#counterOffset, record.counter);
    this.#view.setUint32(this.#epochOffset, record.epoch);
    writeStamp(this.#frame, this.#stampOffset, record.runId, record.sentAt);
    this.#inFlight.set(rid, record);
    this.#socket.send(this.#transport.seal([this.#frame]));
  }

  /** The owner rotates once the room holds rotateEveryMessages messages since its last rotation. */
  #counted(messages: number): void {
    if (this.#rotator === undefined) return;
    this.#sinceRotation += messages;
    if (this.#rotating || this.#sinceRotation < DEFAULT_SETTINGS.rotateEveryMessages) return;
    this.#rotating = true;
    this.#sinceRotation = 0;
    void this.#rotate(this.#rotator).catch(() => {
      this.errors++;
    });
  }

  async #rotate(rotator: SottoRotator): Promise<void> {
    const epoch = this.#epoch + 1;
    const unsigned = encodeRotationUnsigned({
      roomId: this.#roomId, epoch, logLength: rotator.logLength, rosterHash: fromHex(rotator.rosterHash), issuer: this.#key.publicKey, time: Date.now(),
      entries: rotator.members.map((member) => ({ member: fromHex(member), sealedKey: randomBytes(SIZE.sealedSecret) })),
    });
    const rotation = decodeRotation(await signRecord(this.#key, 'sigRotation', unsigned));
    // Requests are answered in order, so this session's later sends reach the relay after the
    // rotation: they go under the new epoch from now on.
    this.#socket.send(this.#transport.seal([encodeClientFrame({ type: 'rotate', rid: ++this.#rid, rotation })]));
    this.#epoch = epoch;
    this.#resendParked();
  }

  #newEpoch(epoch: number): void {
    if (epoch <= this.#epoch) return;
    this.#epoch = epoch;
    this.#resendParked();
  }

  #resendParked(): void {
    const parked = this.#parked;
    this.#parked = [];
    for (const record of parked) this.#sendRecord({ ...record, epoch: this.#epoch });
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
        this.#counted(1);
      } else if (this.#setupWaiter !== undefined && (type === RELAY_FRAME.ok || type === RELAY_FRAME.error)) {
        const waiter = this.#setupWaiter;
        this.#setupWaiter = undefined;
        waiter(decodeRelayFrame(frame.slice()));
      } else if (type === RELAY_FRAME.ok) {
        const rid = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(2);
        // Not a send's rid: the answer to this owner's rotation.
        if (!this.#inFlight.delete(rid) && this.#rotating) {
          this.#rotating = false;
          this.counts.rotations++;
        }
        this.#pump();
      } else if (type === RELAY_FRAME.rotation) {
        this.#newEpoch(new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(ROTATION_FRAME_EPOCH_OFFSET));
      } else if (type === RELAY_FRAME.error) this.#refused(decodeRelayFrame(frame.slice()));
    }
  }

  #refused(frame: RelayFrame): void {
    if (frame.type !== 'error') return;
    const record = this.#inFlight.get(frame.rid);
    this.#inFlight.delete(frame.rid);
    if (record === undefined || frame.code !== STALE_EPOCH_CODE) {
      // Not a send's rid: this owner's rotation was refused, which no honest run should see.
      if (record === undefined) this.#rotating = false;
      this.errors++;
      this.#pump();
      return;
    }
    this.counts.staleResends++;
    if (record.epoch < this.#epoch) this.#sendRecord({ ...record, epoch: this.#epoch });
    else this.#parked.push(record);
  }
}
