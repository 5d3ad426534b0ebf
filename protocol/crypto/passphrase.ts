// The keystore cipher (Node snapshot file now, browser keystore later): a key from the passphrase
// by Argon2id, the snapshot under XChaCha20-Poly1305. The whole header (magic, version, KDF
// parameters, salt, nonce) is the AEAD's associated data, so a header edited to cheaper
// parameters or another salt fails to open instead of silently weakening the file.
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { SottoError } from '../errors.js';
import { concat, copyBytes, utf8 } from '../bytes.js';
import { Reader, Writer } from '../wire/codec.js';
import { xchachaOpen, xchachaSeal } from './aead.js';
import { randomBytes } from './random.js';
import { Secret } from './secret.js';

export interface KdfParams {
  /** Memory in KiB. */
  readonly m: number;
  /** Passes. */
  readonly t: number;
  /** Lanes. */
  readonly p: number;
}

/** 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended option, scaled to a browser tab. */
export const DEFAULT_KDF_PARAMS: KdfParams = { m: 64 * 1024, t: 3, p: 1 };

const MAGIC = utf8('SOTTO-KS');
const VERSION = 1;
const KDF_ARGON2ID = 1;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;
/** What a file may ask of the opener: a forged header must not make opening cost gigabytes. */
const MAX_PARAMS: KdfParams = { m: 1024 * 1024, t: 64, p: 16 };

/** A derived key together with what produced it, so every save reuses one derivation. */
export interface KeystoreKey {
  readonly params: KdfParams;
  readonly salt: Uint8Array;
  readonly key: Secret;
}

export type KdfProgress = (fraction: number) => void;

function checkParams(params: KdfParams): void {
  const ok = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;
  if (!ok(params.t, 1, MAX_PARAMS.t) || !ok(params.p, 1, MAX_PARAMS.p) || !ok(params.m, 8 * params.p, MAX_PARAMS.m)) {
    throw new SottoError('BAD_VALUE', 'keystore KDF parameters out of range');
  }
}

async function derive(passphrase: string, salt: Uint8Array, params: KdfParams, onProgress?: KdfProgress): Promise<Secret> {
  checkParams(params);
  const bytes = await argon2idAsync(utf8(passphrase), salt, {
    m: params.m, t: params.t, p: params.p, dkLen: KEY_BYTES, ...(onProgress === undefined ? {} : { onProgress }),
  });
  const key = new Secret(bytes);
  bytes.fill(0);
  return key;
}

/** The key for a stored salt and parameters (checked first: a file must not make this cost gigabytes). */
export async function deriveKeystoreKey(passphrase: string, salt: Uint8Array, params: KdfParams, onProgress?: KdfProgress): Promise<KeystoreKey> {
  return { params, salt, key: await derive(passphrase, salt, params, onProgress) };
}

/** A fresh salt and the key for it: for a keystore that does not exist yet. */
export function newKeystoreKey(passphrase: string, params: KdfParams = DEFAULT_KDF_PARAMS, onProgress?: KdfProgress): Promise<KeystoreKey> {
  return deriveKeystoreKey(passphrase, randomBytes(SALT_BYTES), params, onProgress);
}

export const KEYSTORE_MAGIC = MAGIC;
export const KEYSTORE_SALT_BYTES = SALT_BYTES;
export const KEYSTORE_NONCE_BYTES = NONCE_BYTES;

/** Reads the magic and returns the format version that follows it (1: this file's format). */
export function readKeystoreVersion(r: Reader): number {
  const magic = r.fixed(MAGIC.length, 'magic');
  if (!magic.every((byte, i) => byte === MAGIC[i])) throw new SottoError('BAD_VALUE', 'not a Sotto keystore');
  return r.u8('version');
}

/** Writes the Argon2id parameters as a keystore header holds them. */
export function writeKdfParams(w: Writer, params: KdfParams): Writer {
  return w.u8(KDF_ARGON2ID).u32(params.m).u32(params.t).u32(params.p);
}

/** Reads what writeKdfParams wrote, refusing unknown KDFs and out-of-range parameters. */
export function readKdfParams(r: Reader): KdfParams {
  if (r.u8('kdf') !== KDF_ARGON2ID) throw new SottoError('BAD_VALUE', 'unknown keystore KDF');
  const params: KdfParams = { m: r.u32('m'), t: r.u32('t'), p: r.u32('p') };
  checkParams(params);
  return params;
}

function encodeHeader(params: KdfParams, salt: Uint8Array, nonce: Uint8Array): Uint8Array {
  return writeKdfParams(new Writer(80).raw(MAGIC).u8(VERSION), params)
    .fixed(salt, SALT_BYTES).fixed(nonce, NONCE_BYTES).finish();
}

interface ParsedKeystore {
  readonly params: KdfParams;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function parse(file: Uint8Array): ParsedKeystore {
  const r = new Reader(file);
  const version = readKeystoreVersion(r);
  if (version !== VERSION) throw new SottoError('BAD_VERSION', `keystore version ${version}`);
  const params = readKdfParams(r);
  const salt = copyBytes(r.fixed(SALT_BYTES, 'salt'));
  const nonce = copyBytes(r.fixed(NONCE_BYTES, 'nonce'));
  const header = copyBytes(r.span(0));
  return { params, salt, nonce, header, ciphertext: r.fixed(r.remaining, 'ciphertext') };
}

export function sealKeystore(key: KeystoreKey, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const header = encodeHeader(key.params, key.salt, nonce);
  return concat(header, xchachaSeal(key.key.expose(), nonce, plaintext, header));
}

/** Derives the key from the file's own parameters and opens it; OPEN_FAILED 'wrong passphrase'. */
export async function openKeystore(
  passphrase: string,
  file: Uint8Array,
  onProgress?: KdfProgress,
): Promise<{ key: KeystoreKey; plaintext: Uint8Array }> {
  const parsed = parse(file);
  const key = await derive(passphrase, parsed.salt, parsed.params, onProgress);
  let plaintext: Uint8Array;
  try {
    plaintext = xchachaOpen(key.expose(), parsed.nonce, parsed.ciphertext, parsed.header);
  } catch {
    key.wipe();
    // A wrong passphrase and a corrupted file look the same to an AEAD; the first is far likelier.
    throw new SottoError('OPEN_FAILED', 'wrong passphrase');
  }
  return { key: { params: parsed.params, salt: parsed.salt, key }, plaintext };
}

/**
 * Opens a record sealed by sealKeystore under `key`, without deriving again: a keystore's other
 * records (record-layout.ts) are sealed under the key its state record opened with. A record under
 * another salt or other parameters, or one that fails to open, is OPEN_FAILED.
 */
export function openSealed(key: KeystoreKey, file: Uint8Array): Uint8Array {
  const parsed = parse(file);
  const same = parsed.params.m === key.params.m && parsed.params.t === key.params.t && parsed.params.p === key.params.p
    && parsed.salt.every((byte, i) => byte === key.salt[i]);
  try {
    if (!same) throw new Error('another keystore');
    return xchachaOpen(key.key.expose(), parsed.nonce, parsed.ciphertext, parsed.header);
  } catch {
    throw new SottoError('OPEN_FAILED', 'a keystore record does not open under this keystore key');
  }
}
