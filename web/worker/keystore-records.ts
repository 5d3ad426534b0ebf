// The browser keystore's records (protocol/client/record-layout.ts) in the IndexedDB store of
// keystore.ts, one entry per record, each sealed under the keystore key: the state record under the
// entry a keystore has always had (`sealed`, what unlocking opens), history records under their own
// names. A save's puts and deletes run in one readwrite transaction, which IndexedDB commits whole
// or not at all. An export joins the records into one whole snapshot, the file format of before.
import { entries, promisifyRequest, type UseStore } from 'idb-keyval';
import type { ClientPersistence, RecordChange } from '../../protocol/client/persistence.js';
import { STATE_RECORD, wholeSnapshot } from '../../protocol/client/record-layout.js';
import { openSealed, sealKeystore, type KeystoreKey } from '../../protocol/crypto/passphrase.js';

/** The entry holding the state record: before the records layout, the whole sealed snapshot. */
export const STATE_ENTRY = 'sealed';

const entryOf = (name: string): string => (name === STATE_RECORD ? STATE_ENTRY : name);
const nameOf = (entry: string): string => (entry === STATE_ENTRY ? STATE_RECORD : entry);

function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error('keystore entry has an unexpected type');
}

/** The one entry that is no record: `true` while an imported keystore has not been opened (keystore.ts). */
export const IMPORTED_ENTRY = 'imported';

/** Every record, sealed, as read in one transaction. */
export async function readAllRecords(store: UseStore): Promise<Map<string, Uint8Array>> {
  const all = await entries<IDBValidKey, unknown>(store);
  return new Map(all.filter(([entry]) => entry !== IMPORTED_ENTRY).map(([entry, value]) => [nameOf(String(entry)), asBytes(value)]));
}

/** Writes `sealed` as the whole keystore, deleting every other record, in one transaction; `imported` notes an import. */
export function replaceAllRecords(store: UseStore, sealed: Uint8Array, imported = false): Promise<void> {
  return store('readwrite', (s) => {
    s.clear();
    s.put(sealed, STATE_ENTRY);
    if (imported) s.put(true, IMPORTED_ENTRY);
    return promisifyRequest(s.transaction);
  });
}

export class KeystoreRecords implements ClientPersistence {
  readonly #store: UseStore;
  readonly #key: KeystoreKey;
  /**
   * What the client's start loads, once: undefined for a fresh keystore; for an unlocked one, its
   * sealed entries as read (readAllRecords) while the key was being derived.
   */
  #stored: Promise<Map<string, Uint8Array>> | undefined;

  constructor(store: UseStore, key: KeystoreKey, stored: Promise<Map<string, Uint8Array>> | undefined) {
    this.#store = store;
    this.#key = key;
    this.#stored = stored;
  }

  async load(): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
    const stored = this.#stored;
    this.#stored = undefined;
    return stored === undefined ? undefined : this.#opened(await stored);
  }

  async save(change: RecordChange): Promise<void> {
    const put = [...change.put].map(([name, bytes]) => [entryOf(name), sealKeystore(this.#key, bytes)] as const);
    await this.#store('readwrite', (s) => {
      for (const [entry, bytes] of put) s.put(bytes, entry);
      for (const name of change.remove) s.delete(entryOf(name));
      return promisifyRequest(s.transaction);
    });
  }

  /** The keystore as one sealed whole snapshot: what an export file holds and an import reads. */
  async exportWhole(): Promise<Uint8Array> {
    return sealKeystore(this.#key, wholeSnapshot(this.#opened(await readAllRecords(this.#store))));
  }

  #opened(sealed: Map<string, Uint8Array>): Map<string, Uint8Array> {
    return new Map([...sealed].map(([name, bytes]) => [name, openSealed(this.#key, bytes)]));
  }
}
