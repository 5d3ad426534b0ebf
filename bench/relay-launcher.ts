// Runs Sotto's relay exactly as deployed (node dist/relay/main.js), with only the per-client abuse
// limits lifted: the generators are a few processes on one address sending far more than one person
// would, and those limits exist to stop that. Noise, the ACL and SQLite persistence stay on.
import { fileURLToPath } from 'node:url';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const RELAY_MAIN = fileURLToPath(new URL('../relay/main.js', import.meta.url));

export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface RelayLaunch {
  readonly dataDir: string;
  readonly synchronous: SqliteSynchronous;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly stopTimeoutMs?: number;
  /** Also serve /metrics on an ephemeral port (`metricsUrl`), for byte counts. */
  readonly metrics?: boolean;
  /** More relay options: --workers, or --store-url and --bus-url for scale-out. */
  readonly relayArgs?: readonly string[];
}

export interface RunningRelayProcess extends ServerProcess {
  readonly publicKey: Uint8Array;
}

export const BENCH_RELAY_FLAGS: readonly string[] = [
  '--max-connections-per-ip', '1000000',
  '--rate-limit-per-second', '1000000',
  '--rate-limit-burst', '1000000',
  '--rooms-per-address-per-hour', '1000000',
  // Catch-up is measured at the relay's own speed, not at the per-connection pace of sync answers.
  '--sync-bytes-per-second', String(1024 * 1024 * 1024),
  '--sync-burst-bytes', String(1024 * 1024 * 1024),
];

export async function startRelayProcess(launch: RelayLaunch): Promise<RunningRelayProcess> {
  const server = await startServerProcess('sotto-relay', [
    ...(launch.nodeFlags ?? []), RELAY_MAIN,
    '--port', '0', '--host', '127.0.0.1', '--data-dir', launch.dataDir, '--log-level', 'info',
    '--sqlite-synchronous', launch.synchronous, ...BENCH_RELAY_FLAGS, ...(launch.metrics === true ? ['--metrics-port', '0'] : []),
    ...(launch.relayArgs ?? []),
  ], launch.stopTimeoutMs);
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/config.json`);
    const config = (await response.json()) as { relayPublicKey: string };
    return { ...server, stop: () => server.stop(), publicKey: new Uint8Array(Buffer.from(config.relayPublicKey, 'base64url')) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
