// The handful of operations Noise_*_25519_ChaChaPoly_SHA256 needs, behind one interface so the relay
// can run on node:crypto and the browser on noble. Everything is synchronous: the relay seals and
// opens on its hot path, where a microtask per message would cost more than the crypto.
import { SottoError } from '../errors.js';

export interface NoiseKeyPair {
  readonly secretKey: Uint8Array; // 32 bytes, X25519 scalar
  readonly publicKey: Uint8Array; // 32 bytes
}

export interface NoisePrimitives {
  generateKeyPair(): NoiseKeyPair;
  /** X25519. Throws BAD_KEY when the result is all zero (a small-order peer key) or a key is not 32 bytes. */
  dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 with the Noise nonce (see noiseNonce); returns ciphertext || 16-byte tag. */
  encrypt(key: Uint8Array, counter: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The inverse of encrypt; null when the tag does not verify. */
  decrypt(key: Uint8Array, counter: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /** SHA-256. */
  hash(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

export const DH_BYTES = 32;
export const HASH_BYTES = 32;

/**
 * Holds an X25519 implementation to the dh contract: both keys 32 bytes, and any library failure or
 * an all-zero result (the peer sent a small-order point, so the output is not contributory) is BAD_KEY.
 */
export function checkedDh(
  x25519: (secretKey: Uint8Array, publicKey: Uint8Array) => Uint8Array,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
): Uint8Array {
  if (secretKey.length !== DH_BYTES || publicKey.length !== DH_BYTES) throw new SottoError('BAD_KEY', 'X25519 keys are 32 bytes');
  let shared: Uint8Array;
  try {
    shared = x25519(secretKey, publicKey);
  } catch {
    throw new SottoError('BAD_KEY', 'X25519 rejected the key');
  }
  let bits = 0;
  for (let i = 0; i < shared.length; i++) bits |= shared[i]!;
  if (bits === 0) throw new SottoError('BAD_KEY', 'X25519 result is all zero');
  return shared;
}
