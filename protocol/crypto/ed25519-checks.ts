// The strictness rules both suites apply to Ed25519. Implementations disagree at the edges: noble
// checks the cofactored equation and rejects small-order keys, while OpenSSL (Node's WebCrypto) and
// BoringSSL check the cofactorless one, compare R byte for byte, and accept small-order keys.
// Sotto's rule is OpenSSL's equation plus a strict key: A canonical, in the prime-order subgroup and
// not the identity, and S < L. The noble path computes that same cofactorless equation itself
// (`cofactorlessVerify`), so every backend gives the same verdict. A torsioned or non-canonical R
// never equals the canonical encoding of [S]B − [k]A, so R needs no check of its own.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, toHex } from '../bytes.js';

const POINT_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
const Point = ed25519.Point;
const ORDER = Point.Fn.ORDER;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** The point if the encoding is canonical (y < p, no "negative zero" x), torsion-free and not the identity. */
function decodeStrictKey(bytes: Uint8Array): EdwardsPoint | undefined {
  try {
    const point = Point.fromBytes(bytes, false);
    return point.isTorsionFree() && !point.is0() ? point : undefined;
  } catch {
    return undefined;
  }
}

// The key check costs a scalar multiplication; a room has few keys and many messages, so cache it.
const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, EdwardsPoint | null>();

export function strictPublicKey(publicKey: Uint8Array): EdwardsPoint | undefined {
  if (publicKey.length !== POINT_LENGTH) return undefined;
  const id = toHex(publicKey);
  let point = keyCache.get(id);
  if (point === undefined) {
    point = decodeStrictKey(publicKey) ?? null;
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(id, point);
  }
  return point ?? undefined;
}

/**
 * True when the key and signature are well formed under Sotto's rules: lengths, S < L, and a
 * strict key. Honest keys and signatures always pass.
 */
export function isStrictEd25519Input(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  if (littleEndianToBigInt(signature.subarray(POINT_LENGTH)) >= ORDER) return false;
  return strictPublicKey(publicKey) !== undefined;
}

/** RFC 8032 §5.1.7 without the cofactor: encode([S]B − [k]A) must equal R byte for byte. */
export function cofactorlessVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isStrictEd25519Input(publicKey, signature)) return false;
  const a = strictPublicKey(publicKey)!;
  const r = signature.subarray(0, POINT_LENGTH);
  const s = littleEndianToBigInt(signature.subarray(POINT_LENGTH));
  const k = littleEndianToBigInt(sha512.create().update(r).update(publicKey).update(message).digest()) % ORDER;
  const expected = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return bytesEqual(expected.toBytes(), r);
}
