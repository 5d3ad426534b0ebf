// A client's keystore records kept in memory, for tests that read them back or count how often
// they are saved. `snapshot` joins them into one whole snapshot, as an export does.
import type { ClientPersistence, RecordChange } from '../../protocol/client/persistence.js';
import { STATE_RECORD, wholeSnapshot } from '../../protocol/client/record-layout.js';

export class MemoryPersistence implements ClientPersistence {
  readonly records = new Map<string, Uint8Array>();
  saves = 0;
  /** Every save's change, in order. */
  readonly changes: RecordChange[] = [];

  load(): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
    return Promise.resolve(this.records.size === 0 ? undefined : new Map(this.records));
  }

  save(change: RecordChange): Promise<void> {
    for (const [name, bytes] of change.put) this.records.set(name, bytes);
    for (const name of change.remove) this.records.delete(name);
    this.changes.push(change);
    this.saves++;
    return Promise.resolve();
  }

  /** Starts from `snapshot`, a whole one (an export, a thief's copy): the client migrates it as it would a file's. */
  static holding(snapshot: Uint8Array | undefined): MemoryPersistence {
    const persistence = new MemoryPersistence();
    if (snapshot !== undefined) persistence.records.set(STATE_RECORD, snapshot);
    return persistence;
  }

  /** The stored state as one whole snapshot; undefined before the first save. */
  get snapshot(): Uint8Array | undefined {
    return this.records.size === 0 ? undefined : wholeSnapshot(this.records);
  }
}
