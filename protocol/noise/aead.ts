// Raw ChaCha20-Poly1305 (RFC 8439, 12-byte nonce) and the Noise nonce layout on top of it. Each
// primitives implementation supplies a ChaChaPolyAead; the Noise-facing encrypt/decrypt are derived
// here once, so the nonce layout and counter limits cannot drift between implementations.
import { SottoError } from '../errors.js';
import type { NoisePrimitives } from './primitives.js';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

export interface ChaChaPolyAead {
  /** Returns ciphertext || tag. Throws BAD_VALUE on a wrong key or nonce size. */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or null when the tag does not verify. Throws BAD_VALUE on a wrong key or nonce size. */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

export function checkAeadSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES) throw new SottoError('BAD_VALUE', `AEAD key must be ${AEAD_KEY_BYTES} bytes`);
  if (nonce.length !== AEAD_NONCE_BYTES) throw new SottoError('BAD_VALUE', `AEAD nonce must be ${AEAD_NONCE_BYTES} bytes`);
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Noise's ChaChaPoly nonce: 4 zero bytes, then the counter as 64-bit little-endian. Counters are JS
 * numbers, so the usable range stops at 2^53 - 1, far short of Noise's reserved 2^64 - 1; reaching
 * it is NONCE_EXHAUSTED rather than silently losing precision and reusing a nonce.
 */
export function noiseNonce(counter: number): Uint8Array {
  if (!Number.isInteger(counter) || counter < 0) throw new SottoError('BAD_VALUE', 'nonce counter must be a non-negative integer');
  if (counter > Number.MAX_SAFE_INTEGER) throw new SottoError('NONCE_EXHAUSTED');
  const nonce = new Uint8Array(AEAD_NONCE_BYTES);
  const low = counter >>> 0;
  const high = Math.floor(counter / TWO_POW_32);
  nonce[4] = low;
  nonce[5] = low >>> 8;
  nonce[6] = low >>> 16;
  nonce[7] = low >>> 24;
  nonce[8] = high;
  nonce[9] = high >>> 8;
  nonce[10] = high >>> 16;
  nonce[11] = high >>> 24;
  return nonce;
}

export function noiseCipher(aead: ChaChaPolyAead): Pick<NoisePrimitives, 'encrypt' | 'decrypt'> {
  return {
    encrypt: (key, counter, ad, plaintext) => aead.seal(key, noiseNonce(counter), ad, plaintext),
    decrypt: (key, counter, ad, ciphertext) => aead.open(key, noiseNonce(counter), ad, ciphertext),
  };
}
