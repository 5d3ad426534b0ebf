// A relay primary and its workers (relay/workers/, ADR 0011) over in-memory links that clone and
// deliver later, as the cluster's IPC channel does: the store contract run on a worker's store
// through the primary, the bus contract on two workers' buses, and the per-address limits counted
// once for all workers and given back when a worker's link closes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SharedLimits } from '../../relay/backends.js';
import { AddressLockout, ConnectionCounter } from '../../relay/limits.js';
import { WindowCounter } from '../../relay/quota.js';
import type { Store } from '../../relay/store/store.js';
import { ThreadedStore } from '../../relay/store/threaded-store.js';
import type { Link, ToPrimary, ToWorker } from '../../relay/workers/messages.js';
import { PrimaryServices } from '../../relay/workers/primary-services.js';
import { workerBackends, type WorkerBackends } from '../../relay/workers/worker-backends.js';
import { busContract } from './bus-contract.js';
import { storeContract } from './store-contract.js';

/** Two ends of a channel: each message structured-cloned and delivered on a later turn, in order. */
function linkPair(): { worker: Link<ToPrimary, ToWorker>; primary: Link<ToWorker, ToPrimary>; close(): void } {
  const toPrimary: ((message: ToPrimary) => void)[] = [];
  const toWorker: ((message: ToWorker) => void)[] = [];
  const closed: (() => void)[] = [];
  let open = true;
  const deliver = <T>(listeners: ((message: T) => void)[], message: T): void => {
    if (!open) return;
    const copy = structuredClone(message);
    setImmediate(() => {
      if (open) for (const listener of listeners) listener(copy);
    });
  };
  return {
    worker: { send: (m) => deliver(toPrimary, m), onMessage: (l) => toWorker.push(l), onClose: (l) => closed.push(l) },
    primary: { send: (m) => deliver(toWorker, m), onMessage: (l) => toPrimary.push(l), onClose: (l) => closed.push(l) },
    close() {
      open = false;
      for (const listener of closed) listener();
    },
  };
}

function limits(maxConnectionsPerAddress: number): SharedLimits {
  return { addressLockout: new AddressLockout(2, 60_000), connections: new ConnectionCounter(maxConnectionsPerAddress), roomCreations: new WindowCounter(2, 60_000) };
}

/** A worker's backends on a primary serving `store`; `close` cuts the link as a dying worker would. */
function workerOn(services: PrimaryServices): WorkerBackends & { close(): void } {
  const pair = linkPair();
  services.serve(pair.primary, () => undefined);
  return { ...workerBackends(pair.worker), close: pair.close };
}

storeContract('SQLite through a relay worker\'s link to its primary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-worker-store-'));
  const primaries: Store[] = [];
  return {
    async open(maxHistoryPerRoom, maxRoomBytes) {
      const store = await ThreadedStore.open({ path: join(dir, 'relay.sqlite'), synchronous: 'FULL', maxHistoryPerRoom, ...(maxRoomBytes === undefined ? {} : { maxRoomBytes }) });
      primaries.push(store);
      return workerOn(new PrimaryServices({ store, ...limits(4) })).store;
    },
    async dispose() {
      for (const store of primaries) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}).run();

/** The bus needs no store; the store is never called. */
const NO_STORE = new Proxy({}, { get: () => assert.unreachable('the bus called the store') }) as Store;

busContract('relay workers through their primary', async () => {
  const services = new PrimaryServices({ store: NO_STORE, ...limits(4) });
  return [workerOn(services).bus, workerOn(services).bus];
}).run();

test('relay workers: one connection count per address across workers; a closed link gives its connections back', async () => {
  const services = new PrimaryServices({ store: NO_STORE, ...limits(3) });
  const a = workerOn(services);
  const b = workerOn(services);
  assert.equal(await Promise.all([a, b, a].map((w) => w.limits.connections.tryAcquire('192.0.2.1'))), [true, true, true]);
  assert.is(await b.limits.connections.tryAcquire('192.0.2.1'), false, 'a fourth connection, on another worker');
  assert.is(await b.limits.connections.tryAcquire('192.0.2.2'), true, 'another address has its own count');
  // a dies holding two: they no longer count, b's one still does.
  a.close();
  assert.equal(await Promise.all([b, b].map((w) => w.limits.connections.tryAcquire('192.0.2.1'))), [true, true]);
  assert.is(await b.limits.connections.tryAcquire('192.0.2.1'), false);
  // A dead worker asks nothing of the primary: it is refused, whatever the count.
  assert.is(await a.limits.connections.tryAcquire('192.0.2.9'), false);
  assert.is(await a.limits.addressLockout.isLocked('192.0.2.9', Date.now()), true);
});

test('relay workers: invite failures and room quotas count once across workers', async () => {
  const services = new PrimaryServices({ store: NO_STORE, ...limits(4) });
  const a = workerOn(services);
  const b = workerOn(services);
  const now = Date.now();
  a.limits.addressLockout.recordFailure('192.0.2.1', now);
  b.limits.addressLockout.recordFailure('192.0.2.1', now);
  assert.is(await a.limits.addressLockout.isLocked('192.0.2.1', now), true, 'two failures on two workers lock the address');
  assert.equal(await Promise.all([a, b, a].map((w) => w.limits.roomCreations.take('192.0.2.1', now))), [true, true, false]);
});

test.run();
