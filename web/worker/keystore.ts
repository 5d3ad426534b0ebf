// The browser keystore: IndexedDB entries holding ONLY sealed records (keystore-records.ts;
// protocol/crypto/passphrase.ts: Argon2id + XChaCha20-Poly1305). The key is derived once at unlock
// from the state record and kept in the worker; every save seals what it writes with a fresh nonce.
// Beside them, while an imported file has not been opened yet, a flag that says so (nothing secret).
import { clear, createStore, del, get, type UseStore } from 'idb-keyval';
import { isSottoError } from '../../protocol/errors.js';
import {
  DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, type KdfProgress, type KeystoreKey,
} from '../../protocol/crypto/passphrase.js';
import { IMPORTED_ENTRY, KeystoreRecords, readAllRecords, replaceAllRecords, STATE_ENTRY } from './keystore-records.js';

export const DB_NAME = 'sotto';
export const STORE_NAME = 'keystore';
export const ENTRY = STATE_ENTRY;

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

/** Deletes the whole keystore: the state record and every history record sealed under its key. */
export async function deleteSealed(): Promise<void> {
  await clear(db());
}

/** First visit: derive a key for a new salt. Nothing is written until the client's first save. */
export async function createKeystore(passphrase: string, onProgress?: KdfProgress): Promise<KeystoreRecords> {
  const key = await newKeystoreKey(passphrase, DEFAULT_KDF_PARAMS, onProgress);
  return new KeystoreRecords(db(), key, undefined);
}

/** Opens the stored keystore; a wrong passphrase throws WrongPassphrase and writes nothing. */
export async function unlockKeystore(passphrase: string, onProgress?: KdfProgress): Promise<KeystoreRecords> {
  const sealed = await readSealed();
  if (sealed === undefined) throw new Error('no keystore');
  // Every record is read (one transaction, the state record again with them) while Argon2id runs:
  // with 10,000 messages that read is a sixth of a second the unlock no longer waits for.
  const records = readAllRecords(db());
  records.catch(() => undefined); // awaited by the client's load; a wrong passphrase never gets there
  const { key, plaintext } = await openSealedFile(passphrase, sealed, onProgress);
  plaintext.fill(0);
  return new KeystoreRecords(db(), key, records);
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
 * Replaces the stored keystore with a file already checked by checkKeystoreFile: a whole snapshot,
 * written as the state record with every other record deleted, migrated at the next unlock. In the
 * same transaction it notes the import: the next unlock opens it as imported (takeImported), so its
 * rooms adopt what its keys sent since the export and replace their keys (protocol/client/adopt.ts,
 * key-update.ts).
 */
export async function replaceKeystore(sealed: Uint8Array): Promise<void> {
  await replaceAllRecords(db(), sealed, true);
}

/** Whether the stored keystore was imported and not opened since; clears the note. */
export async function takeImported(): Promise<boolean> {
  const imported = (await get(IMPORTED_ENTRY, db())) === true;
  if (imported) await del(IMPORTED_ENTRY, db());
  return imported;
}
