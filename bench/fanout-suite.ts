// The relay fan-out comparison: every shape, every system, rounds alternating between systems so a
// slow patch on the machine lands on all of them, then medians per offered load and per peak.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './bench-options.js';
import { runFanoutSession, type FanoutSessionResult } from './fanout-session.js';
import type { SystemName } from './generator-messages.js';
import type { SqliteSynchronous } from './relay-launcher.js';
import { buildSottoRooms, type Shape, type SottoRoomPlan } from './sotto-rooms.js';
import { median } from './stats.js';

/** A system as measured: Sotto twice, with the shipped SQLite setting and with NORMAL. */
export type Variant = 'sotto' | 'sotto-normal' | 'ws' | 'socketio';

const VARIANT_SYSTEM: Readonly<Record<Variant, { system: SystemName; synchronous?: SqliteSynchronous }>> = {
  // synchronous=FULL is the relay's default: every acknowledged send has reached the disk.
  'sotto': { system: 'sotto', synchronous: 'FULL' },
  // NORMAL (WAL) survives a process crash but may lose the last commits on power loss.
  'sotto-normal': { system: 'sotto', synchronous: 'NORMAL' },
  'ws': { system: 'ws' },
  'socketio': { system: 'socketio' },
};

/** Every shape compares the three systems; the headline shape adds Sotto with NORMAL. */
export function variantsFor(shape: Shape): Variant[] {
  return shape.rooms === 100 && shape.members === 10 ? ['sotto', 'sotto-normal', 'ws', 'socketio'] : ['sotto', 'ws', 'socketio'];
}

export interface StepSummary {
  readonly offered: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuPercent: number;
  readonly serverWaitPercent: number;
  readonly generatorCpuPercent: number;
  readonly late: number;
  readonly errors: number;
}

export interface SystemSummary {
  readonly system: Variant;
  readonly steps: StepSummary[];
  /** Median over rounds of each round's highest delivered rate. */
  readonly peakDelivered: number;
  readonly serverRssAfterConnectBytes: number;
  readonly rounds: FanoutSessionResult[];
}

export interface ShapeSummary {
  readonly shape: Shape;
  readonly systems: SystemSummary[];
}

export function shapeName(shape: Shape): string {
  return `${shape.rooms}x${shape.members}`;
}

function summarise(system: Variant, rounds: FanoutSessionResult[], offered: readonly number[]): SystemSummary {
  const at = (pick: (r: FanoutSessionResult) => number): number => median(rounds.map(pick));
  const steps = offered.map((load, i) => ({
    offered: load,
    delivered: at((r) => r.steps[i]!.delivered),
    p50Ms: at((r) => r.steps[i]!.p50Ms),
    p99Ms: at((r) => r.steps[i]!.p99Ms),
    serverCpuPercent: at((r) => r.steps[i]!.serverCpuPercent),
    serverWaitPercent: at((r) => r.steps[i]!.serverWaitPercent),
    generatorCpuPercent: at((r) => r.steps[i]!.generatorCpuPercent.reduce((a, b) => a + b, 0)),
    late: at((r) => r.steps[i]!.late),
    errors: at((r) => r.steps[i]!.errors),
  }));
  return {
    system, steps, rounds,
    peakDelivered: median(rounds.map((r) => Math.max(...r.steps.map((s) => s.delivered)))),
    serverRssAfterConnectBytes: median(rounds.map((r) => r.serverRssAfterConnectBytes)),
  };
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

export async function runFanoutSuite(options: BenchOptions, templates: SottoTemplates): Promise<ShapeSummary[]> {
  const summaries: ShapeSummary[] = [];
  for (const shape of uniqueShapes(options)) {
    const template = await templates.get(shape);
    const variants = variantsFor(shape);
    const rounds = new Map<Variant, FanoutSessionResult[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of variants) {
        const { system, synchronous } = VARIANT_SYSTEM[variant];
        const result = await runFanoutSession({
          system, shape, offeredDeliveries: options.offered, generators: options.generators, payloadBytes: options.payloadBytes,
          timing: options.timing, sotto: { templateDir: template.dir, plans: template.plans, synchronous: synchronous ?? options.synchronous },
        });
        rounds.get(variant)!.push(result);
        const peak = Math.max(...result.steps.map((s) => s.delivered));
        const cpu = Math.max(...result.steps.map((s) => s.serverCpuPercent));
        process.stderr.write(`  ${shapeName(shape)} round ${round + 1} ${variant}: peak ${Math.round(peak)} deliveries/s, server CPU up to ${Math.round(cpu)}%\n`);
      }
    }
    summaries.push({ shape, systems: variants.map((v) => summarise(v, rounds.get(v)!, options.offered)) });
  }
  return summaries;
}
