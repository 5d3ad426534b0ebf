// The IPC messages between the bench (parent) and a fan-out load generator process.
import type { HistogramSnapshot } from './latency-histogram.js';
import type { SottoMember } from './clients/sotto-bench-connection.js';

export type SystemName = 'sotto' | 'ws' | 'socketio';

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

export interface GeneratorStop {
  readonly type: 'stop';
}

export type ToGenerator = GeneratorInit | GeneratorRun | GeneratorStop;

export interface GeneratorReady {
  readonly type: 'ready';
  readonly connected: number;
  readonly failed: number;
  readonly firstError?: string;
}

export interface GeneratorResult {
  readonly type: 'result';
  readonly runId: number;
  readonly sent: number;
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

export type FromGenerator = GeneratorReady | GeneratorResult;
