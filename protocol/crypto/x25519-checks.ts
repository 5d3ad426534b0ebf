// The X25519 rules both suites share. RFC 7748 processing is otherwise left to each backend: both
// mask the top bit and reduce non-canonical u mod p, and both accept twist points.
import { SottoError } from '../errors.js';

const KEY_LENGTH = 32;

export function checkX25519PublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== KEY_LENGTH) throw new SottoError('BAD_KEY', 'X25519 public key length');
}

/**
 * An all-zero result means the peer sent a small-order point, which would make the "shared"
 * secret public (RFC 7748 §6.1). Checked without branching on the secret's bytes.
 */
export function checkSharedSecret(shared: Uint8Array): Uint8Array {
  let bits = 0;
  for (let i = 0; i < shared.length; i++) bits |= shared[i]!;
  if (bits === 0) throw new SottoError('BAD_KEY', 'X25519 result is all zero');
  return shared;
}
