// A relay worker process (`sotto-relay --workers N`, ADR 0011): the relay as one process runs it —
// sessions, handlers, the WebSocket port — on the primary's store, bus and per-address limits
// over the IPC link (worker-backends.ts). It stops on SIGTERM from the primary (or anyone: the
// primary then starts another), and on its own when the primary is gone.
import type { RelayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { startRelay } from '../server.js';
import { linkToPrimary } from './links.js';
import { workerBackends } from './worker-backends.js';

export async function runRelayWorker(config: RelayConfig, log: Logger): Promise<void> {
  const link = linkToPrimary();
  const { store, bus, limits } = workerBackends(link);
  // A Ctrl-C reaches every process of the group; the primary alone decides, and stops the workers.
  process.on('SIGINT', () => undefined);
  let relay;
  try {
    relay = await startRelay(config, { store, bus, limits, sweeps: false, log });
  } catch (error) {
    log.error('relay worker failed to start', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('relay worker stopping', { why });
    relay.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  link.onClose(() => stop('primary gone'));
  link.send({ kind: 'listening', port: relay.port });
}
