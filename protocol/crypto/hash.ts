// Hashing and key derivation. Synchronous noble code on every platform: WebCrypto's versions are
// async and gain nothing at the sizes Sotto hashes, and one implementation means one behaviour.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { SottoError } from '../errors.js';

/** RFC 5869 caps the output at 255 blocks of the hash length. */
const HKDF_MAX_LENGTH = 255 * 32;

/** SHA-256 of the parts as if concatenated, without building the concatenation. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = nobleSha256.create();
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
    throw new SottoError('BAD_VALUE', 'HKDF output length');
  }
  return hkdf(nobleSha256, ikm, salt, info, length);
}
