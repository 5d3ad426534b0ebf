// Memory per idle connection and the most connections held: a ramp of idle connections (Sotto:
// handshake + auth into a room; ws: connected to a room) with the server's RSS read at each step.
// RSS includes garbage not yet collected, so the per-connection figure is what an operator would
// provision, not the live heap.
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../protocol/bytes.js';
import type { HolderOpened, ToHolder } from './connection-holder.js';
import { distPath } from './dist-paths.js';
import { rssBytes } from './process-stats.js';
import { startRelayProcess, type SqliteSynchronous } from './relay-launcher.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import type { SottoRoomPlan } from './sotto-rooms.js';

export interface MemoryStep {
  readonly target: number;
  readonly held: number;
  readonly rssBytes: number;
  /** (RSS − RSS before any connection) / held. */
  readonly bytesPerConnection: number;
  readonly openSeconds: number;
}

export interface MemoryRun {
  readonly system: 'sotto' | 'ws';
  readonly baseRssBytes: number;
  readonly steps: MemoryStep[];
  /** The largest count held with no failure. */
  readonly mostHeld: number;
  readonly stoppedBecause?: string;
}

/** Under the usual 20k file-descriptor hard limit, with room for the process's other files. */
const PER_HOLDER = 15_000;
const SETTLE_MS = 1500;

function answer(child: ChildProcess): Promise<HolderOpened> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: HolderOpened): void => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => reject(new Error(`holder exited (${code})`));
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runIdleMemory(
  system: 'sotto' | 'ws', steps: readonly number[], sotto: { templateDir: string; plans: readonly SottoRoomPlan[]; synchronous: SqliteSynchronous },
): Promise<MemoryRun> {
  let server: ServerProcess;
  let relayPublicKey: string | undefined;
  let dataDir: string | undefined;
  if (system === 'sotto') {
    dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-memory-'));
    cpSync(sotto.templateDir, dataDir, { recursive: true });
    const relay = await startRelayProcess({ dataDir, synchronous: sotto.synchronous });
    relayPublicKey = toHex(relay.publicKey);
    server = relay;
  } else server = await startServerProcess('ws-broadcast', [distPath('./baselines/ws-broadcast.js')]);
  const members = sotto.plans.flatMap((plan) => plan.memberSeeds.map((seed) => ({ roomId: plan.roomId, seed, epoch: plan.epoch })));
  const holders: ChildProcess[] = [];
  const result: MemoryStep[] = [];
  let mostHeld = 0;
  let stoppedBecause: string | undefined;
  // A net no recent ramp used, so none of its ports sit in TIME_WAIT (connection-holder.ts).
  const sourceNet = 1 + Math.floor(Math.random() * 254);
  try {
    await sleep(SETTLE_MS);
    const baseRssBytes = rssBytes(server.pid);
    for (const target of steps) {
      while (holders.length * PER_HOLDER < target) {
        const child = fork(distPath('./connection-holder.js'), [], { execArgv: [] });
        const init: ToHolder = {
          type: 'init', system, port: server.port, members, firstIndex: holders.length * PER_HOLDER, sourceNet,
          ...(relayPublicKey === undefined ? {} : { relayPublicKey }),
        };
        child.send(init);
        holders.push(child);
      }
      const started = Date.now();
      const answers = await Promise.all(holders.map((child, h) => {
        const reply = answer(child);
        const open: ToHolder = { type: 'open', total: Math.max(0, Math.min(PER_HOLDER, target - h * PER_HOLDER)) };
        child.send(open);
        return reply;
      }));
      const openSeconds = (Date.now() - started) / 1000;
      await sleep(SETTLE_MS);
      const held = answers.reduce((n, a) => n + a.open, 0);
      const failed = answers.reduce((n, a) => n + a.failed, 0);
      const rss = rssBytes(server.pid);
      result.push({ target, held, rssBytes: rss, bytesPerConnection: held > 0 ? (rss - baseRssBytes) / held : Number.NaN, openSeconds });
      process.stderr.write(`  memory ${system}: ${held} held, RSS ${(rss / 2 ** 20).toFixed(0)} MiB\n`);
      if (failed > 0 || held < target) {
        stoppedBecause = answers.find((a) => a.firstError !== undefined)?.firstError ?? `${target - held} connections dropped`;
        break;
      }
      mostHeld = held;
    }
    return { system, baseRssBytes, steps: result, mostHeld, ...(stoppedBecause === undefined ? {} : { stoppedBecause }) };
  } finally {
    await Promise.all(holders.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send({ type: 'stop' } satisfies ToHolder);
    })));
    await server.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}
