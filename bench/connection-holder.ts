// A process that opens idle connections and keeps them (started by the idle-memory bench with
// child_process.fork). Several run side by side: one process can hold only as many sockets as its
// file-descriptor limit allows, and one source address only ~28k ephemeral ports — far fewer after
// an earlier ramp, whose closed connections hold theirs in TIME_WAIT for a minute, and bind() will
// not reuse those — so each ramp gets a loopback net of its own (127.N.0.0/16, N per ramp) and
// connection i goes out from 127.N.0.(2 + ⌊i / 5000⌋).
import { fromHex } from '../protocol/bytes.js';
import type { BenchConnection, DeliverySink } from './clients/bench-connection.js';
import type { SottoMember } from './clients/sotto-bench-connection.js';
import { SottoBenchConnection } from './clients/sotto-bench-connection.js';
import { WsBenchConnection } from './clients/ws-bench-connection.js';

export interface HolderInit {
  readonly type: 'init';
  readonly system: 'sotto' | 'ws';
  readonly port: number;
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

export type ToHolder = HolderInit | HolderOpen | { readonly type: 'stop' };

export interface HolderOpened {
  readonly type: 'opened';
  readonly open: number;
  readonly failed: number;
  readonly firstError?: string;
}

const CONCURRENCY = 64;
const PER_SOURCE_ADDRESS = 5000;
const ignore: DeliverySink = { delivered: () => undefined };

let init: HolderInit | undefined;
const held: BenchConnection[] = [];

function sourceAddress(net: number, index: number): string {
  return `127.${net}.0.${2 + Math.floor(index / PER_SOURCE_ADDRESS)}`;
}

async function openOne(index: number): Promise<BenchConnection> {
  const setup = init!;
  const localAddress = sourceAddress(setup.sourceNet, setup.firstIndex + index);
  if (setup.system === 'ws') return WsBenchConnection.open('127.0.0.1', setup.port, index % 100, 64, ignore, localAddress);
  const member = setup.members[(setup.firstIndex + index) % setup.members.length]!;
  return SottoBenchConnection.open('127.0.0.1', setup.port, fromHex(setup.relayPublicKey!), member, ignore, localAddress);
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
  else {
    for (const connection of held) connection.close();
    setTimeout(() => process.exit(0), 500);
  }
});
