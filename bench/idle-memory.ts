// Memory per idle connection and the most connections held: a ramp of idle connections (Sotto:
// handshake + auth into a room; ws: connected to a room) with the server's RSS read at each step.
// RSS includes garbage not yet collected, so the per-connection figure is what an operator would
// provision, not the live heap; it moves with when each process last collected. So each step is
// read twice: as found, then after a full collection in every server process (through its
// inspector, inspect-process.ts: the same for Sotto and the baselines), which is what the sessions
// themselves hold and what a quiet process comes back to. The server may be several processes (a relay's workers, relay
// processes on PostgreSQL + Redis, a ws cluster): their RSS is summed. At each step a few Sotto
// connections in different rooms send one message, and every other session of those rooms must
// have it delivered, whichever process holds it: the sessions held are live ones.
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../protocol/bytes.js';
import type { HolderCounted, HolderOpened, ToHolder } from './connection-holder.js';
import type { SottoMember } from './clients/sotto-bench-connection.js';
import { distPath } from './dist-paths.js';
import { collectGarbage } from './inspect-process.js';
import { rssBytes, treePids } from './process-stats.js';
import { startRelayProcess, type SqliteSynchronous } from './relay-launcher.js';
import { startServerProcess } from './server-process.js';
import type { SottoRoomPlan } from './sotto-rooms.js';

/** One sampled round of sends during the hold. */
export interface DeliverySample {
  readonly sent: number;
  /** Sessions of the senders' rooms other than the senders' own. */
  readonly expected: number;
  readonly delivered: number;
  readonly maxLatencyMs: number;
  /** Refusals the relay sent any held connection so far. */
  readonly errors: number;
}

export interface MemoryStep {
  readonly target: number;
  readonly held: number;
  readonly rssBytes: number;
  /** (RSS − RSS before any connection) / held. */
  readonly bytesPerConnection: number;
  /** RSS right after a full collection in every server process. */
  readonly rssAfterGcBytes: number;
  /** (RSS after a collection − the same at rest) / held. */
  readonly bytesPerConnectionAfterGc: number;
  readonly openSeconds: number;
  readonly sample?: DeliverySample;
}

export interface MemoryRun {
  readonly system: 'sotto' | 'ws';
  readonly baseRssBytes: number;
  readonly baseRssAfterGcBytes: number;
  readonly steps: MemoryStep[];
  /** The largest count held with no failure. */
  readonly mostHeld: number;
  readonly stoppedBecause?: string;
}

/** What the ramp holds connections to. */
export interface IdleTarget {
  readonly system: 'sotto' | 'ws';
  /** Connection i goes to ports[i % length]. */
  readonly ports: readonly number[];
  readonly relayPublicKey?: string;
  /** The server side's processes, whose resident memory is summed. */
  pids(): number[];
  stop(): Promise<void>;
}

/** Under the usual 20k file-descriptor hard limit, with room for the process's other files. */
const PER_HOLDER = 15_000;
const SETTLE_MS = 1500;
/** Sotto connections that send at each step, each in a room of its own. */
const SAMPLE_SENDERS = 10;
const SAMPLE_TIMEOUT_MS = 30_000;

function reply<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => reject(new Error(`holder exited (${code})`));
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function rssOf(target: IdleTarget): number {
  return target.pids().reduce((total, pid) => total + rssBytes(pid), 0);
}

/** The target's RSS once every one of its processes has collected its garbage, one after another. */
async function rssAfterGc(target: IdleTarget): Promise<number> {
  for (const pid of target.pids()) await collectGarbage(pid);
  return rssOf(target);
}

/** Global indices of the sampling senders: distinct members of distinct rooms (10-member rooms), all in the first holder. */
function senderIndices(members: readonly SottoMember[]): number[] {
  return Array.from({ length: Math.min(SAMPLE_SENDERS, Math.floor(members.length / 11)) }, (_, i) => i * 11);
}

/** Sessions held in each sender's room, less the sender's own, summed. */
function expectedDeliveries(members: readonly SottoMember[], held: number, senders: readonly number[]): number {
  const perRoom = new Map<string, number>();
  for (let m = 0; m < Math.min(members.length, held); m++) {
    const sessions = Math.floor((held - 1 - m) / members.length) + 1;
    perRoom.set(members[m]!.roomId, (perRoom.get(members[m]!.roomId) ?? 0) + sessions);
  }
  return senders.reduce((n, g) => n + perRoom.get(members[g % members.length]!.roomId)! - 1, 0);
}

async function sample(holders: readonly ChildProcess[], members: readonly SottoMember[], held: number, runId: number): Promise<DeliverySample> {
  const senders = senderIndices(members);
  const expected = expectedDeliveries(members, held, senders);
  holders[0]!.send({ type: 'sample', runId, senders } satisfies ToHolder);
  const giveUpAt = Date.now() + SAMPLE_TIMEOUT_MS;
  for (;;) {
    await sleep(500);
    const counts = await Promise.all(holders.map((child) => {
      const counted = reply<HolderCounted>(child);
      child.send({ type: 'count', runId } satisfies ToHolder);
      return counted;
    }));
    const delivered = counts.reduce((n, c) => n + c.delivered, 0);
    if (delivered >= expected || Date.now() > giveUpAt) {
      return {
        sent: senders.length, expected, delivered, maxLatencyMs: Math.max(...counts.map((c) => c.maxLatencyMs)),
        errors: counts.reduce((n, c) => n + c.errors, 0),
      };
    }
  }
}

/** Ramps idle connections to `target` through `steps`; stops the target when done. */
export async function rampIdle(target: IdleTarget, steps: readonly number[], members: readonly SottoMember[]): Promise<MemoryRun> {
  const { system } = target;
  const holders: ChildProcess[] = [];
  const result: MemoryStep[] = [];
  let mostHeld = 0;
  let stoppedBecause: string | undefined;
  // A net no recent ramp used, so none of its ports sit in TIME_WAIT (connection-holder.ts).
  const sourceNet = 1 + Math.floor(Math.random() * 254);
  try {
    await sleep(SETTLE_MS);
    const baseRssBytes = rssOf(target);
    const baseRssAfterGcBytes = await rssAfterGc(target);
    for (const [step, count] of steps.entries()) {
      while (holders.length * PER_HOLDER < count) {
        const child = fork(distPath('./connection-holder.js'), [], { execArgv: [] });
        const init: ToHolder = {
          type: 'init', system, ports: target.ports, members, firstIndex: holders.length * PER_HOLDER, sourceNet,
          ...(target.relayPublicKey === undefined ? {} : { relayPublicKey: target.relayPublicKey }),
        };
        child.send(init);
        holders.push(child);
      }
      const started = Date.now();
      const answers = await Promise.all(holders.map((child, h) => {
        const opened = reply<HolderOpened>(child);
        const open: ToHolder = { type: 'open', total: Math.max(0, Math.min(PER_HOLDER, count - h * PER_HOLDER)) };
        child.send(open);
        return opened;
      }));
      const openSeconds = (Date.now() - started) / 1000;
      await sleep(SETTLE_MS);
      const held = answers.reduce((n, a) => n + a.open, 0);
      const failed = answers.reduce((n, a) => n + a.failed, 0);
      const rss = rssOf(target);
      const rssCollected = await rssAfterGc(target);
      const delivery = system === 'sotto' && held === count ? await sample(holders, members, held, step + 1) : undefined;
      result.push({
        target: count, held, rssBytes: rss, bytesPerConnection: held > 0 ? (rss - baseRssBytes) / held : Number.NaN,
        rssAfterGcBytes: rssCollected, bytesPerConnectionAfterGc: held > 0 ? (rssCollected - baseRssAfterGcBytes) / held : Number.NaN, openSeconds,
        ...(delivery === undefined ? {} : { sample: delivery }),
      });
      const sampled = delivery === undefined ? '' : `, sample ${delivery.delivered}/${delivery.expected} delivered (max ${delivery.maxLatencyMs.toFixed(0)} ms)`;
      process.stderr.write(`  memory ${system}: ${held} held, RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${(rssCollected / 2 ** 20).toFixed(0)} after a collection)${sampled}\n`);
      if (failed > 0 || held < count) {
        stoppedBecause = answers.find((a) => a.firstError !== undefined)?.firstError ?? `${count - held} connections dropped`;
        break;
      }
      if (delivery !== undefined && (delivery.delivered < delivery.expected || delivery.errors > 0)) {
        stoppedBecause = `sampled sends: ${delivery.delivered} of ${delivery.expected} delivered, ${delivery.errors} refusals`;
        break;
      }
      mostHeld = held;
    }
    return { system, baseRssBytes, baseRssAfterGcBytes, steps: result, mostHeld, ...(stoppedBecause === undefined ? {} : { stoppedBecause }) };
  } finally {
    await Promise.all(holders.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send({ type: 'stop' } satisfies ToHolder);
    })));
    await target.stop();
  }
}

/** One relay process on a copy of the template rooms, or the one-process bare ws baseline. */
export async function runIdleMemory(
  system: 'sotto' | 'ws', steps: readonly number[], sotto: { templateDir: string; plans: readonly SottoRoomPlan[]; synchronous: SqliteSynchronous },
): Promise<MemoryRun> {
  const members = membersOf(sotto.plans);
  if (system === 'ws') {
    const server = await startServerProcess('ws-broadcast', [distPath('./baselines/ws-broadcast.js')]);
    return rampIdle({ system, ports: [server.port], pids: () => treePids(server.pid), stop: () => server.stop() }, steps, members);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-memory-'));
  cpSync(sotto.templateDir, dataDir, { recursive: true });
  const relay = await startRelayProcess({ dataDir, synchronous: sotto.synchronous });
  return rampIdle({
    system, ports: [relay.port], relayPublicKey: toHex(relay.publicKey), pids: () => treePids(relay.pid),
    async stop() {
      await relay.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  }, steps, members);
}

/** Every member of every room, room by room: connection i authenticates as the (i mod length)th. */
export function membersOf(plans: readonly SottoRoomPlan[]): SottoMember[] {
  return plans.flatMap((plan) => plan.memberSeeds.map((seed) => ({ roomId: plan.roomId, seed, epoch: plan.epoch })));
}
