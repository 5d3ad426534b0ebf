// Where the relay keeps things, by configuration: one process on SQLite in its data dir (on a thread
// of its own) with an in-process bus, or one of several on PostgreSQL (--store-url) and Redis
// (--bus-url), where everything durable is in PostgreSQL and Redis carries only fan-out, lockout
// counters and connection leases, so the per-address limits hold across processes. `pg` and `ioredis` are imported only when configured: a single relay never loads them.
import { join } from 'node:path';
import type { Bus } from './bus/bus.js';
import type { RedisAddressLockoutOptions } from './bus/redis-address-lockout.js';
import type { RedisConnectionCounter } from './bus/redis-connection-counter.js';
import { LocalBus } from './bus/local-bus.js';
import type { RelayConfig } from './config.js';
import type { AddressFailures } from './context.js';
import { DATABASE_FILE } from './data-dir.js';
import { AddressLockout, ConnectionCounter, type AddressConnections } from './limits.js';
import { WindowCounter, type QuotaCounter } from './quota.js';
import type { Logger } from './log.js';
import { ThreadedStore } from './store/threaded-store.js';
import type { Store } from './store/store.js';

const HOUR_MS = 3600 * 1000;

export interface Backends {
  readonly store: Store;
  readonly bus: Bus;
  readonly addressLockout: AddressFailures;
  /** Open connections per client address (--max-connections-per-ip). */
  readonly connections: AddressConnections;
  /** Rooms created per address and hour: in Redis when configured, shared by every process (V-115). */
  readonly roomCreations: QuotaCounter;
  /** Closes what was opened here, not what was passed in. */
  close(): Promise<void>;
}

/** The per-address limits, which a relay worker process takes from its primary (relay/workers/). */
export type SharedLimits = Pick<Backends, 'addressLockout' | 'connections' | 'roomCreations'>;

export async function openBackends(config: RelayConfig, given: { readonly store?: Store; readonly bus?: Bus; readonly limits?: SharedLimits }, log: Logger): Promise<Backends> {
  const storeUrl = config.storeUrl;
  const store = given.store ?? (storeUrl === undefined
    ? await ThreadedStore.open({ path: join(config.dataDir, DATABASE_FILE), synchronous: config.sqliteSynchronous,
      maxHistoryPerRoom: config.maxHistoryPerRoom, maxRoomBytes: config.maxRoomBytes })
    : await (await import('./store/postgres-store.js')).PostgresStore.open({
      url: storeUrl, maxHistoryPerRoom: config.maxHistoryPerRoom, maxRoomBytes: config.maxRoomBytes, poolSize: config.storePoolSize,
      onConnectionError: (error) => log.warn('postgres connection lost', { error: error.name }),
    }));
  const lockoutMs = config.inviteLockoutSeconds * 1000;
  const local = new AddressLockout(config.inviteMaxFailures, lockoutMs);
  const shared = given.limits;
  const redis = given.bus === undefined && config.busUrl !== undefined
    ? await openRedis(config.busUrl, { maxFailures: config.inviteMaxFailures, lockoutMs, fallback: local, log }, config)
    : undefined;
  const bus = given.bus ?? redis?.bus ?? new LocalBus();
  return {
    store,
    bus,
    addressLockout: shared?.addressLockout ?? redis?.addressLockout ?? local,
    connections: shared?.connections ?? redis?.connections ?? new ConnectionCounter(config.maxConnectionsPerIp),
    roomCreations: shared?.roomCreations ?? redis?.roomCreations ?? new WindowCounter(config.roomsPerAddressPerHour, HOUR_MS),
    async close() {
      redis?.connections.close();
      if (given.bus === undefined) await bus.close();
      if (given.store === undefined) await store.close();
    },
  };
}

/** The Redis bus, and the lockout counters, connection leases and quota windows kept in the same Redis, shared by every relay process. */
async function openRedis(url: string, lockout: RedisAddressLockoutOptions, config: Pick<RelayConfig, 'maxConnectionsPerIp' | 'connectionLeaseMs' | 'roomsPerAddressPerHour'>): Promise<{
  bus: Bus; addressLockout: AddressFailures; connections: RedisConnectionCounter; roomCreations: QuotaCounter;
}> {
  const [{ RedisBus }, { RedisAddressLockout }, { RedisConnectionCounter }, { RedisWindowCounter }] = await Promise.all([
    import('./bus/redis-bus.js'), import('./bus/redis-address-lockout.js'), import('./bus/redis-connection-counter.js'), import('./bus/redis-window-counter.js'),
  ]);
  const bus = new RedisBus({ url, log: lockout.log });
  return {
    bus,
    addressLockout: new RedisAddressLockout(bus.commands, lockout),
    connections: new RedisConnectionCounter(bus.commands, config.maxConnectionsPerIp, config.connectionLeaseMs, lockout.log),
    roomCreations: new RedisWindowCounter(bus.commands, config.roomsPerAddressPerHour, HOUR_MS, lockout.log),
  };
}
