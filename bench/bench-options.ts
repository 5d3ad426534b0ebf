// The two run sizes (--shapes, --probe-offered, --latency-offered and --memory-steps shrink either for
// harness development). Quick is for checking a change in about 15 minutes; full is the one the
// doc's numbers should come from, on a quiet machine. Both do the same work, full does more of it.
import { parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { sottoDeliveryMessageBytes } from './clients/sotto-bench-connection.js';
import type { Shape } from './sotto-rooms.js';
import type { StepTiming } from './fanout-session.js';

/**
 * `browser` is the client-cost cases in Chromium; `room-open` the web app catching up (minutes);
 * `commit` the store's push and ack times; `keystore` the cost of saving one message against the
 * room's history; `catch-up` a Node client's catch-up against history length; `link` linking a
 * device that brings 10 rooms and their history.
 */
export type Section = 'fanout' | 'commit' | 'memory' | 'client' | 'browser' | 'room-open' | 'keystore' | 'catch-up' | 'link' | 'profile';
export const SECTIONS: readonly Section[] = ['fanout', 'commit', 'memory', 'client', 'browser', 'room-open', 'keystore', 'catch-up', 'link', 'profile'];

export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly sections: readonly Section[];
  /** Rounds per (shape, system); each round runs every system once, in a shuffled order. */
  readonly rounds: number;
  /** Seeds the rounds' orders; printed, so a run's order can be repeated. */
  readonly seed: number;
  readonly generators: number;
  /** Warm-up, window and the longest a sustainable step's backlog may take to clear. */
  readonly timing: StepTiming;
  /** The fixed load the latency goal is judged at, deliveries per second. */
  readonly latencyOffered: number;
  /** The load that finds a system's capacity: above any system's, so what is delivered is its limit. */
  readonly probeOffered: number;
  /** The longest the probe's backlog may take to clear once sending stops. */
  readonly probeDrainMs: number;
  /** Sustained steps, as fractions of the capacity the same round's probe measured. */
  readonly sustainedFractions: readonly number[];
  /** Members per room grows, connections fixed at 1000: 100×10, 10×100, 1×1000. */
  readonly roomSizeShapes: readonly Shape[];
  /** Rooms grow at 10 members each. */
  readonly roomCountShapes: readonly Shape[];
  /** Connection counts the idle-memory ramp stops at. */
  readonly memorySteps: readonly number[];
  readonly memoryRounds: number;
  /** Client-cost repetitions per suite (suites alternate). */
  readonly clientRounds: number;
  readonly clientOps: number;
  /** Messages saved (and timed) per history size in the keystore section. */
  readonly keystoreSaves: number;
  /** History lengths the catch-up section opens, and its rounds. */
  readonly catchUpLengths: readonly number[];
  readonly catchUpRounds: number;
  readonly profileOffered: number;
  readonly profileMeasureMs: number;
  readonly outDir: string;
  /** Bytes per delivered WebSocket message: Sotto's sealed deliver message, which the baselines copy. */
  readonly payloadBytes: number;
  /** Also the SQLite setting the relay's room setup and memory runs use. */
  readonly synchronous: 'NORMAL' | 'FULL';
}

const ROOM_SIZE_SHAPES: readonly Shape[] = [{ rooms: 100, members: 10 }, { rooms: 10, members: 100 }, { rooms: 1, members: 1000 }];

const OPTIONS = {
  quick: { type: 'boolean' },
  only: { type: 'string' },
  rounds: { type: 'string' },
  seed: { type: 'string' },
  generators: { type: 'string' },
  shapes: { type: 'string' },
  'room-count-shapes': { type: 'string' },
  'probe-offered': { type: 'string' },
  'latency-offered': { type: 'string' },
  'memory-steps': { type: 'string' },
  'profile-offered': { type: 'string' },
  'sqlite-synchronous': { type: 'string' },
  out: { type: 'string' },
} as const;

/** A comma-separated list of positive whole numbers, or undefined when the flag is absent. */
function counts(flag: string, text: string | undefined): number[] | undefined {
  const values = text?.split(',').map(Number);
  if (values?.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new UsageError(`--${flag} takes positive whole numbers separated by commas, got "${text}"`);
  return values;
}

/** ROOMSxMEMBERS,… or undefined when the flag is absent. */
function shapeList(flag: string, text: string | undefined): Shape[] | undefined {
  return text?.split(',').map((item) => {
    const [rooms, members] = item.split('x').map(Number);
    if (!Number.isInteger(rooms) || !Number.isInteger(members) || rooms! < 1 || members! < 2) throw new UsageError(`--${flag}: "${item}" is not ROOMSxMEMBERS`);
    return { rooms: rooms!, members: members! };
  });
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const quick = values.quick === true;
  const only = values.only?.split(',') as Section[] | undefined;
  for (const section of only ?? []) if (!SECTIONS.includes(section)) throw new UsageError(`--only: unknown section ${section} (${SECTIONS.join(', ')})`);
  const synchronous = values['sqlite-synchronous'] ?? 'FULL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') throw new UsageError(`--sqlite-synchronous takes NORMAL or FULL, got "${synchronous}"`);
  const base = quick
    ? {
      mode: 'quick' as const, rounds: 5, timing: { warmupMs: 300, measureMs: 1000, drainMs: 5000 },
      probeOffered: 240_000, probeDrainMs: 30_000, sustainedFractions: [0.75],
      // Room count grows only in the full run: five rounds of four systems over three shapes fill quick's time.
      roomCountShapes: [],
      memorySteps: [1000, 2000, 5000], memoryRounds: 1, clientRounds: 1, clientOps: 200, keystoreSaves: 10, profileOffered: 40_000, profileMeasureMs: 4000,
      catchUpLengths: [1000, 10_000, 100_000], catchUpRounds: 1,
    }
    : {
      mode: 'full' as const, rounds: 7, timing: { warmupMs: 2000, measureMs: 5000, drainMs: 10_000 },
      probeOffered: 320_000, probeDrainMs: 60_000, sustainedFractions: [0.25, 0.5, 0.75, 0.9],
      roomCountShapes: [{ rooms: 1, members: 10 }, { rooms: 10, members: 10 }, { rooms: 100, members: 10 }, { rooms: 1000, members: 10 }],
      memorySteps: [1000, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 50_000], memoryRounds: 2, clientRounds: 5, clientOps: 1000, keystoreSaves: 30,
      catchUpLengths: [1000, 3000, 10_000, 30_000, 100_000], catchUpRounds: 3,
      profileOffered: 40_000, profileMeasureMs: 15_000,
    };
  // Overrides for developing the harness itself with tiny runs.
  const shapes = shapeList('shapes', values.shapes);
  const roomCountShapes = shapeList('room-count-shapes', values['room-count-shapes']);
  const [probeOffered] = counts('probe-offered', values['probe-offered']) ?? [];
  const [latencyOffered] = counts('latency-offered', values['latency-offered']) ?? [];
  const [seed] = counts('seed', values.seed) ?? [];
  const memorySteps = counts('memory-steps', values['memory-steps']);
  const [profileOffered] = counts('profile-offered', values['profile-offered']) ?? [];
  const [rounds] = counts('rounds', values.rounds) ?? [];
  const [generators] = counts('generators', values.generators) ?? [];
  return {
    ...base,
    ...(rounds === undefined ? {} : { rounds }),
    sections: only ?? SECTIONS,
    generators: generators ?? 2,
    roomSizeShapes: shapes ?? ROOM_SIZE_SHAPES,
    // Room count's growth in a quick run (the full run's list, or any): the figure needs a quiet hour, not the whole full run.
    ...(roomCountShapes !== undefined ? { roomCountShapes } : shapes === undefined ? {} : { roomCountShapes: [] }),
    seed: seed ?? Math.floor(Math.random() * 2 ** 31),
    latencyOffered: latencyOffered ?? 12_000,
    ...(probeOffered === undefined ? {} : { probeOffered }),
    ...(memorySteps === undefined ? {} : { memorySteps }),
    ...(profileOffered === undefined ? {} : { profileOffered }),
    outDir: values.out ?? 'docs/perf',
    payloadBytes: sottoDeliveryMessageBytes(),
    synchronous,
  };
}
