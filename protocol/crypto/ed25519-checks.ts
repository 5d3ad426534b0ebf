// The strictness rules both suites apply before verifying an Ed25519 signature. Implementations
// disagree at the edges: noble checks the cofactored equation and rejects small-order keys, while
// OpenSSL (Node's WebCrypto) and BoringSSL check the cofactorless one and accept them. Requiring A
// and R to be canonical encodings of points in the prime-order subgroup, and S < L, leaves no input
// on which the two equations differ, so every backend gives the same verdict.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';

const POINT_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
const Point = ed25519.Point;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** The point if the encoding is canonical (y < p, no "negative zero" x) and torsion-free. */
function decodePrimeOrderPoint(bytes: Uint8Array): EdwardsPoint | undefined {
  try {
    const point = Point.fromBytes(bytes, false);
    return point.isTorsionFree() ? point : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the key and signature are well formed under Sotto's rules: lengths, S < L, A and R
 * canonical and in the prime-order subgroup, and A not the identity (which would accept
 * (R = identity, S = 0) for every message). Stricter than RFC 8032 on small-order and mixed-order
 * points; honest keys and signatures always pass.
 */
export function isStrictEd25519Input(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== POINT_LENGTH || signature.length !== SIGNATURE_LENGTH) return false;
  if (littleEndianToBigInt(signature.subarray(POINT_LENGTH)) >= Point.Fn.ORDER) return false;
  const a = decodePrimeOrderPoint(publicKey);
  const r = decodePrimeOrderPoint(signature.subarray(0, POINT_LENGTH));
  return a !== undefined && r !== undefined && !a.is0();
}
