// The browser keystore in IndexedDB: the state record under `sealed`, in keystore format 2
// (protocol/crypto/key-wrap.ts: the data key wrapped by the passphrase and by the recovery key, in
// front of the sealed state), beside it the history records (keystore-records.ts), each sealed
// under the same data key, and, while an imported file has not been opened yet, a flag that says
// so (nothing secret). A format 1 keystore (sealed under the passphrase, one whole snapshot) opens
// and is upgraded at its first unlock. Opening, creating and rewrapping are in keystore-wrap.ts.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { IMPORTED_ENTRY, replaceAllRecords, STATE_ENTRY } from './keystore-records.js';

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
export function db(): UseStore {
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

/** Writes the state entry alone (a format upgrade, a rewrap): the history records stay as they are. */
export async function writeSealed(bytes: Uint8Array): Promise<void> {
  await set(ENTRY, bytes, db());
}

/**
 * Replaces the stored keystore with a file already checked by checkKeystoreFile (keystore-wrap.ts):
 * a whole snapshot, written as the state entry with every other record deleted, migrated to records
 * at the next unlock. In the same transaction it notes the import: the next unlock opens it as
 * imported (importPending), so its rooms adopt what its keys sent since the export and replace their
 * keys (protocol/client/adopt.ts, key-update.ts).
 */
export async function replaceKeystore(sealed: Uint8Array): Promise<void> {
  await replaceAllRecords(db(), sealed, true);
}

/** Whether the stored keystore was imported and its client has not yet saved what that owes. */
export async function importPending(): Promise<boolean> {
  return (await get(IMPORTED_ENTRY, db())) === true;
}

/**
 * Clears the import note, once the client opened on the import has saved its rooms marked (owed key
 * updates, adopting): cleared before that, a stop in between would open the import as an ordinary
 * keystore and lose both.
 */
export async function clearImportPending(): Promise<void> {
  await del(IMPORTED_ENTRY, db());
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
