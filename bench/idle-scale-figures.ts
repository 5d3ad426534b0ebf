// The figures of idle-scale.ts (issue 18, item 5: memory against connections to 50,000): the
// servers' summed RSS and the bytes each connection costs, against connections held, for every
// target ramped — each as found and after a full collection in every server process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryRun, MemoryStep } from './idle-memory.js';
import { linePlot, type Series } from './plot.js';

export interface ScaleRun {
  readonly target: string;
  readonly run: MemoryRun;
}

function series(runs: readonly ScaleRun[], y: (step: MemoryStep) => number, afterGc: (step: MemoryStep) => number): Series[] {
  return runs.flatMap(({ target, run }) => [
    { name: target, points: run.steps.map((step) => [step.held, y(step)] as const) },
    { name: `${target}, collected`, points: run.steps.map((step) => [step.held, afterGc(step)] as const) },
  ]);
}

/** Writes the figures into `dir` and returns their file names. */
export function writeScaleFigures(runs: readonly ScaleRun[], dir: string): string[] {
  const figures: [string, string][] = [
    ['memory-scale-rss.svg', linePlot({
      title: 'Server RSS vs idle connections (all processes)', xLabel: 'idle connections', yLabel: 'server RSS, MiB',
      series: series(runs, (step) => step.rssBytes / 2 ** 20, (step) => step.rssAfterGcBytes / 2 ** 20),
    })],
    ['memory-scale-per-connection.svg', linePlot({
      title: 'Memory per idle connection (above rest)', xLabel: 'idle connections', yLabel: 'bytes per connection',
      series: series(runs, (step) => step.bytesPerConnection, (step) => step.bytesPerConnectionAfterGc),
    })],
  ];
  for (const [name, svg] of figures) writeFileSync(join(dir, name), svg);
  return figures.map(([name]) => name);
}
