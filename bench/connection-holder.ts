// A process that opens idle connections and keeps them (started by the idle-memory bench with
// child_process.fork). Several run side by side: one process can hold only as many sockets as its
// file-descriptor limit allows, and one source address only ~28k ephemeral ports — far fewer after
// an earlier ramp, whose closed connections hold theirs in TIME_WAIT for a minute, and bind() will
// not reuse those — so each ramp gets a loopback net of its own (127.N.0.0/16, N per ramp) and
// connection i goes out from 127.N.0.(2 + ⌊i / 5000⌋).
//
// While the connections are held, the ramp asks a few of them to send (`sample`) and every holder to
// count what its connections were delivered of that run (`count`): idle sessions must still be live
// ones, with pushes reaching them across every relay process that holds some of them.
import { nowMs } from './clock.js';import { fromHex } from '../protocol/bytes.js';
import type { BenchConnection, DeliverySink } from './clients/bench-connection.js';
import type { SottoMember } from './clients/sotto-bench-connection.js';
import { SottoBenchConnection } from './clients/sotto-bench-connection.js';
import { WsBenchConnection } from './clients/ws-bench-connection.js';

export interface HolderInit {
  readonly type: 'init';
  readonly system: 'sotto' | 'ws';
  /** Connection i goes to ports[i % length] (one port, or each relay process of a cluster in turn). */
  readonly ports: readonly number[];
  readonly relayPublicKey?: string;
  /** Cycled through: connection i authenticates as members[i % length]. */
  readonly members: readonly SottoMember[];
  /** This holder's global index of its first connection (for the source address). */
  readonly firstIndex: number;
  /** N of the ramp's source net 127.N.0.0/16, 1–254. */
  readonly sourceNet: number;
}

export interface HolderOpen {
  readonly type: 'open';
  /** Total connections this holder should hold once done. */
  readonly total: number;
}

/** This holder's connections at `senders` (its own indices) each send one message of run `runId`. */
export interface HolderSample {
  readonly type: 'sample';
  readonly runId: number;
  readonly senders: readonly number[];
}

/** Answer with what this holder's connections were delivered of run `runId` (HolderCounted). */
export interface HolderCount {
  readonly type: 'count';
  readonly runId: number;
}

export type ToHolder = HolderInit | HolderOpen | HolderSample | HolderCount | { readonly type: 'stop' };

export interface HolderCounted {
  readonly type: 'counted';
  readonly delivered: number;
  /** Longest send-to-delivery time among them, ms. */
  readonly maxLatencyMs: number;
  /** Refusals the relay sent this holder's connections so far. */
  readonly errors: number;
}

export interface HolderOpened {
  readonly type: 'opened';
  readonly open: number;
  readonly failed: number;
  readonly firstError?: string;
}

const CONCURRENCY = 64;
/** The ws baseline's connection i joins room i % WS_ROOMS (the ramp computes who should hear a send the same way). */
export const WS_ROOMS = 100;
const PER_SOURCE_ADDRESS = 5000;
/** Deliveries per run id, and the slowest of each. */
const runs = new Map<number, { delivered: number; maxLatencyMs: number }>();
const counting: DeliverySink = {
  delivered(runId, sentAt) {
    const run = runs.get(runId) ?? { delivered: 0, maxLatencyMs: 0 };
    run.delivered++;
    run.maxLatencyMs = Math.max(run.maxLatencyMs, nowMs() - sentAt);
    runs.set(runId, run);
  },
};

let init: HolderInit | undefined;
const held: BenchConnection[] = [];

function sourceAddress(net: number, index: number): string {
  return `127.${net}.0.${2 + Math.floor(index / PER_SOURCE_ADDRESS)}`;
}

async function openOne(index: number): Promise<BenchConnection> {
  const setup = init!;
  const global = setup.firstIndex + index;
  const localAddress = sourceAddress(setup.sourceNet, global);
  const port = setup.ports[global % setup.ports.length]!;
  if (setup.system === 'ws') return WsBenchConnection.open('127.0.0.1', port, global % WS_ROOMS, 64, counting, localAddress);
  const member = setup.members[global % setup.members.length]!;
  return SottoBenchConnection.open('127.0.0.1', port, fromHex(setup.relayPublicKey!), member, counting, localAddress);
}

async function openUpTo(total: number): Promise<void> {
  let failed = 0;
  let firstError: string | undefined;
  let next = held.length;
  const worker = async (): Promise<void> => {
    while (next < total && failed === 0) {
      const index = next++;
      try {
        held.push(await openOne(index));
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const reply: HolderOpened = {
    type: 'opened', open: held.filter((c) => !c.closed).length, failed, ...(firstError === undefined ? {} : { firstError }),
  };
  process.send!(reply);
}

process.on('message', (message: ToHolder) => {
  if (message.type === 'init') init = message;
  else if (message.type === 'open') void openUpTo(message.total);
  else if (message.type === 'sample') {
    const sentAt = nowMs();
    for (const index of message.senders) held[index]?.send(message.runId, sentAt);
  } else if (message.type === 'count') {
    const run = runs.get(message.runId) ?? { delivered: 0, maxLatencyMs: 0 };
    const reply: HolderCounted = { type: 'counted', ...run, errors: held.reduce((n, c) => n + c.errors, 0) };
    process.send!(reply);
  } else {
    for (const connection of held) connection.close();
    setTimeout(() => process.exit(0), 500);
  }
});
