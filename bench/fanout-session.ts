// One server under test for one shape: start it, connect every member through the generator
// processes, step through the offered loads, and shut everything down. The bench runs one session
// per (shape, system, round) and alternates systems between rounds.
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
  readonly errors: number;
  readonly closed: number;
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
      const plan = options.sotto?.plans[room];
      specs.push(plan === undefined ? { room } : { room, sotto: { roomId: plan.roomId, seed: plan.memberSeeds[member]! } });
    }
  }
  return specs;
}

async function startServer(options: FanoutSessionOptions): Promise<{ server: ServerProcess; relayPublicKey?: string; cleanup: () => void }> {
  switch (options.system) {
    case 'sotto': {
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
    case 'ws':
      return { server: await startServerProcess('ws-broadcast', [distPath('./baselines/ws-broadcast.js')]), cleanup: () => undefined };
    case 'socketio':
      return { server: await startServerProcess('socketio-broadcast', [distPath('./baselines/socketio-broadcast.js')]), cleanup: () => undefined };
  }
}

export async function runFanoutSession(options: FanoutSessionOptions): Promise<FanoutSessionResult> {
  const serverSpawnedAt = nowMs();
  const { server, relayPublicKey, cleanup } = await startServer(options);
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
        type: 'init', system: options.system, host: '127.0.0.1', port: server.port, payloadBytes: options.payloadBytes, connections: shares[g]!,
        ...(relayPublicKey === undefined ? {} : { relayPublicKey }),
      };
      child.send(init);
      return answer;
    }));
    const connected = ready.reduce((n, r) => n + r.connected, 0);
    const failed = ready.reduce((n, r) => n + r.failed, 0);
    if (failed > 0) process.stderr.write(`  ${options.system}: ${failed} connections failed (${ready.find((r) => r.firstError)?.firstError})\n`);
    const serverRssAfterConnectBytes = rssBytes(server.pid);
    const steps: FanoutStep[] = [];
    let runId = 0;
    for (const offered of options.offeredDeliveries) {
      runId++;
      const sendsPerSecond = offered / (options.shape.members - 1);
      const startAt = nowMs() + STEP_LEAD_MS;
      const { warmupMs, measureMs, drainMs } = options.timing;
      const results = Promise.all(generators.map((child) => nextMessage(child, 'result')));
      generators.forEach((child, g) => {
        const msg: ToGenerator = {
          type: 'run', runId, sendsPerSecond: (sendsPerSecond * shares[g]!.length) / specs.length, startAt, warmupMs, measureMs, drainMs,
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
      const answers: GeneratorResult[] = await results;
      const histogram = new LatencyHistogram();
      for (const answer of answers) histogram.add(answer.histogram);
      const delivered = answers.reduce((n, a) => n + a.delivered, 0);
      steps.push({
        offered, sendsPerSecond,
        delivered: delivered / (measureMs / 1000),
        p50Ms: histogram.quantile(0.5), p99Ms: histogram.quantile(0.99),
        late: answers.reduce((n, a) => n + a.late, 0),
        serverCpuPercent: cpuPercent(serverCpuStart, serverCpuEnd, measureMs),
        serverWaitPercent: cpuPercent(serverWaitStart, serverWaitEnd, measureMs),
        generatorCpuPercent: answers.map((a) => (a.cpuMs / measureMs) * 100),
        errors: answers.reduce((n, a) => n + a.errors, 0),
        closed: answers.reduce((n, a) => n + a.closed, 0),
        windowStart: startAt + warmupMs, windowEnd: startAt + warmupMs + measureMs,
      });
    }
    return { system: options.system, connected, failed, serverRssAfterConnectBytes, serverSpawnedAt, steps };
  } finally {
    await Promise.all(generators.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send({ type: 'stop' } satisfies ToGenerator);
    })));
    await server.stop();
    cleanup();
  }
}
