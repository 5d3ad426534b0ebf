// A fan-out load generator process (started by the bench with child_process.fork). It opens its
// share of the members' connections, then for each load step sends at a fixed rate (open loop: a
// slow server does not slow the sender) and times every delivery it receives.
import { fromHex } from '../protocol/bytes.js';
import type { BenchConnection, DeliverySink } from './clients/bench-connection.js';
import { SocketIoBenchConnection } from './clients/socketio-bench-connection.js';
import { SottoBenchConnection } from './clients/sotto-bench-connection.js';
import { WsBenchConnection } from './clients/ws-bench-connection.js';
import { nowMs } from './clock.js';
import type { ConnectionSpec, FromGenerator, GeneratorInit, GeneratorRun, ToGenerator } from './generator-messages.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Connections opened at once: more only overflows the server's accept backlog. */
const CONNECT_CONCURRENCY = 64;
/** Sends per timer tick at most, so receiving is never starved by catching up after a stall. */
const MAX_SENDS_PER_TICK = 2000;

function reply(message: FromGenerator): void {
  process.send!(message);
}

/**
 * Counts every delivery received inside the window, whichever step sent it: what a server delivers
 * per second while saturated includes its backlog, and that is its capacity. The run id only tells
 * a straggler of this step (counted as late after the window) from older ones.
 */
class Recorder implements DeliverySink {
  #runId = -1;
  #windowStart = Number.POSITIVE_INFINITY;
  #windowEnd = Number.POSITIVE_INFINITY;
  inWindow = 0;
  late = 0;
  /** Every delivery of the current step's messages, whenever it came. */
  ofRun = 0;
  lastAt = 0;
  histogram = new LatencyHistogram();

  reset(runId: number, windowStart: number, windowEnd: number): void {
    this.#runId = runId;
    this.#windowStart = windowStart;
    this.#windowEnd = windowEnd;
    this.inWindow = 0;
    this.late = 0;
    this.ofRun = 0;
    this.histogram = new LatencyHistogram();
  }

  delivered(runId: number, sentAt: number): void {
    const now = nowMs();
    this.lastAt = now;
    if (runId === this.#runId) this.ofRun++;
    if (now < this.#windowStart) return;
    if (now > this.#windowEnd) {
      if (runId === this.#runId) this.late++;
      return;
    }
    this.inWindow++;
    this.histogram.record(now - sentAt);
  }
}

const recorder = new Recorder();
let connections: BenchConnection[] = [];

function open(init: GeneratorInit, spec: ConnectionSpec): Promise<BenchConnection> {
  switch (init.system) {
    case 'sotto':
      return SottoBenchConnection.open(init.host, init.port, fromHex(init.relayPublicKey!), spec.sotto!, recorder);
    case 'ws':
      return WsBenchConnection.open(init.host, init.port, spec.room, init.payloadBytes, recorder);
    case 'ws-coalescing':
      return WsBenchConnection.open(init.host, init.port, spec.room, init.payloadBytes, recorder, undefined, true);
    case 'socketio':
      return SocketIoBenchConnection.open(init.host, init.port, spec.room, init.payloadBytes, recorder);
  }
}

async function connectAll(init: GeneratorInit): Promise<void> {
  const opened: (BenchConnection | undefined)[] = new Array(init.connections.length);
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < init.connections.length) {
      const index = next++;
      try {
        opened[index] = await open(init, init.connections[index]!);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  // Send order interleaves rooms (the parent lists connections room by room) so that consecutive
  // sends land in different rooms, as independent users' messages would.
  const byRoom = new Map<number, BenchConnection[]>();
  init.connections.forEach((spec, i) => {
    const connection = opened[i];
    if (connection === undefined) return;
    const list = byRoom.get(spec.room) ?? [];
    list.push(connection);
    byRoom.set(spec.room, list);
  });
  const lists = [...byRoom.values()];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  connections = [];
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) connections.push(list[i]!);
  reply({ type: 'ready', connected: connections.length, failed, ...(firstError === undefined ? {} : { firstError }) });
}

function rotationTotals(): { rotations: number; staleResends: number } {
  let rotations = 0;
  let staleResends = 0;
  for (const connection of connections) {
    rotations += connection.counts?.rotations ?? 0;
    staleResends += connection.counts?.staleResends ?? 0;
  }
  return { rotations, staleResends };
}

/** The step in progress: what a poll or the bench's finish asks of it. */
let current: { progress: () => void; finish: (drained: boolean) => void } | undefined;

function run(step: GeneratorRun): void {
  const windowStart = step.startAt + step.warmupMs;
  const stopAt = windowStart + step.measureMs;
  recorder.reset(step.runId, windowStart, stopAt);
  let sent = 0;
  let cpuAtWindowStart: NodeJS.CpuUsage | undefined;
  let cpuMs = 0;
  let turn = 0;
  const tick = (): void => {
    const now = nowMs();
    if (cpuAtWindowStart === undefined && now >= windowStart) cpuAtWindowStart = process.cpuUsage();
    if (now >= stopAt) {
      const used = process.cpuUsage(cpuAtWindowStart);
      cpuMs = (used.user + used.system) / 1000;
      reply({ type: 'stopped', runId: step.runId });
      return;
    }
    const due = Math.floor(((now - step.startAt) / 1000) * step.sendsPerSecond);
    const count = Math.min(due - sent, MAX_SENDS_PER_TICK);
    for (let i = 0; i < count && connections.length > 0; i++) {
      connections[turn]!.send(step.runId, now);
      turn = (turn + 1) % connections.length;
    }
    sent += Math.max(0, count);
    setTimeout(tick, 1);
  };
  // The bench polls every generator until the step's deliveries have all come (or drainMs ran out:
  // a backlog that is not clearing), then asks for the result: only it knows how many are owed.
  current = {
    progress: () => reply({ type: 'progress', runId: step.runId, sent, receivedOfRun: recorder.ofRun }),
    finish: (drained: boolean) => {
      const totals = rotationTotals();
      reply({
        type: 'result', runId: step.runId, sent, delivered: recorder.inWindow, late: recorder.late, receivedOfRun: recorder.ofRun, drained,
        rotations: totals.rotations - countsBefore.rotations, staleResends: totals.staleResends - countsBefore.staleResends,
        histogram: recorder.histogram.snapshot(), cpuMs,
        errors: connections.reduce((n, c) => n + c.errors, 0), closed: connections.filter((c) => c.closed).length,
      });
    },
  };
  const countsBefore = rotationTotals();
  setTimeout(tick, Math.max(0, step.startAt - nowMs()));
}

process.on('message', (message: ToGenerator) => {
  switch (message.type) {
    case 'init':
      void connectAll(message);
      break;
    case 'run':
      run(message);
      break;
    case 'poll':
      current?.progress();
      break;
    case 'finish':
      current?.finish(message.drained);
      break;
    case 'stop':
      for (const connection of connections) connection.close();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
