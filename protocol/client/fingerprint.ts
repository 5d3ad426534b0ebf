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

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The epoch authenticator members compare out of band: 40 bits from the epoch key and the roster
 * it was made for, so a relay that split members across keys or rosters shows different codes.
 */
export function roomCode(epochKey: Uint8Array, rosterHash: Uint8Array, epoch: number): string {
  const info = new Writer(40).raw(utf8(LABEL.roomCode)).u8(0).u32(epoch).finish();
  const bits = hkdfSha256(epochKey, rosterHash, info, 5);
  let value = 0n;
  for (const byte of bits) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((value >> BigInt(i * 5)) & 31n)]!;
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
