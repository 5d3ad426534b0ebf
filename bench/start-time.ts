// npm run bench:start [-- --runs 10]: how long `npm start` takes to serve the web app. Each run
// starts the relay on a fresh data directory (the first start: the relay key is made and the
// database created), waits for its "relay listening" log line, then fetches the page it names; the
// time is from spawn to the page's last byte. Measured both as `npm start` (what a person types;
// npm adds its own start-up) and as `node dist/relay/main.js` (what a service manager runs).
// Needs a build (npm run build). Prints a table and one JSON line; docs/performance.md records it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { distPath } from './dist-paths.js';
import { machineInfo } from './machine.js';
import { median } from './stats.js';

const REPO_ROOT = distPath('../../');

interface Way {
  readonly name: string;
  readonly command: string;
  readonly args: (dataDir: string) => string[];
}

const WAYS: readonly Way[] = [
  { name: 'npm start', command: 'npm', args: (dataDir) => ['start', '--silent', '--', '--port', '0', '--data-dir', dataDir] },
  { name: 'node dist/relay/main.js', command: process.execPath, args: (dataDir) => [join(REPO_ROOT, 'dist', 'relay', 'main.js'), '--port', '0', '--data-dir', dataDir] },
];

/** Milliseconds from spawn until the page the start line names has been read whole. */
async function once(way: Way): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-start-'));
  const started = performance.now();
  const child = spawn(way.command, way.args(join(dir, 'data')), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (text) => {
        if (text.includes('"relay listening"')) resolve((JSON.parse(text) as { url: string }).url);
      });
      void exited.then(() => reject(new Error(`${way.name} exited before listening`)));
    });
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    return performance.now() - started;
  } finally {
    // npm runs the relay as its child: signal the whole group we started, and nothing else.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), { runs: { type: 'string', default: '10' } });
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1 || runs > 100) throw new UsageError('--runs must be 1–100');
  const machine = machineInfo();
  const results: Record<string, { medianMs: number; maxMs: number; minMs: number; runs: number }> = {};
  for (const way of WAYS) {
    const times: number[] = [];
    // One unmeasured start first: the first read of dist/ and node_modules from disk.
    await once(way);
    for (let i = 0; i < runs; i++) times.push(await once(way));
    results[way.name] = { medianMs: Math.round(median(times)), maxMs: Math.round(Math.max(...times)), minMs: Math.round(Math.min(...times)), runs };
    process.stderr.write(`${way.name}: median ${results[way.name]!.medianMs} ms, max ${results[way.name]!.maxMs} ms over ${runs} starts\n`);
  }
  process.stdout.write(`| how | median | slowest | fastest | starts |\n|---|---|---|---|---|\n`);
  for (const [name, r] of Object.entries(results)) process.stdout.write(`| \`${name}\` | ${r.medianMs} ms | ${r.maxMs} ms | ${r.minMs} ms | ${r.runs} |\n`);
  process.stdout.write(`${JSON.stringify({ startTime: results, nproc: machine.nproc, load: machine.loadAverageAtStart })}\n`);
}

main().catch((error: unknown) => {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench:start: ${error.message}\n`);
  process.exitCode = 2;
});
