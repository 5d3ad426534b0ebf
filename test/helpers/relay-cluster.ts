// Several relay processes on one private PostgreSQL and one private Redis, as scale-out runs them.
// They share one relay key (clients pin one key, whichever process they reach): each process's
// data dir gets a copy of the first one's `relay-key`, as docs/operations.md tells operators to do.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestClient, type TestClient } from './clients.js';
import { startPostgres, type PrivatePostgres } from './postgres.js';
import { startRedis, type PrivateRedis } from './redis.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';

export interface RelayCluster {
  readonly postgres: PrivatePostgres;
  readonly redis: PrivateRedis;
  readonly storeUrl: string;
  readonly relays: readonly RelayProcess[];
  readonly publicKey: Uint8Array;
  wsUrl(relay: RelayProcess): string;
  /**
   * A headless client's URL provider (it is asked again on every reconnect): `start`, then each
   * other process in turn, as a load balancer moves a client whose process died.
   */
  urlsFrom(start: RelayProcess): () => string;
  stop(): Promise<void>;
}

/** undefined (outside CI) when PostgreSQL or Redis is not installed. */
export async function startRelayCluster(size: number, extraArgs: readonly string[] = []): Promise<RelayCluster | undefined> {
  const postgres = await startPostgres();
  const redis = postgres === undefined ? undefined : await startRedis();
  if (postgres === undefined || redis === undefined) {
    await postgres?.stop();
    return undefined;
  }
  const relays: RelayProcess[] = [];
  try {
    const storeUrl = await postgres.createDatabase();
    const args = ['--store-url', storeUrl, '--bus-url', redis.url, ...extraArgs];
    const first = await startRelayProcess(args);
    relays.push(first);
    for (let i = 1; i < size; i++) {
      const relay = await startRelayProcess(args);
      relays.push(relay);
      // Restarted with the first one's key, so every process answers to the one key clients pin.
      await relay.kill();
      copyFileSync(join(first.dataDir, 'relay-key'), join(relay.dataDir, 'relay-key'));
      await relay.restart();
    }
    return {
      postgres, redis, storeUrl, relays, publicKey: first.publicKey,
      wsUrl: (relay) => `ws://127.0.0.1:${relay.port}/ws`,
      urlsFrom(start) {
        let next = relays.indexOf(start);
        return () => relays[next++ % relays.length]!.url;
      },
      async stop() {
        await Promise.all(relays.map((r) => r.dispose()));
        await redis.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await Promise.all(relays.map((r) => r.dispose()));
    await redis.stop();
    await postgres.stop();
    throw error;
  }
}

/**
 * A headless client that starts on `relay` and, like one behind a load balancer, moves on to the
 * next process when its own drops; `handed` hears each URL it is given.
 */
export function openClusterClient(cluster: RelayCluster, relay: RelayProcess, handed: (url: string) => void): Promise<TestClient> {
  const next = cluster.urlsFrom(relay);
  return openTestClient(() => {
    const url = next();
    handed(url);
    return url;
  });
}

/** A test's clients on a cluster: each opened on a process (see openClusterClient), where each was last handed, all closed at once. */
export class ClusterClients {
  /** The process URL each client was last handed, by name. */
  readonly at = new Map<string, string>();
  readonly #cluster: RelayCluster;
  readonly #open: TestClient[] = [];

  constructor(cluster: RelayCluster) {
    this.#cluster = cluster;
  }

  async open(name: string, relay: RelayProcess): Promise<TestClient> {
    const c = await openClusterClient(this.#cluster, relay, (url) => this.at.set(name, url));
    this.#open.push(c);
    return c;
  }

  async close(): Promise<void> {
    await Promise.all(this.#open.map((c) => c.client.close()));
  }
}
