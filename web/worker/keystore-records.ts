// The browser keystore's records (protocol/client/record-layout.ts) in the IndexedDB store of
// keystore.ts, one entry per record, each sealed under the keystore's data key (RecordSeal,
// keystore-wrap.ts): the state record under the entry a keystore has always had (`sealed`, what
// unlocking opens, with the wrapped keys in front), history records under their own names. A save's
// puts and deletes run in one readwrite transaction, which IndexedDB commits whole or not at all.
// An export joins the records into one whole snapshot, the file format of before.
import { entries, promisifyRequest, type UseStore } from 'idb-keyval';
import type { ClientPersistence, RecordChange } from '../../protocol/client/persistence.js';
import { STATE_RECORD, wholeSnapshot } from '../../protocol/client/record-layout.js';

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

/** How a record is sealed for its entry and opened from it (by record name). */
export interface RecordSeal {
  seal(name: string, plaintext: Uint8Array): Uint8Array;
  /** OPEN_FAILED for a record sealed under another keystore's key. */
  open(name: string, sealed: Uint8Array): Uint8Array;
  /** False once the keystore is locked: a save then would seal under a wiped key. */
  readonly usable: boolean;
}

export class KeystoreRecords implements ClientPersistence {
  readonly #store: UseStore;
  readonly #seal: RecordSeal;
  /**
   * What the client's start loads, once: undefined for a fresh keystore; for an unlocked one, its
   * sealed entries as read (readAllRecords) while the key was being derived.
   */
  #stored: Promise<Map<string, Uint8Array>> | undefined;

  constructor(store: UseStore, seal: RecordSeal, stored: Promise<Map<string, Uint8Array>> | undefined) {
    this.#store = store;
    this.#seal = seal;
    this.#stored = stored;
  }

  async load(): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
    const stored = this.#stored;
    this.#stored = undefined;
    return stored === undefined ? undefined : this.#opened(await stored);
  }

  async save(change: RecordChange): Promise<void> {
    if (!this.#seal.usable) throw new Error('the keystore is locked');
    const put = [...change.put].map(([name, bytes]) => [entryOf(name), this.#seal.seal(name, bytes)] as const);
    await this.#store('readwrite', (s) => {
      for (const [entry, bytes] of put) s.put(bytes, entry);
      for (const name of change.remove) s.delete(entryOf(name));
      return promisifyRequest(s.transaction);
    });
  }

  /** The keystore as one whole snapshot, in the clear: what an export file seals. */
  async whole(): Promise<Uint8Array> {
    return wholeSnapshot(this.#opened(await readAllRecords(this.#store)));
  }

  #opened(sealed: Map<string, Uint8Array>): Map<string, Uint8Array> {
    return new Map([...sealed].map(([name, bytes]) => [name, this.#seal.open(name, bytes)]));
  }
}
