// Human-comparable identifiers: a member's key fingerprint and an epoch's room code.
import { toHex } from '../bytes.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { labeledHash } from '../crypto/signing.js';
import { utf8 } from '../bytes.js';
import { LABEL } from '../labels.js';
import { Writer } from '../wire/codec.js';

/** First 10 bytes of H(fingerprint, signing key) as five groups of four hex digits. */
export function fingerprint(signPublicKey: Uint8Array): string {
  const hex = toHex(labeledHash('fingerprint', signPublicKey).subarray(0, 10));
  return hex.match(/.{4}/g)!.join(' ');
}

/**
 * What two members compare to verify each other in a room (Signal's safety number): both
 * fingerprints, ordered by signing key so each side reads the same ten groups.
 */
export function safetyNumber(a: Uint8Array, b: Uint8Array): string {
  const [first, second] = toHex(a) < toHex(b) ? [a, b] : [b, a];
  return `${fingerprint(first)} ${fingerprint(second)}`;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Bytes of the room code: 80 bits, so two members' differing views cannot share a code by chance. */
const ROOM_CODE_BYTES = 10;

/**
 * The epoch authenticator members compare out of band: 80 bits (16 base32 characters in four
 * groups) from the epoch key and the log head it was made for, so a relay that split members
 * across keys or logs shows them different codes.
 */
export function roomCode(epochKey: Uint8Array, rosterHash: Uint8Array, epoch: number): string {
  const info = new Writer(40).raw(utf8(LABEL.roomCode)).u8(0).u32(epoch).finish();
  const bits = hkdfSha256(epochKey, rosterHash, info, ROOM_CODE_BYTES);
  let value = 0n;
  for (const byte of bits) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = ROOM_CODE_BYTES * 8 / 5 - 1; i >= 0; i--) out += BASE32[Number((value >> BigInt(i * 5)) & 31n)]!;
  return out.match(/.{4}/g)!.join('-');
}
