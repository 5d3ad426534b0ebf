// The browser keystore: one IndexedDB entry holding ONLY the sealed snapshot (format 2,
// protocol/crypto/key-wrap.ts: a data key wrapped by the passphrase and by the recovery key;
// format 1, passphrase.ts, until its first unlock). Opening, creating and rewrapping are in
// keystore-wrap.ts; the data key stays in the worker and every save re-seals with a fresh nonce.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';

export const DB_NAME = 'sotto';
export const STORE_NAME = 'keystore';
export const ENTRY = 'sealed';

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

export async function writeSealed(bytes: Uint8Array): Promise<void> {
  await set(ENTRY, bytes, db());
}

export async function deleteSealed(): Promise<void> {
  await del(ENTRY, db());
}

/** Replaces the stored keystore with a file already checked by checkKeystoreFile (keystore-wrap.ts). */
export async function replaceKeystore(sealed: Uint8Array): Promise<void> {
  await writeSealed(sealed);
}

/**
 * Forget this device: closes this worker's connection and deletes the whole database, so nothing
 * of the keystore is left (not even an empty store). Resolves once the browser deleted it.
 */
export async function forgetKeystore(): Promise<void> {
  if (store !== undefined) {
    const open = store;
    store = undefined;
    await open('readonly', (objects) => objects.transaction.db.close());
  }
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('could not delete the keystore'));
  });
}
