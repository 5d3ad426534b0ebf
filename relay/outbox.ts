// A session's outgoing frames for the current tick. Everything one recipient gets within a tick
// leaves as one sealed WebSocket message (one AEAD pass, one socket write) unless it would exceed
// the message limit, in which case it is cut into as few messages as fit.
import { AEAD_TAG_BYTES, NOISE_MAX_MESSAGE_BYTES } from '../protocol/noise/index.js';

const FRAME_HEADER_BYTES = 4;
const CHUNK_HEADER_BYTES = 2;
const CHUNK_PLAINTEXT_BYTES = NOISE_MAX_MESSAGE_BYTES - AEAD_TAG_BYTES;

/** Size of the WebSocket message NoiseTransport.seal makes from `streamBytes` of length-prefixed frames. */
function sealedBytes(streamBytes: number): number {
  return streamBytes + Math.ceil(streamBytes / CHUNK_PLAINTEXT_BYTES) * (CHUNK_HEADER_BYTES + AEAD_TAG_BYTES);
}

/** Largest frame that still fits one message of `maxMessageBytes` once framed and sealed. */
export function largestFrame(maxMessageBytes: number): number {
  let frame = maxMessageBytes - FRAME_HEADER_BYTES;
  while (frame > 0 && sealedBytes(frame + FRAME_HEADER_BYTES) > maxMessageBytes) frame -= CHUNK_HEADER_BYTES + AEAD_TAG_BYTES;
  return frame;
}

export class Outbox {
  readonly #maxMessageBytes: number;
  readonly #maxFramesPerMessage: number;
  #frames: Uint8Array[] = [];
  #bytes = 0;

  constructor(maxMessageBytes: number, maxFramesPerMessage: number) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#maxFramesPerMessage = maxFramesPerMessage;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get empty(): boolean {
    return this.#frames.length === 0;
  }

  push(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#bytes += frame.length;
  }

  /** Empties the outbox into batches, each one sealable as a single message. */
  take(): Uint8Array[][] {
    const batches: Uint8Array[][] = [];
    let batch: Uint8Array[] = [];
    let stream = 0;
    for (const frame of this.#frames) {
      const grown = stream + FRAME_HEADER_BYTES + frame.length;
      if (batch.length > 0 && (batch.length === this.#maxFramesPerMessage || sealedBytes(grown) > this.#maxMessageBytes)) {
        batches.push(batch);
        batch = [];
        stream = 0;
      }
      batch.push(frame);
      stream += FRAME_HEADER_BYTES + frame.length;
    }
    if (batch.length > 0) batches.push(batch);
    this.#frames = [];
    this.#bytes = 0;
    return batches;
  }
}
