// The IPC messages between the bench (parent) and a fan-out load generator process.
import type { HistogramSnapshot } from './latency-histogram.js';
import type { SottoMember } from './clients/sotto-bench-connection.js';

/** `ws-coalescing`: bare ws with Sotto's per-tick coalescing (baselines/ws-coalescing-broadcast.ts). */
export type SystemName = 'sotto' | 'ws' | 'ws-coalescing' | 'socketio';

export interface ConnectionSpec {
  readonly room: number;
  /** Set for Sotto: whose key the connection authenticates with, in which room. */
  readonly sotto?: SottoMember;
}

export interface GeneratorInit {
  readonly type: 'init';
  readonly system: SystemName;
  readonly host: string;
  readonly port: number;
  /** Hex; Sotto only. */
  readonly relayPublicKey?: string;
  readonly payloadBytes: number;
  readonly connections: readonly ConnectionSpec[];
}

export interface GeneratorRun {
  readonly type: 'run';
  readonly runId: number;
  /** Messages this generator sends per second (each fans out to the room's other members). */
  readonly sendsPerSecond: number;
  /** nowMs() at which sending starts; the same for every generator. */
  readonly startAt: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Longest wait, after sending stops, for the server's backlog to clear before reporting. */
  readonly drainMs: number;
}

/** Asks for the step's counts so far (answered with GeneratorProgress). */
export interface GeneratorPoll {
  readonly type: 'poll';
}

/** Ends the step: answered with its GeneratorResult. */
export interface GeneratorFinish {
  readonly type: 'finish';
  /** Whether every delivery the step owed came before drainMs ran out. */
  readonly drained: boolean;
}

export interface GeneratorStop {
  readonly type: 'stop';
}

export type ToGenerator = GeneratorInit | GeneratorRun | GeneratorPoll | GeneratorFinish | GeneratorStop;

export interface GeneratorReady {
  readonly type: 'ready';
  readonly connected: number;
  readonly failed: number;
  readonly firstError?: string;
}

export interface GeneratorResult {
  readonly type: 'result';
  readonly runId: number;
  /** Messages this generator sent in the step (each owed to every other member of its room). */
  readonly sent: number;
  /** Deliveries of this step's messages received here, whenever they came (before, in, after the window). */
  readonly receivedOfRun: number;
  /** False when the step's deliveries had not all come when drainMs ran out: a backlog that did not clear. */
  readonly drained: boolean;
  /** Sotto: rotations the owners here made, and sends sent again after crossing one, in this step. */
  readonly rotations: number;
  readonly staleResends: number;
  /** Deliveries received inside the measuring window (of this step or a backlog of earlier ones). */
  readonly delivered: number;
  /** Deliveries of this step received after the window (the backlog an overloaded server built). */
  readonly late: number;
  readonly histogram: HistogramSnapshot;
  /** This process's CPU time (user + system) inside the window. */
  readonly cpuMs: number;
  readonly errors: number;
  readonly closed: number;
}

/** Sending has stopped for the step. */
export interface GeneratorStopped {
  readonly type: 'stopped';
  readonly runId: number;
}

export interface GeneratorProgress {
  readonly type: 'progress';
  readonly runId: number;
  readonly sent: number;
  readonly receivedOfRun: number;
}

export type FromGenerator = GeneratorReady | GeneratorStopped | GeneratorProgress | GeneratorResult;
