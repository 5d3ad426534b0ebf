// Idle connections past one process's open-file limit (issue 18, item 4; ADR 0011): a ramp to
// 50,000 Noise sessions held by several holder processes from many loopback addresses, against
//  - sotto-workers:  one relay, `--workers N`, on SQLite (the default store);
//  - ws-cluster:     the bare ws baseline as N processes on one port (the same node:cluster accept);
//  - sotto-postgres: N relay processes on a private PostgreSQL and Redis, connection i to process i mod N.
// Memory is the RSS of every server process summed (for sotto-postgres: the relay processes, not
// PostgreSQL's or Redis's), as found and after a full collection in each (idle-memory.ts); at each step a sample of sends must reach every other session of their
// rooms (idle-memory.ts). Heavy: run it by hand, once, never in tests.
// --figures names a directory for the figures of memory against connections (idle-scale-figures.ts).
//   node dist/bench/idle-scale.js [--only sotto-workers,ws-cluster,sotto-postgres] [--steps 10000,...] [--processes 3] [--out file.json] [--figures dir]
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toHex } from '../protocol/bytes.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startRedis } from '../test/helpers/redis.js';
import { distPath } from './dist-paths.js';
import { SottoTemplates } from './fanout-suite.js';
import { membersOf, rampIdle, type IdleTarget, type MemoryRun } from './idle-memory.js';
import { writeScaleFigures } from './idle-scale-figures.js';
import { treePids } from './process-stats.js';
import { startRelayProcess, type RunningRelayProcess } from './relay-launcher.js';
import { startServerProcess } from './server-process.js';
import { buildRooms, type Shape, type SottoRoomPlan } from './sotto-rooms.js';

type Target = 'sotto-workers' | 'ws-cluster' | 'sotto-postgres';
const TARGETS: readonly Target[] = ['sotto-workers', 'ws-cluster', 'sotto-postgres'];
/** The memory ramp's rooms (the bench's headline shape): 1,000 member keys, each held by many sessions. */
const ROOMS: Shape = { rooms: 100, members: 10 };

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: TARGETS.join(',') },
    steps: { type: 'string', default: '10000,20000,30000,40000,50000' },
    processes: { type: 'string', default: '3' },
    out: { type: 'string' },
    figures: { type: 'string' },
  },
});
const targets = values.only.split(',').map((name) => {
  if (!TARGETS.includes(name as Target)) throw new Error(`--only: unknown target ${name} (${TARGETS.join(', ')})`);
  return name as Target;
});
const steps = values.steps.split(',').map(Number);
const processes = Number(values.processes);

async function sottoWorkers(templates: SottoTemplates): Promise<{ target: IdleTarget; plans: SottoRoomPlan[] }> {
  const template = await templates.get(ROOMS);
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-scale-'));
  cpSync(template.dir, dataDir, { recursive: true });
  const relay = await startRelayProcess({ dataDir, synchronous: 'FULL', relayArgs: ['--workers', String(processes)] });
  return {
    plans: template.plans,
    target: {
      system: 'sotto', ports: [relay.port], relayPublicKey: toHex(relay.publicKey), pids: () => treePids(relay.pid),
      async stop() {
        await relay.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
  };
}

async function wsCluster(): Promise<IdleTarget> {
  const server = await startServerProcess('ws-cluster', [distPath('./baselines/ws-cluster.js'), String(processes)]);
  return { system: 'ws', ports: [server.port], pids: () => treePids(server.pid), stop: () => server.stop() };
}

/** N relay processes on one private PostgreSQL and Redis, with one relay key (docs/operations.md), and the rooms built through them. */
async function sottoPostgres(): Promise<{ target: IdleTarget; plans: SottoRoomPlan[] }> {
  const postgres = await startPostgres();
  const redis = await startRedis();
  if (postgres === undefined || redis === undefined) throw new Error('sotto-postgres needs PostgreSQL and Redis installed');
  const relayArgs = ['--store-url', await postgres.createDatabase(), '--bus-url', redis.url];
  const dirs = Array.from({ length: processes }, () => mkdtempSync(join(tmpdir(), 'sotto-bench-scale-pg-')));
  const relays: RunningRelayProcess[] = [];
  for (const dir of dirs) {
    if (relays.length > 0) copyFileSync(join(dirs[0]!, 'relay-key'), join(dir, 'relay-key'));
    relays.push(await startRelayProcess({ dataDir: dir, synchronous: 'FULL', relayArgs }));
  }
  const plans = await buildRooms(`ws://127.0.0.1:${relays[0]!.port}/ws`, relays[0]!.publicKey, ROOMS);
  return {
    plans,
    target: {
      system: 'sotto', ports: relays.map((r) => r.port), relayPublicKey: toHex(relays[0]!.publicKey),
      pids: () => relays.flatMap((r) => treePids(r.pid)),
      async stop() {
        await Promise.all(relays.map((r) => r.stop()));
        await redis.stop();
        await postgres.stop();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

const templates = new SottoTemplates();
const runs: { target: Target; loadAverage: number[]; run: MemoryRun }[] = [];
let failed = false;
try {
  for (const name of targets) {
    process.stderr.write(`${name}: ${steps.join(', ')} connections, ${processes} processes, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    let run: MemoryRun;
    if (name === 'ws-cluster') run = await rampIdle(await wsCluster(), steps, []);
    else {
      const { target, plans } = name === 'sotto-workers' ? await sottoWorkers(templates) : await sottoPostgres();
      run = await rampIdle(target, steps, membersOf(plans));
    }
    runs.push({ target: name, loadAverage: loadavg(), run });
    if (run.stoppedBecause !== undefined) failed = true;
  }
} finally {
  templates.dispose();
}

const ws = runs.find((r) => r.target === 'ws-cluster')?.run;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
console.log('| target | connections held | server RSS MiB: as found / after a collection | B / connection: as found / after a collection | × ws cluster: as found / after a collection | seconds to open | sampled sends: delivered / expected (slowest) | load after |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { target, loadAverage, run } of runs) {
  console.log(`| ${target} | at rest | ${mib(run.baseRssBytes)} / ${mib(run.baseRssAfterGcBytes)} | – | – | – | – | – |`);
  for (const step of run.steps) {
    const wsStep = ws?.steps.find((s) => s.target === step.target);
    const ratio = run.system === 'sotto' && wsStep !== undefined
      ? `${(step.bytesPerConnection / wsStep.bytesPerConnection).toFixed(2)} / ${(step.bytesPerConnectionAfterGc / wsStep.bytesPerConnectionAfterGc).toFixed(2)}`
      : '–';
    const sample = step.sample === undefined ? '–' : `${step.sample.delivered} / ${step.sample.expected} (${step.sample.maxLatencyMs.toFixed(0)} ms)`;
    console.log(`| ${target} | ${step.held.toLocaleString('en')} | ${mib(step.rssBytes)} / ${mib(step.rssAfterGcBytes)} | ${step.bytesPerConnection.toFixed(0)} / ${step.bytesPerConnectionAfterGc.toFixed(0)} | ${ratio} | ${step.openSeconds.toFixed(1)} | ${sample} | ${loadAverage[0]!.toFixed(1)} |`);
  }
  if (run.stoppedBecause !== undefined) console.log(`| ${target} | stopped: ${run.stoppedBecause} |  |  |  |  |  |  |`);
}
if (values.out !== undefined) writeFileSync(values.out, JSON.stringify({ processes, steps, runs }, null, 2));
if (values.figures !== undefined) {
  mkdirSync(values.figures, { recursive: true });
  for (const name of writeScaleFigures(runs, values.figures)) process.stderr.write(`wrote ${join(values.figures, name)}\n`);
}
process.exitCode = failed ? 1 : 0;
