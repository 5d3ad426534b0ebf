// Keystore format 2: the snapshot is sealed under a random 32-byte data key, and the data key is
// wrapped once per way in — the passphrase (Argon2id, protocol/crypto/passphrase.ts) and the
// recovery key (160 random bits, protocol/crypto/recovery-key.ts; HKDF is enough for those).
// Either one opens the keystore; changing the passphrase or replacing the recovery key rewraps
// 32 bytes and never re-encrypts the data. Format 1 (the passphrase-derived key sealing the
// snapshot directly) is still read by passphrase.ts and upgraded on unlock.
//
//   file   = keys || nonce(24) || XChaCha20-Poly1305(dataKey, nonce, snapshot, ad = MAGIC || 2 || nonce)
//   keys   = MAGIC "SOTTO-KS" || u8 2 || u8 count (1..MAX_SLOTS) || slot*
//   slot   = u8 kind || body || nonce(24) || XChaCha20-Poly1305(kek, nonce, dataKey, ad = MAGIC || 2 || kind || body)
//   kind 1 = passphrase: body = u8 kdf (1 = Argon2id) || u32 m || u32 t || u32 p || salt(16); kek = Argon2id
//   kind 2 = recovery:   body = salt(16); kek = HKDF-SHA256(recovery key, salt, RECOVERY_INFO)
//
// Each slot's own description is its associated data, so a slot edited to cheaper KDF parameters
// or another salt fails to unwrap instead of weakening the keystore. The data is bound to the
// format, not to the slots: slots are replaced without touching the data, and a slot from another
// keystore unwraps a different data key, which then fails to open the data.
import { SottoError } from '../errors.js';
import { concat, copyBytes, utf8 } from '../bytes.js';
import { Reader, Writer } from '../wire/codec.js';
import { xchachaOpen, xchachaSeal } from './aead.js';
import { hkdfSha256 } from './hash.js';
import {
  KEYSTORE_MAGIC, KEYSTORE_NONCE_BYTES, KEYSTORE_SALT_BYTES, readKdfParams, readKeystoreVersion, writeKdfParams,
  deriveKeystoreKey, type KdfParams, type KdfProgress, type KeystoreKey,
} from './passphrase.js';
import { randomBytes } from './random.js';
import { Secret } from './secret.js';

export const WRAPPED_VERSION = 2;
const DATA_KEY_BYTES = 32;
const WRAPPED_BYTES = DATA_KEY_BYTES + 16;
/** Room for a passphrase and a recovery key, and a little more; a file asking for more is forged. */
const MAX_SLOTS = 4;
const KIND_PASSPHRASE = 1;
const KIND_RECOVERY = 2;
const RECOVERY_INFO = utf8('sotto/keystore/recovery-wrap');

export type Slot =
  | { readonly kind: 'passphrase'; readonly params: KdfParams; readonly salt: Uint8Array; readonly nonce: Uint8Array; readonly wrapped: Uint8Array }
  | { readonly kind: 'recovery'; readonly salt: Uint8Array; readonly nonce: Uint8Array; readonly wrapped: Uint8Array };

/** The ways into one keystore: at most one slot of each kind. */
export interface KeySlots {
  readonly passphrase: Slot & { kind: 'passphrase' };
  readonly recovery: (Slot & { kind: 'recovery' }) | undefined;
}

export function newDataKey(): Secret {
  const bytes = randomBytes(DATA_KEY_BYTES);
  const key = new Secret(bytes);
  bytes.fill(0);
  return key;
}

function slotDescription(slot: Pick<Slot, 'kind' | 'salt'> & { params?: KdfParams }): Uint8Array {
  const w = new Writer(64).raw(KEYSTORE_MAGIC).u8(WRAPPED_VERSION);
  if (slot.kind === 'passphrase') return writeKdfParams(w.u8(KIND_PASSPHRASE), slot.params!).fixed(slot.salt, KEYSTORE_SALT_BYTES).finish();
  return w.u8(KIND_RECOVERY).fixed(slot.salt, KEYSTORE_SALT_BYTES).finish();
}

function wrap(kek: Uint8Array, description: Uint8Array, dataKey: Secret): { nonce: Uint8Array; wrapped: Uint8Array } {
  const nonce = randomBytes(KEYSTORE_NONCE_BYTES);
  return { nonce, wrapped: xchachaSeal(kek, nonce, dataKey.expose(), description) };
}

function unwrap(kek: Uint8Array, slot: Slot): Secret {
  let bytes: Uint8Array;
  try {
    bytes = xchachaOpen(kek, slot.nonce, slot.wrapped, slotDescription(slot));
  } catch {
    throw new SottoError('OPEN_FAILED', `wrong ${slot.kind === 'passphrase' ? 'passphrase' : 'recovery key'}`);
  }
  const key = new Secret(bytes);
  bytes.fill(0);
  return key;
}

/** The passphrase slot for a key already derived (a new one, or a format 1 file's on upgrade). */
export function passphraseSlot(kek: KeystoreKey, dataKey: Secret): Slot & { kind: 'passphrase' } {
  const description = { kind: 'passphrase' as const, params: kek.params, salt: kek.salt };
  return { ...description, ...wrap(kek.key.expose(), slotDescription(description), dataKey) };
}

function recoveryKek(recoveryKey: Secret, salt: Uint8Array): Uint8Array {
  return hkdfSha256(recoveryKey.expose(), salt, RECOVERY_INFO, DATA_KEY_BYTES);
}

export function recoverySlot(recoveryKey: Secret, dataKey: Secret): Slot & { kind: 'recovery' } {
  const salt = randomBytes(KEYSTORE_SALT_BYTES);
  const kek = recoveryKek(recoveryKey, salt);
  const slot = { kind: 'recovery' as const, salt, ...wrap(kek, slotDescription({ kind: 'recovery', salt }), dataKey) };
  kek.fill(0);
  return slot;
}

/** Derives the passphrase slot's key (Argon2id, seconds) and unwraps; OPEN_FAILED 'wrong passphrase'. */
export async function unwrapWithPassphrase(slots: KeySlots, passphrase: string, onProgress?: KdfProgress): Promise<Secret> {
  const slot = slots.passphrase;
  const kek = await deriveKeystoreKey(passphrase, slot.salt, slot.params, onProgress);
  try {
    return unwrap(kek.key.expose(), slot);
  } finally {
    kek.key.wipe();
  }
}

/** OPEN_FAILED 'wrong recovery key'; KEY_MISSING when this keystore has no recovery key. */
export function unwrapWithRecoveryKey(slots: KeySlots, recoveryKey: Secret): Secret {
  const slot = slots.recovery;
  if (slot === undefined) throw new SottoError('KEY_MISSING', 'this keystore has no recovery key');
  const kek = recoveryKek(recoveryKey, slot.salt);
  try {
    return unwrap(kek, slot);
  } finally {
    kek.fill(0);
  }
}

export function encodeSlots(slots: KeySlots): Uint8Array {
  const list: Slot[] = slots.recovery === undefined ? [slots.passphrase] : [slots.passphrase, slots.recovery];
  const w = new Writer(256).raw(KEYSTORE_MAGIC).u8(WRAPPED_VERSION).u8(list.length);
  for (const slot of list) {
    const description = slotDescription(slot);
    w.raw(description.subarray(KEYSTORE_MAGIC.length + 1)).fixed(slot.nonce, KEYSTORE_NONCE_BYTES).fixed(slot.wrapped, WRAPPED_BYTES);
  }
  return w.finish();
}

function readSlots(r: Reader): KeySlots {
  const version = readKeystoreVersion(r);
  if (version !== WRAPPED_VERSION) throw new SottoError('BAD_VERSION', `keystore version ${version}`);
  const count = r.u8('slot count');
  if (count < 1 || count > MAX_SLOTS) throw new SottoError('BAD_VALUE', 'keystore slot count');
  let passphrase: (Slot & { kind: 'passphrase' }) | undefined;
  let recovery: (Slot & { kind: 'recovery' }) | undefined;
  for (let i = 0; i < count; i++) {
    const kind = r.u8('slot kind');
    if (kind === KIND_PASSPHRASE && passphrase === undefined) {
      const params = readKdfParams(r);
      const salt = copyBytes(r.fixed(KEYSTORE_SALT_BYTES, 'salt'));
      passphrase = { kind: 'passphrase', params, salt, nonce: copyBytes(r.fixed(KEYSTORE_NONCE_BYTES, 'nonce')), wrapped: copyBytes(r.fixed(WRAPPED_BYTES, 'wrapped key')) };
    } else if (kind === KIND_RECOVERY && recovery === undefined) {
      const salt = copyBytes(r.fixed(KEYSTORE_SALT_BYTES, 'salt'));
      recovery = { kind: 'recovery', salt, nonce: copyBytes(r.fixed(KEYSTORE_NONCE_BYTES, 'nonce')), wrapped: copyBytes(r.fixed(WRAPPED_BYTES, 'wrapped key')) };
    } else {
      throw new SottoError('BAD_VALUE', 'keystore slot kind');
    }
  }
  if (passphrase === undefined) throw new SottoError('BAD_VALUE', 'keystore has no passphrase slot');
  return { passphrase, recovery };
}

function dataAd(nonce: Uint8Array): Uint8Array {
  return new Writer(40).raw(KEYSTORE_MAGIC).u8(WRAPPED_VERSION).fixed(nonce, KEYSTORE_NONCE_BYTES).finish();
}

/** The sealed data part alone: what a rewrap keeps byte for byte. */
export function sealData(dataKey: Secret, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(KEYSTORE_NONCE_BYTES);
  return concat(nonce, xchachaSeal(dataKey.expose(), nonce, plaintext, dataAd(nonce)));
}

export function sealWrapped(slots: KeySlots, dataKey: Secret, plaintext: Uint8Array): Uint8Array {
  return concat(encodeSlots(slots), sealData(dataKey, plaintext));
}

/** Splits a format 2 file into its slots and its sealed data (nonce || ciphertext). */
export function parseWrapped(file: Uint8Array): { slots: KeySlots; data: Uint8Array } {
  const r = new Reader(file);
  const slots = readSlots(r);
  const data = copyBytes(r.fixed(r.remaining, 'sealed data'));
  if (data.length < KEYSTORE_NONCE_BYTES + 16) throw new SottoError('TRUNCATED', 'keystore data');
  return { slots, data };
}

/** OPEN_FAILED when the data key does not open the data (it came from another keystore's slot). */
export function openData(dataKey: Secret, data: Uint8Array): Uint8Array {
  const nonce = data.subarray(0, KEYSTORE_NONCE_BYTES);
  try {
    return xchachaOpen(dataKey.expose(), nonce, data.subarray(KEYSTORE_NONCE_BYTES), dataAd(nonce));
  } catch {
    throw new SottoError('OPEN_FAILED', 'keystore data does not open under its key');
  }
}

/**
 * A history record of a format 2 keystore (web/worker/keystore-records.ts): the magic and version,
 * then the data sealed as the state's is, so every stored entry names its format.
 */
export function sealRecord(dataKey: Secret, plaintext: Uint8Array): Uint8Array {
  return concat(new Writer(10).raw(KEYSTORE_MAGIC).u8(WRAPPED_VERSION).finish(), sealData(dataKey, plaintext));
}

/** OPEN_FAILED when the record is not this format's or its key is another keystore's. */
export function openRecord(dataKey: Secret, record: Uint8Array): Uint8Array {
  const r = new Reader(record);
  if (readKeystoreVersion(r) !== WRAPPED_VERSION) throw new SottoError('OPEN_FAILED', 'keystore record of another format');
  return openData(dataKey, r.fixed(r.remaining, 'sealed record'));
}

/** The version byte after the magic: 1 (passphrase-sealed) or 2 (this format). */
export function keystoreFormat(file: Uint8Array): number {
  return readKeystoreVersion(new Reader(file));
}
