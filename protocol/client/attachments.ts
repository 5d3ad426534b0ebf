// Attachments on the client (docs/protocol.md §9.2): a file is sealed chunk by chunk under a fresh
// key, uploaded a few chunks at a time, and its reference (id, key, hash, name, type) goes out as
// the content of an ordinary end-to-end encrypted message. A download fetches every chunk, checks
// the hash the message carries, then opens each chunk: nothing unverified reaches a caller (V-139).
import { SottoError } from '../errors.js';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { checkAttachmentHash, openChunk, sealChunk } from '../crypto/attachment-cipher.js';
import { ATTACHMENT_CHUNK, checkAttachmentMeta, chunkCount, type AttachmentRef } from '../wire/attachment-ref.js';
import { SIZE } from '../wire/types.js';
import type { RelayChannel } from './relay-channel.js';
import { expectOk } from './relay-channel.js';

export interface AttachmentFile {
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly mediaType: string;
}

/** Called as chunks complete: plaintext bytes done out of the total. */
export type TransferProgress = (done: number, total: number) => void;

export interface TransferOptions {
  readonly progress?: TransferProgress;
  /** Aborting stops at the next chunk with CLOSED ("cancelled"); chunks already sent stay until swept. */
  readonly signal?: AbortSignal;
  /** Chunk requests outstanding at once: enough to hide the round trip, few enough to stay under rate limits. */
  readonly inFlight?: number;
}

const DEFAULT_IN_FLIGHT = 4;

/** Runs `task(i)` for i in 0..count-1, at most `width` at a time; the first failure stops the rest. */
async function pipelined(count: number, width: number, signal: AbortSignal | undefined, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      if (signal?.aborted === true) throw new SottoError('CLOSED', 'cancelled');
      await task(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

function plainBytes(size: number, index: number): number {
  return Math.min(ATTACHMENT_CHUNK, size - index * ATTACHMENT_CHUNK);
}

/**
 * Seals and uploads `file` to the relay for room `roomId`; resolves with the reference its message
 * carries once the relay holds every chunk. ATTACHMENT_TOO_LARGE above `maxBytes` (the relay's limit).
 */
export async function uploadAttachment(
  channel: RelayChannel, roomId: Uint8Array, file: AttachmentFile, maxBytes: number, options: TransferOptions = {},
): Promise<AttachmentRef> {
  checkAttachmentMeta(file.name, file.mediaType);
  const size = file.bytes.length;
  if (size > maxBytes) throw new SottoError('ATTACHMENT_TOO_LARGE', `${size} bytes; this relay takes up to ${maxBytes}`);
  const id = randomBytes(SIZE.attachmentId);
  const key = randomBytes(SIZE.secret);
  const count = chunkCount(size);
  const sealed: Uint8Array[] = [];
  let done = 0;
  await pipelined(count, options.inFlight ?? DEFAULT_IN_FLIGHT, options.signal, async (index) => {
    const chunk = sealChunk(key, id, file.bytes, index);
    sealed[index] = chunk;
    expectOk(await channel.request((rid) => ({ type: 'attachPut', rid, roomId, attachmentId: id, index, last: index === count - 1, chunk })));
    done += plainBytes(size, index);
    options.progress?.(done, size);
  });
  return { id, key, hash: sha256(...sealed), size, name: file.name, mediaType: file.mediaType };
}

/**
 * Fetches, verifies and opens the attachment `ref` names. ATTACHMENT_CORRUPT when a chunk comes
 * back at the wrong place, the hash differs from the message's, or a chunk does not open.
 */
export async function downloadAttachment(channel: RelayChannel, roomId: Uint8Array, ref: AttachmentRef, options: TransferOptions = {}): Promise<Uint8Array> {
  const count = chunkCount(ref.size);
  const sealed: Uint8Array[] = [];
  let done = 0;
  await pipelined(count, options.inFlight ?? DEFAULT_IN_FLIGHT, options.signal, async (index) => {
    const answer = await channel.request((rid) => ({ type: 'attachGet', rid, roomId, attachmentId: ref.id, index }));
    if (answer.type !== 'attachChunk') throw new SottoError('UNEXPECTED_FRAME', `expected attachChunk, got ${answer.type}`);
    if (answer.index !== index || answer.last !== (index === count - 1)) throw new SottoError('ATTACHMENT_CORRUPT', `chunk ${index} came back out of place`);
    sealed[index] = answer.chunk;
    done += plainBytes(ref.size, index);
    options.progress?.(done, ref.size);
  });
  // The whole ciphertext against the signed message's hash first: a relay's substitute is never opened.
  checkAttachmentHash(ref.hash, sha256(...sealed));
  const out = new Uint8Array(ref.size);
  sealed.forEach((chunk, index) => out.set(openChunk(ref.key, ref.id, ref.size, index, chunk), index * ATTACHMENT_CHUNK));
  return out;
}
