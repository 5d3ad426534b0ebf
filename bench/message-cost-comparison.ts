// node dist/bench/message-cost-comparison.js <other build> [--rounds n] [--ops n]
// The per-message send and receive cost of this build next to another build of Sotto (issue 14:
// "within 10 % of today's"), in one process and one run. Each round runs messageCosts of both builds
// with both suites, the suites and the builds in a shuffled order, and the ratio is taken within the
// round, so a machine busier in one round than the next moves both sides of that round's ratio.
// <other build> is a directory holding that commit's `tsc` output in dist/ (its
// bench/client-cost-cases.ts must export messageCosts and its bench/client-costs.ts SUITES, as since
// issue 7). Progress goes to stderr; the last stdout line is JSON.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCommandLine } from '../protocol/platform/command-line.js';
import type { Suite } from '../protocol/crypto/suite.js';
import * as thisCases from './client-cost-cases.js';
import * as thisCosts from './client-costs.js';
import { machineInfo } from './machine.js';
import { median, sig3 } from './stats.js';
import { shuffled } from './shuffle.js';

/** What is used of a build: the same two exports in this build and the other. */
interface Build {
  readonly label: string;
  readonly messageCosts: typeof thisCases.messageCosts;
  readonly suites: readonly Suite[];
}

interface Sample {
  readonly round: number;
  readonly build: string;
  readonly suite: string;
  readonly name: string;
  readonly ms: number;
}

async function loadBuild(dir: string): Promise<Build> {
  const module = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(dir, 'dist', path)).href)) as T;
  const cases = await module<Pick<typeof thisCases, 'messageCosts'>>('bench/client-cost-cases.js');
  const costs = await module<Pick<typeof thisCosts, 'SUITES'>>('bench/client-costs.js');
  return { label: resolve(dir), messageCosts: cases.messageCosts, suites: costs.SUITES };
}

/** Linear interpolation between the closest ranks of sorted `values`. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.ceil(at)]! - sorted[low]!) * (at - low);
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    rounds: { type: 'string', default: '10' }, ops: { type: 'string', default: '500' },
  });
  const rounds = Number(values.rounds);
  const ops = Number(values.ops);
  if (positionals.length !== 1 || !Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(ops) || ops < 1) {
    throw new Error('usage: node dist/bench/message-cost-comparison.js <other build dir> [--rounds n] [--ops n]');
  }
  const builds: Build[] = [
    { label: 'this', messageCosts: thisCases.messageCosts, suites: thisCosts.SUITES },
    { ...(await loadBuild(positionals[0]!)), label: 'other' },
  ];
  const machine = machineInfo();
  process.stderr.write(`message costs, this build vs ${resolve(positionals[0]!)}: ${rounds} rounds × ${ops} messages; load ${machine.loadAverageAtStart[0]!.toFixed(2)}\n`);
  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    // The two builds of one suite run back to back (in a random order), so the pair a ratio is
    // taken from is seconds apart, not a whole round.
    const order: string[] = [];
    for (const suiteName of shuffled(thisCosts.SUITES.map((s) => s.name))) {
      for (const build of shuffled(builds)) {
        const suite = build.suites.find((s) => s.name === suiteName);
        if (suite === undefined) throw new Error(`${build.label} build has no ${suiteName} suite`);
        order.push(`${build.label}/${suiteName}`);
        for (const result of await build.messageCosts(suite, ops)) samples.push({ round, build: build.label, suite: suiteName, name: result.name, ms: result.ms });
      }
    }
    process.stderr.write(`  round ${round + 1}: ${order.join(', ')}\n`);
  }
  // Per (case, suite): each round's this / other, then the median, quartiles and range of those ratios.
  const keys = [...new Set(samples.map((s) => `${s.name}|${s.suite}`))];
  const rows = keys.map((key) => {
    const [name, suite] = key.split('|') as [string, string];
    const of = (build: string): Sample[] => samples.filter((s) => s.name === name && s.suite === suite && s.build === build);
    const ratios = [...Array(rounds).keys()].map((round) => {
      const pick = (build: string): number => of(build).find((s) => s.round === round)?.ms ?? Number.NaN;
      return pick('this') / pick('other');
    }).sort((a, b) => a - b);
    return {
      case: name, suite, this_ms: sig3(median(of('this').map((s) => s.ms))), other_ms: sig3(median(of('other').map((s) => s.ms))),
      ratio_median: sig3(median(ratios)), ratio_quartiles: [sig3(quantile(ratios, 0.25)), sig3(quantile(ratios, 0.75))],
      ratio_min: sig3(ratios[0]!), ratio_max: sig3(ratios[ratios.length - 1]!),
    };
  });
  for (const row of rows) {
    process.stderr.write(`  ${row.case} (${row.suite}): this ${row.this_ms} ms, other ${row.other_ms} ms, this/other ${row.ratio_median} (quartiles ${row.ratio_quartiles.join('–')}, range ${row.ratio_min}–${row.ratio_max})\n`);
  }
  process.stdout.write(`${JSON.stringify({ other: resolve(positionals[0]!), rounds, ops, node: machine.node, load_average_at_start: sig3(machine.loadAverageAtStart[0]!), load_average_at_end: sig3(loadavg()[0]!), rows })}\n`);
}

await main();
