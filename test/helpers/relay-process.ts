// The real relay as a child process (`node dist/relay/main.js`) on a temp data directory, for
// end-to-end tests that kill it, restart it on the same data, and connect headless clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromBase64Url } from '../../protocol/bytes.js';
import { REPO_ROOT } from './paths.js';

const MAIN = join(REPO_ROOT, 'dist', 'relay', 'main.js');

/** Limits a busy test would trip over; the relay's own tests cover them. */
const TEST_ARGS = ['--rate-limit-per-second', '100000', '--rate-limit-burst', '100000', '--rooms-per-address-per-hour', '1000000', '--log-level', 'info'];

export interface RelayProcess {
  readonly dataDir: string;
  /** http://127.0.0.1:<port> — what headless clients take as their relay URL. */
  readonly url: string;
  readonly port: number;
  readonly publicKey: Uint8Array;
  /** Everything the process (and any restart) wrote to stdout and stderr so far. */
  output(): string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends `signal` to the running process and returns at once. */
  signal(signal: NodeJS.Signals): void;
  /** Starts the relay again on the same data directory and port. */
  restart(): Promise<void>;
  /** Stops the process (if running) and deletes the data directory. */
  dispose(): Promise<void>;
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly port: number;
}

function launch(dataDir: string, port: number, args: readonly string[], record: (text: string) => void, entry = MAIN): Promise<Running> {
  const child = spawn(process.execPath, [entry, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, ...TEST_ARGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    record(chunk.toString());
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      record(`${line}\n`);
      let entry: { msg?: string; port?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'relay listening' && entry.port !== undefined) resolve({ child, exited, port: entry.port });
    });
    void exited.then(() => reject(new Error(`relay exited before listening: ${stderr}`)));
  });
}

/**
 * `firstEntry` runs instead of dist/relay/main.js for the first start only (a test's fault-injecting
 * entry, e.g. held-ack-relay.ts); a restart is always the real relay.
 */
export async function startRelayProcess(args: readonly string[] = [], firstEntry: string = MAIN): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-relay-'));
  let output = '';
  const record = (text: string): void => {
    output += text;
  };
  let running: Running | undefined = await launch(dataDir, 0, args, record, firstEntry);
  const port = running.port;
  const url = `http://127.0.0.1:${port}`;
  const config = (await (await fetch(`${url}/config.json`)).json()) as { relayPublicKey: string };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const current = running;
    running = undefined;
    if (current === undefined) return;
    current.child.kill(signal);
    await current.exited;
  };
  return {
    dataDir, url, port, publicKey: fromBase64Url(config.relayPublicKey),
    output: () => output,
    kill,
    signal(signal) {
      running?.child.kill(signal);
    },
    async restart() {
      await kill();
      // The old socket may linger briefly; a few tries cover that.
      for (let attempt = 0; ; attempt++) {
        try {
          running = await launch(dataDir, port, args, record);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async dispose() {
      await kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
