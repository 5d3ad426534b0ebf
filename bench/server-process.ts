// Starts a server under test as its own process and learns its port from the first stdout line that
// carries one (the relay's "relay listening" log line, or the baselines' {"port": n}).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** The relay's /metrics URL, when the line that gave the port names one (`--metrics-port`). */
  readonly metricsUrl?: string;
  /** SIGTERM, then resolves when the process has exited (after SIGKILL if it hangs). */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/**
 * `stopTimeoutMs` bounds the wait for a clean exit after SIGTERM. An overloaded relay finishes its
 * queued requests before exiting, which can take long; most runs do not need the clean exit, but a
 * CPU-profiled one does (V8 writes the profile on exit).
 */
export function startServerProcess(name: string, nodeArgs: readonly string[], stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not report a port within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening: ${stderr}`));
    });
    let found = false;
    // Keep draining stdout for the process's whole life so a chatty server never blocks on the pipe.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (found) return;
      let port: unknown;
      let metrics: unknown;
      try {
        ({ port, metrics } = JSON.parse(line) as { port?: unknown; metrics?: unknown });
      } catch {
        return;
      }
      if (typeof port !== 'number') return;
      found = true;
      clearTimeout(timer);
      resolve({
        name, pid: child.pid!, port, ...(typeof metrics === 'string' ? { metricsUrl: metrics } : {}),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => {
            process.stderr.write(`  ${name} did not exit within ${stopTimeoutMs} ms of SIGTERM: killed\n`);
            child.kill('SIGKILL');
          }, stopTimeoutMs);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
