// `sotto-relay --workers N` (ADR 0011): this process is the primary. It holds the one SQLite store
// (on its own thread, as a single relay does), the per-address limits and the retention sweeper,
// and forks N workers with node:cluster. The workers serve the WebSocket port, which the primary
// listens on and hands each accepted connection to the next worker in turn (round-robin), so each
// worker holds about 1/N of the sockets under its own open-file limit. A worker that dies is
// replaced; its clients reconnect to the others and catch up from the store, which has everything
// acknowledged (an acknowledgement waits for the primary's commit, never for a worker).
import cluster, { type Worker } from 'node:cluster';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { openBackends } from '../backends.js';
import type { RelayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { loadOrCreateRelayKey } from '../relay-key.js';
import type { RunningRelay } from '../server.js';
import { startSweeper } from '../sweeper.js';
import { linkToWorker } from './links.js';
import { PrimaryServices } from './primary-services.js';

/** A worker that dies sooner than this after starting is replaced only after this long, not in a tight loop. */
const RESTART_BACKOFF_MS = 1000;
/** How long workers get to close their sessions (1001) when the relay stops, before they are killed. */
const STOP_GRACE_MS = 5000;

export async function startRelayWorkers(config: RelayConfig, log: Logger): Promise<RunningRelay> {
  // Made here, once: the workers load this key rather than race to create one each.
  const staticKey = loadOrCreateRelayKey(config.dataDir, nodePrimitives);
  const backends = await openBackends(config, {}, log);
  const services = new PrimaryServices(backends);
  const stopSweeper = startSweeper(backends.store, config, log, Date.now);
  cluster.schedulingPolicy = cluster.SCHED_RR;
  // Structured clone, as between the relay's thread and the store's: byte arrays cross as they are.
  cluster.setupPrimary({ serialization: 'advanced' });
  const workers = new Set<Worker>();
  let stopping = false;

  const fork = (): Promise<number> => {
    const worker = cluster.fork();
    const pid = worker.process.pid ?? -1;
    const started = Date.now();
    workers.add(worker);
    return new Promise<number>((resolve, reject) => {
      services.serve(linkToWorker(worker), (port) => {
        log.info('relay worker listening', { pid, port });
        resolve(port);
      });
      worker.once('exit', (code: number | null, signal: string | null) => {
        workers.delete(worker);
        reject(new Error(`relay worker exited (code ${code}, signal ${signal}) before listening`));
        if (stopping) return;
        log.warn('relay worker exited: replacing it', { pid, code: String(code), signal: String(signal) });
        setTimeout(() => {
          if (!stopping) fork().catch((error: unknown) => log.error('relay worker failed to start', { error: error instanceof Error ? error.message : String(error) }));
        }, Date.now() - started < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0);
      });
    });
  };

  const stopWorkers = async (): Promise<void> => {
    stopping = true;
    await Promise.all([...workers].map((worker) => new Promise<void>((resolve) => {
      const killer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
      worker.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      worker.process.kill('SIGTERM');
    })));
  };

  let port: number;
  try {
    [port] = await Promise.all(Array.from({ length: config.workers }, fork)) as [number];
  } catch (error) {
    await stopWorkers();
    await stopSweeper();
    await backends.close();
    throw error;
  }
  return {
    port,
    metricsPort: undefined,
    publicKey: staticKey.publicKey,
    async close() {
      if (stopping) return;
      await stopWorkers();
      await stopSweeper();
      await backends.close();
    },
  };
}
