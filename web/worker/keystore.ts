// The browser keystore: one IndexedDB entry holding ONLY the sealed snapshot
// (protocol/crypto/passphrase.ts: Argon2id + XChaCha20-Poly1305). The key is derived once at
// unlock and kept in the worker; every save re-seals under it with a fresh nonce. Beside it, while
// an imported file has not been opened yet, a flag that says so (nothing secret): its first unlock
// makes the client replace its keys in every room (docs/protocol.md §8.5).
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { isSottoError } from '../../protocol/errors.js';
import {
  DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, sealKeystore, type KdfProgress, type KeystoreKey,
} from '../../protocol/crypto/passphrase.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';

export const DB_NAME = 'sotto';
export const STORE_NAME = 'keystore';
export const ENTRY = 'sealed';
/** Set by an import until the imported keystore is first opened. */
const IMPORTED = 'imported';

export class WrongPassphrase extends Error {
  constructor() {
    super('wrong passphrase');
    this.name = 'WrongPassphrase';
  }
}

let store: UseStore | undefined;
function db(): UseStore {
  store ??= createStore(DB_NAME, STORE_NAME);
  return store;
}

/**
 * Whether a keystore is stored, without creating the database when there is none: opening an
 * IndexedDB database creates it, and ephemeral mode must leave no trace at all.
 */
export async function keystoreExists(): Promise<boolean> {
  const factory = globalThis.indexedDB as IDBFactory & { databases?: () => Promise<IDBDatabaseInfo[]> };
  if (typeof factory.databases === 'function') {
    const databases = await factory.databases();
    if (!databases.some((info) => info.name === DB_NAME)) return false;
  }
  return (await readSealed()) !== undefined;
}

export async function readSealed(): Promise<Uint8Array | undefined> {
  const value: unknown = await get(ENTRY, db());
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error('keystore entry has an unexpected type');
}

async function writeSealed(bytes: Uint8Array): Promise<void> {
  await set(ENTRY, bytes, db());
}

export async function deleteSealed(): Promise<void> {
  await del(ENTRY, db());
}

/** Persistence for a keystore sealed under `key`; `initial` is the snapshot already opened. */
function sealedPersistence(key: KeystoreKey, initial: Uint8Array | undefined): ClientPersistence {
  let first: Uint8Array | undefined = initial;
  return {
    async load() {
      const out = first;
      first = undefined;
      return out;
    },
    async save(snapshot) {
      await writeSealed(sealKeystore(key, snapshot));
    },
  };
}

/** First visit: derive a key for a new salt. Nothing is written until the client's first save. */
export async function createKeystore(passphrase: string, onProgress?: KdfProgress): Promise<ClientPersistence> {
  const key = await newKeystoreKey(passphrase, DEFAULT_KDF_PARAMS, onProgress);
  return sealedPersistence(key, undefined);
}

/** Opens the stored keystore; a wrong passphrase throws WrongPassphrase and writes nothing. */
export async function unlockKeystore(passphrase: string, onProgress?: KdfProgress): Promise<ClientPersistence> {
  const sealed = await readSealed();
  if (sealed === undefined) throw new Error('no keystore');
  const { key, plaintext } = await openSealedFile(passphrase, sealed, onProgress);
  return sealedPersistence(key, plaintext);
}

export async function openSealedFile(passphrase: string, sealed: Uint8Array, onProgress?: KdfProgress): Promise<{ key: KeystoreKey; plaintext: Uint8Array }> {
  try {
    return await openKeystore(passphrase, sealed, onProgress);
  } catch (error) {
    if (isSottoError(error, 'OPEN_FAILED')) throw new WrongPassphrase();
    throw error;
  }
}

/** Checks that `passphrase` opens `sealed` (WrongPassphrase otherwise); writes nothing. */
export async function checkKeystoreFile(sealed: Uint8Array, passphrase: string, onProgress?: KdfProgress): Promise<void> {
  const { key, plaintext } = await openSealedFile(passphrase, sealed, onProgress);
  key.key.wipe();
  plaintext.fill(0);
}

/**
 * Replaces the stored keystore with a file already checked by checkKeystoreFile, and notes that it
 * was imported: the next unlock opens it as such (takeImported), so its rooms adopt what its keys
 * sent since the export (protocol/client/adopt.ts).
 */
export async function replaceKeystore(sealed: Uint8Array): Promise<void> {
  await set(IMPORTED, true, db());
  await writeSealed(sealed);
}

/** Whether the stored keystore was imported and not opened since; clears the note. */
export async function takeImported(): Promise<boolean> {
  const imported = (await get(IMPORTED, db())) === true;
  if (imported) await del(IMPORTED, db());
  return imported;
}
