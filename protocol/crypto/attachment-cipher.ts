// The attachment chunk cipher (docs/protocol.md §9.2). Each attachment has its own random key, so
// nonces can be counters: chunk i is sealed under nonce u32 index ‖ u8 last ‖ zeros, with the
// attachment id in the associated data. A relay that reorders, repeats, drops the tail of or swaps
// in chunks of another attachment makes a chunk fail to open (V-170); the hash over every chunk's
// ciphertext, carried in the signed and encrypted message, pins the whole (V-139).
import { SottoError } from '../errors.js';
import { concat, constantTimeEqual, utf8 } from '../bytes.js';
import { LABEL } from '../labels.js';
import { SIZE } from '../wire/types.js';
import { ATTACHMENT_CHUNK, chunkCount } from '../wire/attachment-ref.js';
import { xchachaOpen, xchachaSeal } from './aead.js';

const NONCE_BYTES = 24;
const LABEL_BYTES = concat(utf8(LABEL.attachmentChunk), new Uint8Array([0]));

function nonceOf(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  new DataView(nonce.buffer).setUint32(0, index);
  nonce[4] = last ? 1 : 0;
  return nonce;
}

function aadOf(id: Uint8Array): Uint8Array {
  if (id.length !== SIZE.attachmentId) throw new SottoError('BAD_VALUE', 'attachment id length');
  return concat(LABEL_BYTES, id);
}

/** Chunk `index` of `plaintext` (the whole file), sealed: what one attachPut carries. */
export function sealChunk(key: Uint8Array, id: Uint8Array, plaintext: Uint8Array, index: number): Uint8Array {
  const count = chunkCount(plaintext.length);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new SottoError('BAD_VALUE', 'chunk index');
  const part = plaintext.subarray(index * ATTACHMENT_CHUNK, Math.min(plaintext.length, (index + 1) * ATTACHMENT_CHUNK));
  return xchachaSeal(key, nonceOf(index, index === count - 1), part, aadOf(id));
}

/**
 * Opens chunk `index` of an attachment of `size` plaintext bytes. ATTACHMENT_CORRUPT for a chunk
 * that does not open under its position, or whose length is not the one its position implies.
 */
export function openChunk(key: Uint8Array, id: Uint8Array, size: number, index: number, sealed: Uint8Array): Uint8Array {
  const count = chunkCount(size);
  if (index >= count) throw new SottoError('ATTACHMENT_CORRUPT', `chunk ${index} past the end`);
  const expected = Math.min(ATTACHMENT_CHUNK, size - index * ATTACHMENT_CHUNK);
  try {
    const plain = xchachaOpen(key, nonceOf(index, index === count - 1), sealed, aadOf(id));
    if (plain.length !== expected) throw new SottoError('ATTACHMENT_CORRUPT', `chunk ${index} has ${plain.length} bytes, not ${expected}`);
    return plain;
  } catch (error) {
    if (error instanceof SottoError && error.errorName === 'ATTACHMENT_CORRUPT') throw error;
    throw new SottoError('ATTACHMENT_CORRUPT', `chunk ${index} failed to open`);
  }
}

/** ATTACHMENT_CORRUPT unless the chunks' hash is the one the message carries. */
export function checkAttachmentHash(expected: Uint8Array, actual: Uint8Array): void {
  if (!constantTimeEqual(expected, actual)) throw new SottoError('ATTACHMENT_CORRUPT', 'hash differs from the message’s');
}
