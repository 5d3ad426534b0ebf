// One server under test for one shape: start it, connect every member through the generator
// processes, then run load steps on demand, and shut everything down. The suite keeps one session
// per (shape, system) open and runs the systems' rounds in a shuffled order (fanout-suite.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../protocol/bytes.js';
import { nowMs } from './clock.js';
import { distPath } from './dist-paths.js';
import type { ConnectionSpec, FromGenerator, GeneratorReady, GeneratorResult, SystemName, ToGenerator } from './generator-messages.js';
import { LatencyHistogram } from './latency-histogram.js';
import { cpuMs, cpuPercent, mainThreadWaitMs, rssBytes } from './process-stats.js';
import { startRelayProcess, type SqliteSynchronous } from './relay-launcher.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import type { Shape, SottoRoomPlan } from './sotto-rooms.js';

export interface StepTiming {
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly drainMs: number;
}

export interface SottoSetup {
  /** A data directory holding the shape's rooms; copied, never used directly. */
  readonly templateDir: string;
  readonly plans: readonly SottoRoomPlan[];
  readonly synchronous: SqliteSynchronous;
  readonly nodeFlags?: readonly string[];
  readonly stopTimeoutMs?: number;
}

export interface FanoutSessionOptions {
  readonly system: SystemName;
  readonly shape: Shape;
  /** Offered load per step, in deliveries per second (sends/s × (members − 1)). */
  readonly offeredDeliveries: readonly number[];
  readonly generators: number;
  readonly payloadBytes: number;
  readonly timing: StepTiming;
  readonly sotto?: SottoSetup;
}

export interface FanoutStep {
  readonly offered: number;
  readonly sendsPerSecond: number;
  /** Deliveries per second received inside the window. */
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Deliveries that came after the window: a growing backlog means the server is past its limit. */
  readonly late: number;
  readonly serverCpuPercent: number;
  /** Share of the window the server's main thread was ready to run but had no CPU. */
  readonly serverWaitPercent: number;
  readonly generatorCpuPercent: number[];
  /** Refusals the server sent (other than a send that crossed a rotation), over the session so far. */
  readonly errors: number;
  readonly closed: number;
  /** Messages sent in the step, the deliveries they owed (sent × (members − 1)) and those received. */
  readonly sent: number;
  readonly expectedDeliveries: number;
  readonly receivedDeliveries: number;
  /** True when every delivery the step owed came within drainMs of the window's end. */
  readonly drained: boolean;
  readonly rotations: number;
  readonly staleResends: number;
  /** nowMs() bounds of the measuring window. */
  readonly windowStart: number;
  readonly windowEnd: number;
}

export interface FanoutSessionResult {
  readonly system: SystemName;
  readonly connected: number;
  readonly failed: number;
  readonly serverRssAfterConnectBytes: number;
  /** nowMs() just before the server process was spawned. */
  readonly serverSpawnedAt: number;
  readonly steps: FanoutStep[];
}

const STEP_LEAD_MS = 300;
/** How often the generators are asked whether a step's deliveries have all come. */
const DRAIN_POLL_MS = 50;

function nextMessage<T extends FromGenerator['type']>(child: ChildProcess, type: T): Promise<Extract<FromGenerator, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromGenerator): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<FromGenerator, { type: T }>);
    };
    const onExit = (code: number | null): void => reject(new Error(`generator exited (${code}) while the bench waited for ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function connectionSpecs(options: FanoutSessionOptions): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  for (let room = 0; room < options.shape.rooms; room++) {
    for (let member = 0; member < options.shape.members; member++) {
      const plan = options.system === 'sotto' ? options.sotto?.plans[room] : undefined;
      if (plan === undefined) {
        specs.push({ room });
        continue;
      }
      // The owner (member 0) rotates the room on the default schedule.
      const rotator = member === 0 ? { rotator: { logLength: plan.logLength, rosterHash: plan.rosterHash, members: plan.members } } : {};
      specs.push({ room, sotto: { roomId: plan.roomId, seed: plan.memberSeeds[member]!, epoch: plan.epoch, ...rotator } });
    }
  }
  return specs;
}

const BASELINE_SCRIPTS: Readonly<Record<Exclude<SystemName, 'sotto'>, string>> = {
  'ws': './baselines/ws-broadcast.js',
  'ws-coalescing': './baselines/ws-coalescing-broadcast.js',
  'socketio': './baselines/socketio-broadcast.js',
};

async function startServer(options: FanoutSessionOptions): Promise<{ server: ServerProcess; relayPublicKey?: string; cleanup: () => void }> {
  if (options.system !== 'sotto') {
    return { server: await startServerProcess(`${options.system}-broadcast`, [distPath(BASELINE_SCRIPTS[options.system])]), cleanup: () => undefined };
  }
  const sotto = options.sotto!;
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-relay-'));
  cpSync(sotto.templateDir, dataDir, { recursive: true });
  const relay = await startRelayProcess({
    dataDir, synchronous: sotto.synchronous,
    ...(sotto.nodeFlags === undefined ? {} : { nodeFlags: sotto.nodeFlags }),
    ...(sotto.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: sotto.stopTimeoutMs }),
  });
  return { server: relay, relayPublicKey: toHex(relay.publicKey), cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** A server with every member connected, ready to run load steps. */
export class FanoutSession {
  readonly serverSpawnedAt: number;
  readonly connected: number;
  readonly failed: number;
  readonly serverRssAfterConnectBytes: number;
  readonly #options: FanoutSessionOptions;
  readonly #server: ServerProcess;
  readonly #cleanup: () => void;
  readonly #generators: ChildProcess[];
  readonly #shares: ConnectionSpec[][];
  readonly #connections: number;
  #runId = 0;

  private constructor(
    options: FanoutSessionOptions, spawnedAt: number, started: { server: ServerProcess; cleanup: () => void }, generators: ChildProcess[],
    shares: ConnectionSpec[][], ready: GeneratorReady[],
  ) {
    this.#options = options;
    this.serverSpawnedAt = spawnedAt;
    this.#server = started.server;
    this.#cleanup = started.cleanup;
    this.#generators = generators;
    this.#shares = shares;
    this.#connections = shares.reduce((n, share) => n + share.length, 0);
    this.connected = ready.reduce((n, r) => n + r.connected, 0);
    this.failed = ready.reduce((n, r) => n + r.failed, 0);
    this.serverRssAfterConnectBytes = rssBytes(started.server.pid);
  }

  get system(): SystemName {
    return this.#options.system;
  }

  static async open(options: FanoutSessionOptions): Promise<FanoutSession> {
    const spawnedAt = nowMs();
    const started = await startServer(options);
    const generators: ChildProcess[] = [];
    try {
      const specs = connectionSpecs(options);
      const count = Math.min(options.generators, specs.length);
      const shares: ConnectionSpec[][] = [];
      // Contiguous slices keep a room's members in one generator whenever rooms outnumber generators.
      for (let g = 0; g < count; g++) shares.push(specs.slice(Math.floor((g * specs.length) / count), Math.floor(((g + 1) * specs.length) / count)));
      for (let g = 0; g < count; g++) generators.push(fork(distPath('./fanout-generator.js'), [], { execArgv: [] }));
      const ready: GeneratorReady[] = await Promise.all(generators.map((child, g) => {
        const answer = nextMessage(child, 'ready');
        const init: ToGenerator = {
          type: 'init', system: options.system, host: '127.0.0.1', port: started.server.port, payloadBytes: options.payloadBytes, connections: shares[g]!,
          ...(started.relayPublicKey === undefined ? {} : { relayPublicKey: started.relayPublicKey }),
        };
        child.send(init);
        return answer;
      }));
      const session = new FanoutSession(options, spawnedAt, started, generators, shares, ready);
      if (session.failed > 0) process.stderr.write(`  ${options.system}: ${session.failed} connections failed (${ready.find((r) => r.firstError)?.firstError})\n`);
      return session;
    } catch (error) {
      await stopAll(generators, started);
      throw error;
    }
  }

  /** One load step at `offered` deliveries/s; `drainMs` bounds how long its backlog may take to clear. */
  async step(offered: number, timing: StepTiming): Promise<FanoutStep> {
    const runId = ++this.#runId;
    const server = this.#server;
    const sendsPerSecond = offered / (this.#options.shape.members - 1);
    const startAt = nowMs() + STEP_LEAD_MS;
    const { warmupMs, measureMs, drainMs } = timing;
    const stopped = Promise.all(this.#generators.map((child) => nextMessage(child, 'stopped')));
    this.#generators.forEach((child, g) => {
      const msg: ToGenerator = {
        type: 'run', runId, sendsPerSecond: (sendsPerSecond * this.#shares[g]!.length) / this.#connections, startAt, warmupMs, measureMs, drainMs,
      };
      child.send(msg);
    });
    let serverCpuStart = 0;
    let serverCpuEnd = 0;
    let serverWaitStart = 0;
    let serverWaitEnd = 0;
    await new Promise<void>((resolve) => setTimeout(() => {
      serverCpuStart = cpuMs(server.pid);
      serverWaitStart = mainThreadWaitMs(server.pid);
      resolve();
    }, startAt + warmupMs - nowMs()));
    await new Promise<void>((resolve) => setTimeout(() => {
      serverCpuEnd = cpuMs(server.pid);
      serverWaitEnd = mainThreadWaitMs(server.pid);
      resolve();
    }, startAt + warmupMs + measureMs - nowMs()));
    await stopped;
    const owed = (this.#options.shape.members - 1);
    const drainedBy = nowMs() + drainMs;
    let drained = false;
    for (;;) {
      const progress = await Promise.all(this.#generators.map((child) => {
        const answer = nextMessage(child, 'progress');
        child.send({ type: 'poll' } satisfies ToGenerator);
        return answer;
      }));
      const sentSoFar = progress.reduce((n, p) => n + p.sent, 0);
      if (progress.reduce((n, p) => n + p.receivedOfRun, 0) >= sentSoFar * owed) {
        drained = true;
        break;
      }
      if (nowMs() >= drainedBy) break;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    const answers: GeneratorResult[] = await Promise.all(this.#generators.map((child) => {
      const answer = nextMessage(child, 'result');
      child.send({ type: 'finish', drained } satisfies ToGenerator);
      return answer;
    }));
    const histogram = new LatencyHistogram();
    for (const answer of answers) histogram.add(answer.histogram);
    const sum = (pick: (a: GeneratorResult) => number): number => answers.reduce((n, a) => n + pick(a), 0);
    const sent = sum((a) => a.sent);
    return {
      offered, sendsPerSecond,
      delivered: sum((a) => a.delivered) / (measureMs / 1000),
      p50Ms: histogram.quantile(0.5), p99Ms: histogram.quantile(0.99),
      late: sum((a) => a.late),
      serverCpuPercent: cpuPercent(serverCpuStart, serverCpuEnd, measureMs),
      serverWaitPercent: cpuPercent(serverWaitStart, serverWaitEnd, measureMs),
      generatorCpuPercent: answers.map((a) => (a.cpuMs / measureMs) * 100),
      errors: sum((a) => a.errors),
      closed: sum((a) => a.closed),
      sent, expectedDeliveries: sent * (this.#options.shape.members - 1), receivedDeliveries: sum((a) => a.receivedOfRun),
      drained,
      rotations: sum((a) => a.rotations), staleResends: sum((a) => a.staleResends),
      windowStart: startAt + warmupMs, windowEnd: startAt + warmupMs + measureMs,
    };
  }

  close(): Promise<void> {
    return stopAll(this.#generators, { server: this.#server, cleanup: this.#cleanup });
  }
}

async function stopAll(generators: readonly ChildProcess[], started: { server: ServerProcess; cleanup: () => void }): Promise<void> {
  await Promise.all(generators.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.send({ type: 'stop' } satisfies ToGenerator);
  })));
  await started.server.stop();
  started.cleanup();
}

/** One session through `options.offeredDeliveries` in order (the profile's single step). */
export async function runFanoutSession(options: FanoutSessionOptions): Promise<FanoutSessionResult> {
  const session = await FanoutSession.open(options);
  try {
    const steps: FanoutStep[] = [];
    for (const offered of options.offeredDeliveries) steps.push(await session.step(offered, options.timing));
    return {
      system: options.system, connected: session.connected, failed: session.failed, serverRssAfterConnectBytes: session.serverRssAfterConnectBytes,
      serverSpawnedAt: session.serverSpawnedAt, steps,
    };
  } finally {
    await session.close();
  }
}
