// The two run sizes (--shapes, --offered and --memory-steps shrink either for harness development). Quick is for checking a change in a few minutes; full is the one the doc's
// numbers should come from, on a quiet machine. Both do the same work, full does more of it.
import { parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { sottoDeliveryMessageBytes } from './clients/sotto-bench-connection.js';
import type { Shape } from './sotto-rooms.js';
import type { StepTiming } from './fanout-session.js';

/**
 * `browser` is the client-cost cases in Chromium; `room-open` the web app catching up (minutes);
 * `keystore` the cost of saving one message against the room's history.
 */
export type Section = 'fanout' | 'memory' | 'client' | 'browser' | 'room-open' | 'keystore' | 'profile';
export const SECTIONS: readonly Section[] = ['fanout', 'memory', 'client', 'browser', 'room-open', 'keystore', 'profile'];

export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly sections: readonly Section[];
  /** Alternating rounds per (shape, system): A B C A B C ... */
  readonly rounds: number;
  readonly generators: number;
  readonly timing: StepTiming;
  /** Offered loads, deliveries per second. */
  readonly offered: readonly number[];
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
  generators: { type: 'string' },
  shapes: { type: 'string' },
  offered: { type: 'string' },
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
      mode: 'quick' as const, rounds: 2, timing: { warmupMs: 500, measureMs: 1500, drainMs: 3000 },
      offered: [12_000, 60_000, 180_000],
      roomCountShapes: [{ rooms: 1, members: 10 }, { rooms: 10, members: 10 }, { rooms: 100, members: 10 }],
      memorySteps: [1000, 2000, 5000], memoryRounds: 1, clientRounds: 1, clientOps: 200, keystoreSaves: 10, profileOffered: 40_000, profileMeasureMs: 4000,
    }
    : {
      mode: 'full' as const, rounds: 5, timing: { warmupMs: 2000, measureMs: 5000, drainMs: 10_000 },
      offered: [12_000, 20_000, 40_000, 60_000, 80_000, 120_000, 160_000, 240_000],
      roomCountShapes: [{ rooms: 1, members: 10 }, { rooms: 10, members: 10 }, { rooms: 100, members: 10 }, { rooms: 1000, members: 10 }],
      memorySteps: [1000, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 50_000], memoryRounds: 2, clientRounds: 5, clientOps: 1000, keystoreSaves: 30,
      profileOffered: 40_000, profileMeasureMs: 15_000,
    };
  // Overrides for developing the harness itself with tiny runs.
  const shapes = values.shapes?.split(',').map((text) => {
    const [rooms, members] = text.split('x').map(Number);
    if (!Number.isInteger(rooms) || !Number.isInteger(members) || members! < 2) throw new UsageError(`--shapes: "${text}" is not ROOMSxMEMBERS`);
    return { rooms: rooms!, members: members! };
  });
  const offered = counts('offered', values.offered);
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
    ...(shapes === undefined ? {} : { roomCountShapes: [] }),
    ...(offered === undefined ? {} : { offered }),
    ...(memorySteps === undefined ? {} : { memorySteps }),
    ...(profileOffered === undefined ? {} : { profileOffered }),
    outDir: values.out ?? 'docs/perf',
    payloadBytes: sottoDeliveryMessageBytes(),
    synchronous,
  };
}
