// Sotto's framing over Noise transport messages: one WebSocket message carries one or more frames.
//
//   plaintext stream = for each frame: u32 BE length || frame
//   WebSocket message = for each ≤65519-byte piece of the stream: u16 BE ciphertext length || ciphertext
//
// so a batch that fits one Noise message costs one AEAD call and one socket write, and a frame larger
// than a Noise message simply spans several. See docs/noise.md.
import { SottoError } from '../errors.js';
import { AEAD_TAG_BYTES } from './aead.js';
import { NOISE_MAX_MESSAGE_BYTES, type CipherState, type CipherStatePair } from './cipher-state.js';

export interface NoiseTransportOptions {
  /** Largest WebSocket message sealed or opened, length prefixes and tags included. */
  readonly maxMessageBytes: number;
  readonly maxFrameBytes: number;
  readonly maxFramesPerMessage: number;
}

export const DEFAULT_NOISE_TRANSPORT_OPTIONS: Readonly<NoiseTransportOptions> = Object.freeze({
  maxMessageBytes: 2 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxFramesPerMessage: 4096,
});

const EMPTY = new Uint8Array(0);
const CHUNK_HEADER_BYTES = 2;
const FRAME_HEADER_BYTES = 4;
const MAX_CHUNK_PLAINTEXT = NOISE_MAX_MESSAGE_BYTES - AEAD_TAG_BYTES;

function chunkLength(message: Uint8Array, offset: number): number {
  return (message[offset]! << 8) | message[offset + 1]!;
}

function limit(options: Partial<NoiseTransportOptions>, name: keyof NoiseTransportOptions): number {
  const value = options[name] ?? DEFAULT_NOISE_TRANSPORT_OPTIONS[name];
  if (!Number.isSafeInteger(value) || value < 1) throw new SottoError('BAD_VALUE', `${name} must be a positive integer`);
  return value;
}

export class NoiseTransport {
  readonly #send: CipherState;
  readonly #receive: CipherState;
  // Fields of their own rather than one options object: a relay holds a transport per idle connection.
  readonly #maxMessageBytes: number;
  readonly #maxFrameBytes: number;
  readonly #maxFramesPerMessage: number;
  #broken = false;

  constructor(cipherStates: CipherStatePair, options: Partial<NoiseTransportOptions> = {}) {
    this.#send = cipherStates.send;
    this.#receive = cipherStates.receive;
    this.#maxMessageBytes = limit(options, 'maxMessageBytes');
    this.#maxFrameBytes = limit(options, 'maxFrameBytes');
    this.#maxFramesPerMessage = limit(options, 'maxFramesPerMessage');
  }

  /**
   * Encrypts frames into one WebSocket message. Limits are checked before any nonce is used, so a
   * refused batch leaves the transport usable.
   */
  seal(frames: readonly Uint8Array[]): Uint8Array {
    if (frames.length === 0) throw new SottoError('BAD_VALUE', 'a message carries at least one frame');
    if (frames.length > this.#maxFramesPerMessage) throw new SottoError('BAD_VALUE', `more than ${this.#maxFramesPerMessage} frames`);
    let streamLength = 0;
    for (const frame of frames) {
      if (frame.length > this.#maxFrameBytes) throw new SottoError('FRAME_TOO_LARGE', `frame of ${frame.length} bytes`);
      streamLength += FRAME_HEADER_BYTES + frame.length;
    }
    const chunkCount = Math.ceil(streamLength / MAX_CHUNK_PLAINTEXT);
    const messageLength = streamLength + chunkCount * (CHUNK_HEADER_BYTES + AEAD_TAG_BYTES);
    if (messageLength > this.#maxMessageBytes) throw new SottoError('FRAME_TOO_LARGE', `message of ${messageLength} bytes`);

    const stream = new Uint8Array(streamLength);
    let offset = 0;
    for (const frame of frames) {
      const length = frame.length;
      stream[offset] = length >>> 24;
      stream[offset + 1] = length >>> 16;
      stream[offset + 2] = length >>> 8;
      stream[offset + 3] = length;
      stream.set(frame, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + length;
    }

    const message = new Uint8Array(messageLength);
    let out = 0;
    for (let start = 0; start < streamLength; start += MAX_CHUNK_PLAINTEXT) {
      const ciphertext = this.#send.encryptWithAd(EMPTY, stream.subarray(start, start + MAX_CHUNK_PLAINTEXT));
      message[out] = ciphertext.length >>> 8;
      message[out + 1] = ciphertext.length;
      message.set(ciphertext, out + CHUNK_HEADER_BYTES);
      out += CHUNK_HEADER_BYTES + ciphertext.length;
    }
    return message;
  }

  /**
   * Decrypts one WebSocket message into its frames (views into one buffer). Any failure is final:
   * the receive nonce may have moved part way, so later messages could not be trusted to line up.
   */
  open(message: Uint8Array): Uint8Array[] {
    if (this.#broken) throw new SottoError('DECRYPT_FAILED', 'transport failed earlier');
    try {
      return this.#parseFrames(this.#decrypt(message));
    } catch (error) {
      this.#broken = true;
      throw error;
    }
  }

  #decrypt(message: Uint8Array): Uint8Array {
    if (message.length > this.#maxMessageBytes) throw new SottoError('FRAME_TOO_LARGE', `message of ${message.length} bytes`);
    if (message.length === 0) throw new SottoError('TRUNCATED', 'empty message');
    // Walk every chunk header first: a malformed message costs no AEAD work.
    let chunkCount = 0;
    let plaintextLength = 0;
    for (let offset = 0; offset < message.length; chunkCount++) {
      if (message.length - offset < CHUNK_HEADER_BYTES) throw new SottoError('TRUNCATED', 'chunk length cut short');
      const length = chunkLength(message, offset);
      if (length < AEAD_TAG_BYTES) throw new SottoError('BAD_VALUE', 'chunk shorter than its tag');
      offset += CHUNK_HEADER_BYTES + length;
      if (offset > message.length) throw new SottoError('TRUNCATED', 'chunk runs past the end of the message');
      plaintextLength += length - AEAD_TAG_BYTES;
    }
    if (chunkCount === 1) return this.#receive.decryptWithAd(EMPTY, message.subarray(CHUNK_HEADER_BYTES));

    const stream = new Uint8Array(plaintextLength);
    let out = 0;
    for (let offset = 0; offset < message.length; ) {
      const end = offset + CHUNK_HEADER_BYTES + chunkLength(message, offset);
      const plaintext = this.#receive.decryptWithAd(EMPTY, message.subarray(offset + CHUNK_HEADER_BYTES, end));
      stream.set(plaintext, out);
      out += plaintext.length;
      offset = end;
    }
    return stream;
  }

  #parseFrames(stream: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (offset < stream.length) {
      if (frames.length === this.#maxFramesPerMessage) throw new SottoError('BAD_VALUE', `more than ${this.#maxFramesPerMessage} frames`);
      if (stream.length - offset < FRAME_HEADER_BYTES) throw new SottoError('TRUNCATED', 'frame length cut short');
      // Multiply rather than shift the top byte: << 24 would go negative for lengths ≥ 2^31.
      const length = stream[offset]! * 0x100_0000 + ((stream[offset + 1]! << 16) | (stream[offset + 2]! << 8) | stream[offset + 3]!);
      if (length > this.#maxFrameBytes) throw new SottoError('FRAME_TOO_LARGE', `frame of ${length} bytes`);
      offset += FRAME_HEADER_BYTES;
      if (length > stream.length - offset) throw new SottoError('TRUNCATED', 'frame runs past the end of the message');
      frames.push(stream.subarray(offset, offset + length));
      offset += length;
    }
    if (frames.length === 0) throw new SottoError('BAD_VALUE', 'message carries no frames');
    return frames;
  }
}
