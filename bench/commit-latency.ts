// What pushing on the commit (docs/protocol.md §9) takes out of a delivery's path, measured on the
// store alone so that CPU contention from the generators and other tenants moves it as little as
// possible: the relay's threaded SQLite store at synchronous=FULL in a fresh data directory on the
// bench's file system, `rounds` × `appends` sends in groups of `batch` (one group commit each, the
// next group asked once the previous is acknowledged), each timed from the call to the store's early
// notice (when the relay now pushes) and to its answer (when it acknowledges, and when it used to
// push). The gap is the WAL's fdatasync.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../protocol/crypto/random.js';
import { DEFAULT_SETTINGS } from '../protocol/wire/membership.js';
import { ThreadedStore } from '../relay/store/threaded-store.js';
import type { NewMessage } from '../relay/store/store.js';
import { nowMs } from './clock.js';
import { spread, type Spread } from './stats.js';

export interface CommitLatency {
  readonly appends: number;
  readonly batch: number;
  /** Call → early notice (push), and call → answer (ack), ms; spreads of each round's p50 and p99. */
  readonly pushP50Ms: Spread;
  readonly pushP99Ms: Spread;
  readonly ackP50Ms: Spread;
  readonly ackP99Ms: Spread;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function runCommitLatency(rounds: number, appends: number, batch: number): Promise<CommitLatency> {
  const p50 = { push: [] as number[], ack: [] as number[] };
  const p99 = { push: [] as number[], ack: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-bench-commit-'));
    const store = await ThreadedStore.open({ path: join(dir, 'relay.sqlite'), synchronous: 'FULL', maxHistoryPerRoom: 100_000 });
    try {
      const roomId = randomBytes(16);
      await store.createRoom({ roomId, owner: randomBytes(32), ownerEnc: randomBytes(32), settings: DEFAULT_SETTINGS, genesis: randomBytes(200), headHash: randomBytes(32), now: Date.now() });
      const push: number[] = [];
      const ack: number[] = [];
      let counter = 0;
      for (let sent = 0; sent < appends; sent += batch) {
        await Promise.all(Array.from({ length: batch }, () => {
          const message: NewMessage = { roomId, epoch: 0, sender: randomBytes(32), counter: ++counter, bytes: randomBytes(500), now: Date.now() };
          const started = nowMs();
          return store.appendMessages([message], () => push.push(nowMs() - started)).then(() => ack.push(nowMs() - started));
        }));
      }
      push.sort((a, b) => a - b);
      ack.sort((a, b) => a - b);
      p50.push.push(quantile(push, 0.5));
      p99.push.push(quantile(push, 0.99));
      p50.ack.push(quantile(ack, 0.5));
      p99.ack.push(quantile(ack, 0.99));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { appends, batch, pushP50Ms: spread(p50.push), pushP99Ms: spread(p99.push), ackP50Ms: spread(p50.ack), ackP99Ms: spread(p99.ack) };
}
