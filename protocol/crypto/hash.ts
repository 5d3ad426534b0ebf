// Hashing and key derivation. Synchronous noble code on every platform: WebCrypto's versions are
// async and gain nothing at the sizes Sotto hashes, and one implementation means one behaviour.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
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

/**
 * HMAC-SHA256 of each of `data` under one key. The key's inner and outer pads are hashed once and
 * the keyed state cloned per message: a chain step (§9) takes two MACs under one key, and keying
 * once halves its cost.
 */
export function hmacSha256Each(key: Uint8Array, data: readonly Uint8Array[]): Uint8Array[] {
  const keyed = hmac.create(nobleSha256, key);
  return data.map((part, i) => (i === data.length - 1 ? keyed : keyed.clone()).update(part).digest());
}

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
    throw new SottoError('BAD_VALUE', 'HKDF output length');
  }
  return hkdf(nobleSha256, ikm, salt, info, length);
}
