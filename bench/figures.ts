// The SVG figures docs/performance.md shows, drawn from one run's results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shapeName, type ShapeSummary } from './fanout-suite.js';
import { stepMedians } from './report.js';
import { linePlot, type Series } from './plot.js';
import type { BenchResults } from './results.js';
import type { Shape } from './sotto-rooms.js';
import { median } from './stats.js';

function sameShape(a: Shape, b: Shape): boolean {
  return a.rooms === b.rooms && a.members === b.members;
}

function growthSeries(fanout: ShapeSummary[], shapes: readonly Shape[], x: (s: Shape) => number, y: (s: ShapeSummary, system: string) => number): Series[] {
  const chosen = shapes.map((shape) => fanout.find((f) => sameShape(f.shape, shape))).filter((f): f is ShapeSummary => f !== undefined);
  const systems = [...new Set(chosen.flatMap((f) => f.systems.map((s) => s.system)))];
  return systems.map((system) => ({
    name: system,
    points: chosen.filter((f) => f.systems.some((s) => s.system === system)).map((f) => [x(f.shape), y(f, system)] as const),
  }));
}

/** Writes the figures into `dir` and returns their file names. */
export function writeFigures(results: BenchResults, dir: string): string[] {
  const written: string[] = [];
  const save = (name: string, svg: string): void => {
    writeFileSync(join(dir, name), svg);
    written.push(name);
  };
  const fanout = results.fanout?.shapes ?? [];
  for (const shape of fanout) {
    const label = shapeName(shape.shape).replace('x', ' × ');
    save(`fanout-${shapeName(shape.shape)}-throughput.svg`, linePlot({
      title: `Delivered vs offered, ${label}`, xLabel: 'offered deliveries/s', yLabel: 'delivered messages/s',
      series: shape.systems.map((s) => ({ name: s.system, points: stepMedians(s).map((step) => [step.offered, step.delivered] as const) })),
    }));
    save(`fanout-${shapeName(shape.shape)}-latency.svg`, linePlot({
      title: `p99 latency vs offered, ${label}`, xLabel: 'offered deliveries/s', yLabel: 'p99 latency, ms (log)', logY: true,
      series: shape.systems.map((s) => ({ name: s.system, points: stepMedians(s).map((step) => [step.offered, step.p99Ms] as const) })),
    }));
  }
  const peak = (f: ShapeSummary, system: string): number => f.systems.find((s) => s.system === system)?.capacity.median ?? Number.NaN;
  const lowestP99 = (f: ShapeSummary, system: string): number => f.systems.find((s) => s.system === system)?.p99AtLatencyMs.median ?? Number.NaN;
  if (fanout.length > 0) {
    const lowest = results.options.latencyOffered;
    save('growth-room-size-throughput.svg', linePlot({
      title: 'Capacity vs room size (1000 connections)', xLabel: 'members per room (log)', yLabel: 'delivered messages/s at the probe', logX: true,
      series: growthSeries(fanout, results.options.roomSizeShapes, (s) => s.members, peak),
    }));
    save('growth-room-size-latency.svg', linePlot({
      title: `p99 at ${lowest} offered/s vs room size`, xLabel: 'members per room (log)', yLabel: 'p99 latency, ms (log)', logX: true, logY: true,
      series: growthSeries(fanout, results.options.roomSizeShapes, (s) => s.members, lowestP99),
    }));
    if (results.options.roomCountShapes.length > 0) save('growth-room-count-throughput.svg', linePlot({
      title: 'Capacity vs room count (10 members each)', xLabel: 'rooms (log)', yLabel: 'delivered messages/s at the probe', logX: true,
      series: growthSeries(fanout, results.options.roomCountShapes, (s) => s.rooms, peak),
    }));
    if (results.options.roomCountShapes.length > 0) save('growth-room-count-latency.svg', linePlot({
      title: `p99 at ${lowest} offered/s vs room count`, xLabel: 'rooms (log)', yLabel: 'p99 latency, ms (log)', logX: true, logY: true,
      series: growthSeries(fanout, results.options.roomCountShapes, (s) => s.rooms, lowestP99),
    }));
  }
  if (results.memory !== undefined) {
    const systems = ['sotto', 'ws'] as const;
    save('memory-idle-connections.svg', linePlot({
      title: 'Server RSS vs idle connections', xLabel: 'idle connections', yLabel: 'server RSS, MiB',
      series: systems.map((system) => {
        const runs = results.memory!.map((round) => round.find((r) => r.system === system)).filter((r) => r !== undefined);
        const counts = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.held)))].sort((a, b) => a - b);
        return {
          name: system,
          points: counts.map((held) => [held, median(runs.flatMap((r) => r.steps.filter((s) => s.held === held).map((s) => s.rssBytes / 2 ** 20)))] as const),
        };
      }),
    }));
  }
  if (results.catchUpGrowth !== undefined) {
    const suites = [...new Set(results.catchUpGrowth.map((p) => p.suite))];
    save('growth-catch-up.svg', linePlot({
      title: 'Node client catch-up vs history length', xLabel: 'messages in the history (log)', yLabel: 'catch-up, ms (log)', logX: true, logY: true,
      series: suites.map((suite) => ({ name: suite, points: results.catchUpGrowth!.filter((p) => p.suite === suite).map((p) => [p.messages, p.medianMs] as const) })),
    }));
  }
  return written;
}
