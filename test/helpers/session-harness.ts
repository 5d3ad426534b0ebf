// Relay sessions made in the test's own process, so a test can look inside them: the real Session,
// registry, SQLite store and Noise over real sockets, on a bare WebSocketServer instead of
// startRelay's HTTP server, which keeps its sessions to itself.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { LocalBus } from '../../relay/bus/local-bus.js';
import { resolveConfig } from '../../relay/config.js';
import type { RelayContext } from '../../relay/context.js';
import { AddressLockout } from '../../relay/limits.js';
import { WindowCounter } from '../../relay/quota.js';
import { LinkBoxes } from '../../relay/link-boxes.js';
import { createLogger } from '../../relay/log.js';
import { Metrics } from '../../relay/metrics.js';
import { RestorePoints } from '../../relay/restore-point.js';
import { loadOrCreateRelayKey } from '../../relay/relay-key.js';
import { Session } from '../../relay/session.js';
import { SessionRegistry } from '../../relay/session-registry.js';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import type { Store } from '../../relay/store/store.js';

export interface SessionHarness {
  readonly url: string;
  /** Holds the relay key (relay-key) and the database. */
  readonly dataDir: string;
  readonly relayPublicKey: Uint8Array;
  /** Every session made so far, in the order clients connected. */
  readonly sessions: readonly Session[];
  readonly registry: SessionRegistry;
  close(): Promise<void>;
}

export interface SessionHarnessOptions {
  /** What the sessions see of the store: the real SQLite store, or a wrapper around it. */
  readonly store?: (sqlite: Store) => Store;
}

export async function startSessionHarness(options: SessionHarnessOptions = {}): Promise<SessionHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-sessions-'));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', roomsPerAddressPerHour: 1_000_000 });
  const store = new SqliteStore({ path: join(dataDir, 'relay.sqlite'), synchronous: 'NORMAL', maxHistoryPerRoom: 100 });
  const bus = new LocalBus();
  const metrics = new Metrics();
  const log = createLogger('silent');
  const ctx: RelayContext = {
    config, store: options.store?.(store) ?? store, bus, metrics, log, now: Date.now, suite: await detectSuite(),
    addressLockout: new AddressLockout(config.inviteMaxFailures, config.inviteLockoutSeconds * 1000),
    restorePoints: new RestorePoints(),
    roomCreations: new WindowCounter(config.roomsPerAddressPerHour, 3600 * 1000),
    roomTokenSecret: undefined,
    linkBoxes: new LinkBoxes(config, Date.now),
  };
  const registry = new SessionRegistry(bus, metrics, log);
  const staticKey = loadOrCreateRelayKey(dataDir, nodePrimitives);
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const sessions: Session[] = [];
  server.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    // No per-address connection count here: nothing to release.
    sessions.push(new Session(ws, request.socket, '127.0.0.1', ctx, registry, staticKey, () => undefined));
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
    dataDir, relayPublicKey: staticKey.publicKey, sessions, registry,
    async close() {
      // A test that failed midway leaves its clients connected, and the server would wait for them.
      for (const ws of server.clients) ws.terminate();
      await new Promise((resolve) => server.close(resolve));
      registry.stop();
      await bus.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
