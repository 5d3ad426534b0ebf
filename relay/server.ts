// Wires the relay together: key, store, bus, HTTP, and the WebSocket endpoint on one port.
// startRelay is what main.ts runs and what tests run in-process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { detectSuite } from '../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../protocol/platform/node-noise-primitives.js';
import type { Bus } from './bus/bus.js';
import type { SharedLimits } from './backends.js';
import type { RelayConfig } from './config.js';
import type { RelayContext } from './context.js';
import { openBackends } from './backends.js';
import { createHttpHandler, WS_PATH } from './http.js';
import { clientAddress } from './limits.js';
import { LinkBoxes } from './link-boxes.js';
import { relayLinkPosts } from './handlers/link.js';
import { addressFields, createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';
import { originAllowed } from './origin.js';
import { loadRestorePoints } from './restore-point.js';
import { loadOrCreateRelayKey } from './relay-key.js';
import { CLOSE, Session } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { cutSilentConnections } from './silent-connections.js';
import { loadRoomTokenSecret } from './room-token.js';
import { startSweeper } from './sweeper.js';
import { timedStore } from './timed-store.js';
import type { Store } from './store/store.js';

/** Replaceable parts; the relay closes only the ones it created. */
export interface RelayDeps {
  readonly store?: Store;
  readonly bus?: Bus;
  /** Per-address limits kept elsewhere (a worker's primary); the relay does not close them. */
  readonly limits?: SharedLimits;
  /** false: retention runs elsewhere (a worker's primary sweeps the store all workers share). */
  readonly sweeps?: boolean;
  readonly log?: Logger;
  readonly now?: () => number;
}

export interface RunningRelay {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  /** The /metrics listener's port, when --metrics-port is set. */
  readonly metricsPort: number | undefined;
  /** The relay's static X25519 public key, as clients pin it. */
  readonly publicKey: Uint8Array;
  /** Stops accepting, closes every socket with 1001, then closes the store. */
  close(): Promise<void>;
}

// The listeners below live as long as their socket. Made in functions of their own, they hold only
// what they use: a closure made in the upgrade handler would keep that handler's whole scope alive,
// the upgrade request (headers, buffers) included — about a kilobyte per idle connection. One that
// needs only its socket gets it as `this`, so a single function serves every socket.

function destroySelf(this: Duplex): void {
  this.destroy();
}

/**
 * Calls `released(address)` when the socket closes, until the returned listener is taken off: a
 * session takes the release over, so an idle connection keeps no closure of its own for it.
 */
function releaseOnClose(socket: Duplex, address: string, released: (address: string) => void): () => void {
  const listener = (): void => released(address);
  // 'close' comes once; once() would wrap the listener in two more objects per socket.
  socket.on('close', listener);
  return listener;
}

/** How long a closing socket gets to finish the close handshake before it is cut. */
const CLOSE_GRACE_MS = 2000;

export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<RunningRelay> {
  const log = deps.log ?? createLogger(config.logLevel);
  const now = deps.now ?? Date.now;
  const staticKey = loadOrCreateRelayKey(config.dataDir, nodePrimitives);
  // Before anything is opened: a relay told to require tokens it cannot check must not start.
  const roomTokenSecret = config.requireRoomToken ? loadRoomTokenSecret(config.dataDir, false) : undefined;
  const backends = await openBackends(config, deps, log);
  const { store, bus } = backends;
  const metrics = new Metrics();
  const ctx: RelayContext = {
    config, store: timedStore(store, metrics.storeSeconds), bus, metrics, log, now,
    suite: await detectSuite(),
    addressLockout: backends.addressLockout,
    roomCreations: backends.roomCreations,
    roomTokenSecret,
    restorePoints: loadRestorePoints(config.dataDir),
    linkBoxes: new LinkBoxes(config, now),
  };
  const registry = new SessionRegistry(bus, metrics, log);
  const stopLinkPosts = relayLinkPosts(ctx);
  const connections = backends.connections;
  const released = (address: string): void => {
    connections.release(address);
    log.debug('connection closed', addressFields(config.logIps, () => address));
  };
  const gauges = async (): Promise<{ rooms: number; members: number }> => ({ rooms: await store.countRooms(), members: await store.countMembers() });
  const server = createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Node only checks those timeouts this often (30 s by default), so a slow-header client would
    // hold its socket well past headers-timeout-ms.
    connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
  }, createHttpHandler({
    staticDir: config.staticDir, relayPublicKey: staticKey.publicKey, maxAttachmentBytes: config.maxAttachmentBytes, metrics, log, gauges,
  }));
  cutSilentConnections(server, config.headersTimeoutMs);
  const wss = new WebSocketServer({
    noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: config.maxMessageBytes, maxFragments: config.maxMessageFragments,
  });
  let closing = false;

  server.on('upgrade', (request, socket, head) => {
    socket.on('error', destroySelf);
    const refuse = (status: string): void => {
      metrics.upgradeRefused(status);
      log.debug('upgrade refused', { status, ...addressFields(config.logIps, () => clientAddress(request, config.trustProxy)) });
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (closing) return refuse('503 Service Unavailable');
    if (new URL(request.url ?? '/', 'http://relay.invalid').pathname !== WS_PATH) return refuse('404 Not Found');
    if (!originAllowed(request.headers.origin, request.headers.host, config.publicOrigin)) return refuse('403 Forbidden');
    const address = clientAddress(request, config.trustProxy);
    const acquired = connections.tryAcquire(address);
    if (acquired === true) return upgrade();
    if (acquired === false) return refuse('429 Too Many Requests');
    // Counted in Redis, across processes: the socket waits one round trip (and may go meanwhile).
    acquired.then((ok) => {
      if (!ok) refuse('429 Too Many Requests');
      else if (closing || socket.destroyed) connections.release(address);
      else upgrade();
    }, () => socket.destroy());

    function upgrade(): void {
      log.debug('connection opened', addressFields(config.logIps, () => address));
      const release = releaseOnClose(socket, address, released);
      wss.handleUpgrade(request, socket, head, (ws) => {
        // From here ws handles the socket's errors and the session releases the address when it is
        // gone; listeners of our own beside ws's would keep listener arrays per connection.
        socket.off('error', destroySelf).off('close', release);
        new Session(ws, request.socket, address, ctx, registry, staticKey, released);
      });
    }
  });

  const heartbeat = setInterval(() => {
    for (const session of registry.all()) session.heartbeat();
  }, config.heartbeatMs);
  heartbeat.unref();
  const stopSweeper = deps.sweeps === false ? () => Promise.resolve() : startSweeper(store, config, log, now);

  let metricsListener: MetricsListener | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (config.metricsPort !== undefined) metricsListener = await startMetricsListener(config.metricsHost, config.metricsPort, metrics, gauges, log);
  } catch (error) {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    clearInterval(heartbeat);
    await stopSweeper();
    registry.stop();
    stopLinkPosts();
    await backends.close();
    throw error;
  }

  return {
    port: (server.address() as AddressInfo).port,
    metricsPort: metricsListener?.port,
    publicKey: staticKey.publicKey,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      await metricsListener?.close();
      await stopSweeper();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all(registry.all().map((session) => session.shutdown(CLOSE.goingAway, 'relay shutting down', CLOSE_GRACE_MS)));
      registry.stop();
      stopLinkPosts();
      wss.close();
      await stopped;
      await backends.close();
    },
  };
}
