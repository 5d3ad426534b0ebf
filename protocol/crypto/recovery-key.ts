// The keystore's recovery key: 160 random bits a person writes down or downloads once, which
// opens the keystore when the passphrase is forgotten (protocol/crypto/key-wrap.ts). It stands
// alone: 2^160 guesses is out of reach without any key stretching, so it needs no Argon2id and
// no passphrase rule. Written in Crockford base32 (no I, L, O, U: nothing to confuse with 1 or 0)
// in groups of four, with a 20-bit check group so a typo is told apart from a wrong key.
import { SottoError } from '../errors.js';
import { utf8 } from '../bytes.js';
import { sha256 } from './hash.js';
import { randomBytes } from './random.js';
import { Secret } from './secret.js';

export const RECOVERY_KEY_BYTES = 20;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK_CHARS = 4;
const KEY_CHARS = (RECOVERY_KEY_BYTES * 8) / 5;
const CHECK_LABEL = utf8('sotto/keystore/recovery-key-check');

function toBase32(bytes: Uint8Array, chars: number): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const spare = bytes.length * 8 - chars * 5;
  value >>= BigInt(spare);
  let out = '';
  for (let i = chars - 1; i >= 0; i--) out += ALPHABET[Number((value >> BigInt(i * 5)) & 31n)]!;
  return out;
}

function checkChars(key: Uint8Array): string {
  return toBase32(sha256(CHECK_LABEL, key).subarray(0, 3), CHECK_CHARS);
}

/** A new recovery key: the bytes (for wrapping) and the text shown to the person once. */
export function newRecoveryKey(): { key: Secret; text: string } {
  const bytes = randomBytes(RECOVERY_KEY_BYTES);
  const text = formatRecoveryKey(bytes);
  const key = new Secret(bytes);
  bytes.fill(0);
  return { key, text };
}

export function formatRecoveryKey(key: Uint8Array): string {
  const all = toBase32(key, KEY_CHARS) + checkChars(key);
  return all.match(/.{4}/g)!.join('-');
}

/**
 * Reads a typed or pasted recovery key: case, spaces and dashes do not matter, and the letters
 * people confuse with digits (O, I, L) read as the digits. BAD_VALUE when it is not a well-formed
 * key or its check group does not match (a typo), so that is never reported as a wrong key.
 */
export function parseRecoveryKey(text: string): Secret {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== KEY_CHARS + CHECK_CHARS) throw new SottoError('BAD_VALUE', 'recovery key length');
  let value = 0n;
  for (const char of clean.slice(0, KEY_CHARS)) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new SottoError('BAD_VALUE', 'recovery key character');
    value = (value << 5n) | BigInt(digit);
  }
  const bytes = new Uint8Array(RECOVERY_KEY_BYTES);
  for (let i = RECOVERY_KEY_BYTES - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  if (checkChars(bytes) !== clean.slice(KEY_CHARS)) {
    bytes.fill(0);
    throw new SottoError('BAD_VALUE', 'recovery key check group');
  }
  const key = new Secret(bytes);
  bytes.fill(0);
  return key;
}
