// XChaCha20-Poly1305: the 24-byte nonce is large enough to pick at random per message.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { SottoError } from '../errors.js';

const KEY_LENGTH = 32;
const NONCE_LENGTH = 24;

function checkParameters(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_LENGTH) throw new SottoError('BAD_VALUE', 'XChaCha20-Poly1305 key length');
  if (nonce.length !== NONCE_LENGTH) throw new SottoError('BAD_VALUE', 'XChaCha20-Poly1305 nonce length');
}

/** Returns ciphertext || 16-byte tag. */
export function xchachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkParameters(key, nonce);
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

export function xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  checkParameters(key, nonce);
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
  } catch {
    // noble throws for a bad tag and for input shorter than a tag; callers need only "did not open".
    throw new SottoError('OPEN_FAILED');
  }
}
