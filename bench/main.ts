// npm run bench [-- --quick] [--only fanout,commit,memory,client,browser,room-open,keystore,catch-up,link,profile] [--rounds n] [--seed n]
//   [--generators n] [--sqlite-synchronous NORMAL] [--out docs/perf]
// Runs the sections in order, writes <out>/<mode>/{results.json, tables.md, *.svg}, and ends with one
// JSON line on stdout (progress goes to stderr), the line CI or a person compares between commits.
// A section that throws, or any failed fan-out case (a refusal, a lost delivery, a backlog that does
// not clear), is named in the line and on stderr, and the run exits 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../protocol/platform/command-line.js';
import { parseBenchOptions, type Section } from './bench-options.js';
import { runBrowserClientCosts } from './browser-client-costs.js';
import { runBrowserRoomOpen } from './browser-room-open.js';
import { KEYSTORE_HISTORIES } from './keystore-room.js';
import { runKeystoreSave } from './keystore-save.js';
import { runCatchUpGrowth } from './catch-up-growth.js';
import { runBrowserKeystoreSave } from './browser-keystore-save.js';
import { CATCH_UP_MESSAGES } from './client-cost-cases.js';
import { runCommitLatency } from './commit-latency.js';
import { runDeviceLink } from './device-link-speed.js';
import { runClientCosts } from './client-costs.js';
import { capacityOf, p99AtLatencyOf, ratioSpread, runFanoutSuite, shapeName, SottoTemplates, type Variant } from './fanout-suite.js';
import { writeFigures } from './figures.js';
import { runIdleMemory, type MemoryRun } from './idle-memory.js';
import { machineInfo } from './machine.js';
import { profileRelay, type RelayProfile } from './relay-profile.js';
import { idleBytesPerConnection, markdownReport } from './report.js';
import type { BenchResults } from './results.js';
import { loadavg } from 'node:os';
import { median, sig3, type Spread } from './stats.js';
import { seededRandom, shuffled } from './shuffle.js';
import type { RoomOpenResult } from './browser-room-open.js';

const HEADLINE = { rooms: 100, members: 10 };
/** The commit section: sends per round, and how many share a group commit. */
const COMMIT_APPENDS = 2000;
const COMMIT_BATCH = 10;
/** The link section: rooms the existing device brings, and their messages in all (issue 19). */
const LINK = { rooms: 10, messages: 10_000 };

/** Median of one room-open time, plain and annotated apart. */
function roomOpenFigure(runs: readonly RoomOpenResult[] | undefined, pick: (r: RoomOpenResult) => number): { plain: number; annotated: number } {
  const of = (annotated: boolean): number => sig3(median((runs ?? []).filter((r) => r.annotated === annotated).map(pick)));
  return { plain: of(false), annotated: of(true) };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const dir = join(options.outDir, options.mode);
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`sotto bench (${options.mode}): ${options.sections.join(', ')}; ${machine.nproc} CPUs, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, data directories on ${machine.dataDirFileSystem}\n`);
  const templates = new SottoTemplates();
  let results: BenchResults = {
    startedAt, finishedAt: startedAt, command: `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`, machine, options,
  };
  const failures: string[] = [];
  // A section that fails is reported and the run goes on: one broken section should not cost the rest.
  const section = async (name: Section, run: () => Promise<void>): Promise<void> => {
    if (!options.sections.includes(name)) return;
    process.stderr.write(`${name}\n`);
    try {
      await run();
    } catch (error) {
      const text = `${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
      failures.push(text);
      process.stderr.write(`  FAILED ${text}\n`);
    }
  };
  try {
    await section('fanout', async () => {
      const fanout = await runFanoutSuite(options, templates);
      results = { ...results, fanout };
      for (const failure of fanout.failures) {
        failures.push(`fanout ${failure}`);
        process.stderr.write(`  FAILED fanout ${failure}\n`);
      }
    });
    await section('commit', async () => {
      const commit = await runCommitLatency(options.rounds, COMMIT_APPENDS, COMMIT_BATCH);
      results = { ...results, commit };
      process.stderr.write(`  push at p50 ${commit.pushP50Ms.median.toFixed(2)} ms, ack at p50 ${commit.ackP50Ms.median.toFixed(2)} ms\n`);
    });
    await section('memory', async () => {
      const template = await templates.get(HEADLINE);
      const memory: MemoryRun[][] = [];
      for (let round = 0; round < options.memoryRounds; round++) {
        const pair: MemoryRun[] = [];
        for (const system of ['sotto', 'ws'] as const) {
          pair.push(await runIdleMemory(system, options.memorySteps, { templateDir: template.dir, plans: template.plans, synchronous: options.synchronous }));
        }
        memory.push(pair);
      }
      results = { ...results, memory };
    });
    await section('client', async () => {
      results = { ...results, clientCosts: await runClientCosts(options.clientRounds, options.clientOps, (line) => process.stderr.write(`  ${line}\n`)) };
    });
    await section('browser', async () => {
      results = { ...results, browserClientCosts: await runBrowserClientCosts(options.clientRounds, options.clientOps, (line) => process.stderr.write(`  ${line}\n`)) };
    });
    await section('room-open', async () => {
      // Each round opens a plain room and one with replies and reactions, in a seeded random order,
      // so a machine that gets busier during the run weighs on both alike.
      const roomOpen = [];
      const random = seededRandom(options.seed);
      for (let round = 0; round < options.clientRounds; round++) {
        for (const annotated of shuffled([false, true], random)) {
          const run = await runBrowserRoomOpen(CATCH_UP_MESSAGES, (line) => process.stderr.write(`  ${line}\n`), annotated);
          process.stderr.write(`  room open: ${JSON.stringify({ ...run, loadAverage: loadavg().map(sig3) })}\n`);
          roomOpen.push(run);
        }
      }
      results = { ...results, roomOpen };
    });
    await section('keystore', async () => {
      const progress = (line: string): boolean => process.stderr.write(`  ${line}\n`);
      results = { ...results, keystoreSaves: await runKeystoreSave(KEYSTORE_HISTORIES, options.keystoreSaves, progress) };
      results = { ...results, keystoreSavesChromium: await runBrowserKeystoreSave(KEYSTORE_HISTORIES, options.keystoreSaves, progress) };
    });
    await section('catch-up', async () => {
      results = { ...results, catchUpGrowth: await runCatchUpGrowth(options.catchUpLengths, options.catchUpRounds, (line) => process.stderr.write(`  ${line}\n`)) };
    });
    await section('link', async () => {
      results = { ...results, deviceLinks: await runDeviceLink(LINK.rooms, LINK.messages, options.clientRounds, (line) => process.stderr.write(`  ${line}\n`)) };
    });
    await section('profile', async () => {
      const template = await templates.get(HEADLINE);
      const profiles: RelayProfile[] = [];
      // FULL shows where the wall-clock time goes (waiting on fsync counts: the loop is blocked);
      // NORMAL shows the CPU work that is left once the disk is out of the way.
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        profiles.push(await profileRelay(HEADLINE, template, options.profileOffered, options.profileMeasureMs, options.generators, options.payloadBytes, synchronous));
      }
      results = { ...results, profiles };
    });
  } finally {
    templates.dispose();
  }
  results = { ...results, finishedAt: new Date().toISOString(), failures, loadAverageAtEnd: loadavg() };
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(dir, 'tables.md'), markdownReport(results));
  const figures = writeFigures(results, dir);
  process.stderr.write(`wrote ${dir}/results.json, tables.md and ${figures.length} figures\n`);

  const headline = results.fanout?.shapes.find((f) => shapeName(f.shape) === shapeName(HEADLINE));
  const figure = (value: Spread): number => sig3(value.median);
  const range = (value: Spread): number[] => [sig3(value.min), sig3(value.max)];
  const capacityRatio = (b: Variant): Spread => ratioSpread(headline, 'sotto', b, capacityOf);
  const p99 = (system: Variant): Spread => headline?.systems.find((s) => s.system === system)?.p99AtLatencyMs ?? { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const capacity = (system: Variant): number => sig3(headline?.systems.find((s) => s.system === system)?.capacity.median ?? Number.NaN);
  const summary = {
    mode: options.mode,
    shape: shapeName(HEADLINE),
    rounds: options.rounds,
    seed: options.seed,
    relay_vs_ws: figure(capacityRatio('ws-coalescing')),
    relay_vs_ws_range: range(capacityRatio('ws-coalescing')),
    relay_vs_ws_plain: figure(capacityRatio('ws')),
    relay_vs_ws_plain_range: range(capacityRatio('ws')),
    relay_vs_socketio: figure(capacityRatio('socketio')),
    relay_vs_socketio_range: range(capacityRatio('socketio')),
    capacity_per_s: { sotto: capacity('sotto'), ws_coalescing: capacity('ws-coalescing'), ws: capacity('ws'), socketio: capacity('socketio') },
    p99_ms: { sotto: figure(p99('sotto')), ws: figure(p99('ws')), socketio: figure(p99('socketio')) },
    p99_ms_range: { sotto: range(p99('sotto')), ws: range(p99('ws')), socketio: range(p99('socketio')) },
    p99_vs_ws_by_shape: Object.fromEntries((results.fanout?.shapes ?? []).map((f) => [shapeName(f.shape), sig3(ratioSpread(f, 'sotto', 'ws', p99AtLatencyOf).median)])),
    p99_vs_socketio_by_shape: Object.fromEntries((results.fanout?.shapes ?? []).map((f) => [shapeName(f.shape), sig3(ratioSpread(f, 'sotto', 'socketio', p99AtLatencyOf).median)])),
    store_push_vs_ack_p50_ms: results.commit === undefined ? null : [sig3(results.commit.pushP50Ms.median), sig3(results.commit.ackP50Ms.median)],
    rotations: (results.fanout?.shapes ?? []).reduce((n, f) => n + (f.systems.find((s) => s.system === 'sotto')?.rotations ?? 0), 0),
    idle_bytes_per_connection: { sotto: sig3(idleBytesPerConnection(results.memory, 'sotto')), ws: sig3(idleBytesPerConnection(results.memory, 'ws')) },
    most_connections_held: results.memory?.[0]?.find((r) => r.system === 'sotto')?.mostHeld ?? null,
    catch_up_us_per_message_by_history: Object.fromEntries((results.catchUpGrowth ?? []).map((p) => [`${p.suite}/${p.messages}`, sig3((p.medianMs * 1000) / p.messages)])),
    link_ms: results.deviceLinks === undefined ? null : {
      existing: sig3(median(results.deviceLinks.map((l) => l.existingMs))), new: sig3(median(results.deviceLinks.map((l) => l.newMs))),
    },
    link_relay_bytes: results.deviceLinks === undefined ? null : sig3(median(results.deviceLinks.map((l) => l.bytesIn + l.bytesOut))),
    chromium_room_open_ms: roomOpenFigure(results.roomOpen, (r) => r.openMs),
    chromium_room_reload_open_ms: roomOpenFigure(results.roomOpen, (r) => r.reloadOpenMs),
    chromium_room_catch_up_ms: roomOpenFigure(results.roomOpen, (r) => r.catchUpMs),
    keystore_save_ms_by_history: Object.fromEntries((results.keystoreSaves ?? []).map((k) => [k.history, { records: sig3(k.recordsFileMs), whole: sig3(k.wholeFileMs) }])),
    load_average_at_start: machine.loadAverageAtStart.map(sig3),
    load_average_at_end: loadavg().map(sig3),
    data_dir_fs: machine.dataDirFileSystem,
    failed_sections: failures.length,
    failed: failures.map((f) => f.split('\n')[0]),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
