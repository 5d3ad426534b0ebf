// Where the relay keeps things, by configuration: one process on SQLite in its data dir (on a thread
// of its own) with an in-process bus, or one of several on PostgreSQL (--store-url) and Redis
// (--bus-url), where everything durable is in PostgreSQL and Redis carries only fan-out and lockout
// counters.
import { join } from 'node:path';
import type { Bus } from './bus/bus.js';
import { LocalBus } from './bus/local-bus.js';
import { RedisAddressLockout } from './bus/redis-address-lockout.js';
import { RedisBus } from './bus/redis-bus.js';
import type { RelayConfig } from './config.js';
import type { AddressFailures } from './context.js';
import { DATABASE_FILE } from './data-dir.js';
import { AddressLockout } from './limits.js';
import type { Logger } from './log.js';
import { PostgresStore } from './store/postgres-store.js';
import { ThreadedStore } from './store/threaded-store.js';
import type { Store } from './store/store.js';

export interface Backends {
  readonly store: Store;
  readonly bus: Bus;
  readonly addressLockout: AddressFailures;
  /** Closes what was opened here, not what was passed in. */
  close(): Promise<void>;
}

export async function openBackends(config: RelayConfig, given: { readonly store?: Store; readonly bus?: Bus }, log: Logger): Promise<Backends> {
  const store = given.store ?? (config.storeUrl === undefined
    ? await ThreadedStore.open({ path: join(config.dataDir, DATABASE_FILE), synchronous: config.sqliteSynchronous, maxHistoryPerRoom: config.maxHistoryPerRoom })
    : await PostgresStore.open({
      url: config.storeUrl, maxHistoryPerRoom: config.maxHistoryPerRoom, poolSize: config.storePoolSize,
      onConnectionError: (error) => log.warn('postgres connection lost', { error: error.name }),
    }));
  const redisBus = given.bus === undefined && config.busUrl !== undefined ? new RedisBus({ url: config.busUrl, log }) : undefined;
  const bus = given.bus ?? redisBus ?? new LocalBus();
  const lockoutMs = config.inviteLockoutSeconds * 1000;
  return {
    store,
    bus,
    addressLockout: redisBus === undefined
      ? new AddressLockout(config.inviteMaxFailures, lockoutMs)
      : new RedisAddressLockout(redisBus.commands, config.inviteMaxFailures, lockoutMs),
    async close() {
      if (given.bus === undefined) await bus.close();
      if (given.store === undefined) await store.close();
    },
  };
}
