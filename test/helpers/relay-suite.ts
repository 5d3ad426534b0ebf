// One relay process for a test file: started before its tests; after them, every client a test
// tracked is closed, the relay stopped and the suite's temp directories removed.
import type { Test } from 'uvu';
import { tempDir, type TestClient } from './clients.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';

export interface RelaySuite {
  /** The running relay, from the suite's `before` hook on. */
  readonly relay: RelayProcess;
  /** Closed after the suite's tests. */
  track<T extends TestClient>(client: T): T;
  /** A temp directory removed after the suite's tests. */
  tempDir(prefix: string): { readonly path: string };
}

export function relaySuite(test: Test): RelaySuite {
  let relay: RelayProcess | undefined;
  const open: TestClient[] = [];
  const dirs: { remove(): void }[] = [];
  test.before(async () => {
    relay = await startRelayProcess();
  });
  test.after(async () => {
    await Promise.all(open.map((c) => c.client.close()));
    await relay?.dispose();
    for (const dir of dirs) dir.remove();
  });
  return {
    get relay(): RelayProcess {
      if (relay === undefined) throw new Error('the relay starts in the suite\'s before hook');
      return relay;
    },
    track(client) {
      open.push(client);
      return client;
    },
    tempDir(prefix) {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
  };
}
