// The relay fan-out comparison. Per shape, every system's server is started and connected once;
// then each round runs every system in an order shuffled from the run's seed: the fixed latency
// load, a probe far above any system's capacity (what it delivers there is its capacity), and
// sustained steps at fractions of the capacity that same probe measured. Any refusal, closed
// connection, delivery that never came or backlog that did not clear is a failed case, named, and
// fails the run. Summaries are medians with their min–max over rounds; a ratio between two systems
// is taken within each round (both ran minutes apart at most) and reported the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './bench-options.js';
import { FanoutSession, type FanoutStep } from './fanout-session.js';
import type { SystemName } from './generator-messages.js';
import type { SqliteSynchronous } from './relay-launcher.js';
import { seededRandom, shuffled } from './shuffle.js';
import { buildSottoRooms, type Shape, type SottoRoomPlan } from './sotto-rooms.js';
import { spread, type Spread } from './stats.js';

/** A system as measured: Sotto with the shipped SQLite setting (and NORMAL in the full run's headline). */
export type Variant = 'sotto' | 'sotto-normal' | 'ws-coalescing' | 'ws' | 'socketio';

const VARIANT_SYSTEM: Readonly<Record<Variant, { system: SystemName; synchronous?: SqliteSynchronous }>> = {
  // synchronous=FULL is the relay's default: every acknowledged send has reached the disk.
  'sotto': { system: 'sotto', synchronous: 'FULL' },
  // NORMAL (WAL) survives a process crash but may lose the last commits on power loss.
  'sotto-normal': { system: 'sotto', synchronous: 'NORMAL' },
  'ws-coalescing': { system: 'ws-coalescing' },
  'ws': { system: 'ws' },
  'socketio': { system: 'socketio' },
};

export function variantsFor(shape: Shape, mode: BenchOptions['mode']): Variant[] {
  const base: Variant[] = ['sotto', 'ws-coalescing', 'ws', 'socketio'];
  return mode === 'full' && shape.rooms === 100 && shape.members === 10 ? [...base, 'sotto-normal'] : base;
}

/** One system's work in one round. */
export interface RoundResult {
  readonly round: number;
  readonly latency: FanoutStep;
  readonly probe: FanoutStep;
  readonly sustained: FanoutStep[];
}

export interface SystemSummary {
  readonly system: Variant;
  /** Deliveries/s in the probe's window, over rounds. */
  readonly capacity: Spread;
  readonly p50AtLatencyMs: Spread;
  readonly p99AtLatencyMs: Spread;
  /** Sotto: rotations committed and sends that crossed one, summed over every step of every round. */
  readonly rotations: number;
  readonly staleResends: number;
  readonly messagesSent: number;
  readonly serverRssAfterConnectBytes: number;
  readonly rounds: RoundResult[];
}

export interface ShapeSummary {
  readonly shape: Shape;
  /** The order the systems ran in, per round. */
  readonly orders: Variant[][];
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly systems: SystemSummary[];
}

export interface FanoutRun {
  readonly seed: number;
  readonly shapes: ShapeSummary[];
  /** Every failed case, named: `<shape> round <n> <system> <step>: <what>`. */
  readonly failures: string[];
}

export function shapeName(shape: Shape): string {
  return `${shape.rooms}x${shape.members}`;
}

/** a's figure over b's within each round, as a spread over the rounds both ran. */
export function ratioSpread(shape: ShapeSummary | undefined, a: Variant, b: Variant, pick: (r: RoundResult) => number): Spread {
  const ra = shape?.systems.find((s) => s.system === a)?.rounds ?? [];
  const rb = shape?.systems.find((s) => s.system === b)?.rounds ?? [];
  const ratios: number[] = [];
  for (const round of ra) {
    const other = rb.find((r) => r.round === round.round);
    if (other !== undefined && pick(other) > 0) ratios.push(pick(round) / pick(other));
  }
  return spread(ratios);
}

export const capacityOf = (r: RoundResult): number => r.probe.delivered;
export const p99AtLatencyOf = (r: RoundResult): number => r.latency.p99Ms;

function summarise(system: Variant, rounds: RoundResult[], rssBytes: number): SystemSummary {
  const steps = rounds.flatMap((r) => [r.latency, r.probe, ...r.sustained]);
  return {
    system, rounds, serverRssAfterConnectBytes: rssBytes,
    capacity: spread(rounds.map(capacityOf)),
    p50AtLatencyMs: spread(rounds.map((r) => r.latency.p50Ms)),
    p99AtLatencyMs: spread(rounds.map(p99AtLatencyOf)),
    rotations: steps.reduce((n, s) => n + s.rotations, 0),
    staleResends: steps.reduce((n, s) => n + s.staleResends, 0),
    messagesSent: steps.reduce((n, s) => n + s.sent, 0),
  };
}

/** What is wrong with a step, if anything: each is a failed case. */
function stepFailures(step: FanoutStep, newErrors: number): string[] {
  const failures: string[] = [];
  if (newErrors > 0) failures.push(`${newErrors} requests refused`);
  if (step.closed > 0) failures.push(`${step.closed} connections closed`);
  if (step.receivedDeliveries < step.expectedDeliveries) {
    failures.push(`${step.expectedDeliveries - step.receivedDeliveries} of ${step.expectedDeliveries} deliveries never came`);
  }
  if (!step.drained) failures.push('the backlog did not clear in time');
  return failures;
}

export function uniqueShapes(options: BenchOptions): Shape[] {
  const shapes: Shape[] = [];
  for (const shape of [...options.roomSizeShapes, ...options.roomCountShapes]) {
    if (!shapes.some((s) => s.rooms === shape.rooms && s.members === shape.members)) shapes.push(shape);
  }
  return shapes;
}

export class SottoTemplates {
  readonly #root = mkdtempSync(join(tmpdir(), 'sotto-bench-rooms-'));
  readonly #built = new Map<string, { dir: string; plans: SottoRoomPlan[] }>();

  async get(shape: Shape): Promise<{ dir: string; plans: SottoRoomPlan[] }> {
    const key = shapeName(shape);
    let built = this.#built.get(key);
    if (built === undefined) {
      const dir = join(this.#root, key);
      const started = Date.now();
      const plans = await buildSottoRooms(dir, shape);
      process.stderr.write(`  built Sotto rooms ${key} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      built = { dir, plans };
      this.#built.set(key, built);
    }
    return built;
  }

  dispose(): void {
    rmSync(this.#root, { recursive: true, force: true });
  }
}

export async function runFanoutSuite(options: BenchOptions, templates: SottoTemplates): Promise<FanoutRun> {
  const random = seededRandom(options.seed);
  process.stderr.write(`  seed ${options.seed} (--seed ${options.seed} repeats these orders)\n`);
  const summaries: ShapeSummary[] = [];
  const failures: string[] = [];
  for (const shape of uniqueShapes(options)) {
    const name = shapeName(shape);
    const loadAtStart = loadavg()[0]!;
    const template = await templates.get(shape);
    const variants = variantsFor(shape, options.mode);
    const sessions = new Map<Variant, FanoutSession>();
    const rounds = new Map<Variant, RoundResult[]>(variants.map((v) => [v, []]));
    const errorsSoFar = new Map<Variant, number>(variants.map((v) => [v, 0]));
    const orders: Variant[][] = [];
    try {
      for (const variant of variants) {
        const { system, synchronous } = VARIANT_SYSTEM[variant];
        const session = await FanoutSession.open({
          system, shape, offeredDeliveries: [], generators: options.generators, payloadBytes: options.payloadBytes, timing: options.timing,
          sotto: { templateDir: template.dir, plans: template.plans, synchronous: synchronous ?? options.synchronous },
        });
        sessions.set(variant, session);
        if (session.failed > 0) failures.push(`${name} ${variant} connect: ${session.failed} of ${session.failed + session.connected} connections failed`);
      }
      for (let round = 1; round <= options.rounds; round++) {
        const order = shuffled(variants, random);
        orders.push(order);
        for (const variant of order) {
          const session = sessions.get(variant)!;
          const checked = async (stepName: string, offered: number, drainMs: number): Promise<FanoutStep> => {
            const step = await session.step(offered, { ...options.timing, drainMs });
            const newErrors = step.errors - errorsSoFar.get(variant)!;
            errorsSoFar.set(variant, step.errors);
            for (const failure of stepFailures(step, newErrors)) failures.push(`${name} round ${round} ${variant} ${stepName} (${Math.round(offered)}/s): ${failure}`);
            return step;
          };
          const latency = await checked('latency', options.latencyOffered, options.timing.drainMs);
          const probe = await checked('probe', options.probeOffered, options.probeDrainMs);
          const sustained: FanoutStep[] = [];
          for (const fraction of options.sustainedFractions) {
            sustained.push(await checked(`sustained ${fraction}× capacity`, Math.max(1000, fraction * probe.delivered), options.timing.drainMs));
          }
          rounds.get(variant)!.push({ round, latency, probe, sustained });
          const rotations = [latency, probe, ...sustained].reduce((n, s) => n + s.rotations, 0);
          process.stderr.write(
            `  ${name} round ${round} ${variant}: capacity ${Math.round(probe.delivered)}/s, p99 at ${options.latencyOffered} ${latency.p99Ms.toFixed(2)} ms` +
            `${variant.startsWith('sotto') ? `, ${rotations} rotations` : ''}\n`,
          );
        }
      }
    } finally {
      for (const session of sessions.values()) await session.close();
    }
    summaries.push({
      shape, orders, loadAverage: { start: loadAtStart, end: loadavg()[0]! },
      systems: variants.map((v) => summarise(v, rounds.get(v)!, sessions.get(v)?.serverRssAfterConnectBytes ?? Number.NaN)),
    });
  }
  return { seed: options.seed, shapes: summaries, failures };
}
