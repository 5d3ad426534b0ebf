// A client's snapshot kept in memory, for tests that read it back or count how often it is saved.
import type { ClientPersistence } from '../../protocol/client/persistence.js';

export class MemoryPersistence implements ClientPersistence {
  snapshot: Uint8Array | undefined;
  saves = 0;

  load(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.snapshot);
  }

  save(snapshot: Uint8Array): Promise<void> {
    this.snapshot = snapshot;
    this.saves++;
    return Promise.resolve();
  }
}
