// npm run bench [-- --quick] [--only fanout,memory,client,browser,room-open,keystore,profile] [--rounds n] [--generators n]
//   [--sqlite-synchronous NORMAL] [--out docs/perf]
// Runs the sections in order, writes <out>/<mode>/{results.json, tables.md, *.svg}, and ends with one
// JSON line on stdout (progress goes to stderr), the line CI or a person compares between commits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../protocol/platform/command-line.js';
import { parseBenchOptions, type Section } from './bench-options.js';
import { runBrowserClientCosts } from './browser-client-costs.js';
import { runBrowserRoomOpen } from './browser-room-open.js';
import { KEYSTORE_HISTORIES } from './keystore-room.js';
import { runKeystoreSave } from './keystore-save.js';
import { runBrowserKeystoreSave } from './browser-keystore-save.js';
import { CATCH_UP_MESSAGES } from './client-cost-cases.js';
import { runClientCosts } from './client-costs.js';
import { runFanoutSuite, shapeName, SottoTemplates } from './fanout-suite.js';
import { writeFigures } from './figures.js';
import { runIdleMemory, type MemoryRun } from './idle-memory.js';
import { machineInfo } from './machine.js';
import { profileRelay, type RelayProfile } from './relay-profile.js';
import { idleBytesPerConnection, LATENCY_OFFERED, markdownReport, p99Ratio, peakRatio } from './report.js';
import type { BenchResults } from './results.js';
import { median, sig3 } from './stats.js';

const HEADLINE = { rooms: 100, members: 10 };

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
  process.stderr.write(`sotto bench (${options.mode}): ${options.sections.join(', ')}; ${machine.nproc} CPUs, load ${machine.loadAverageAtStart.toFixed(2)}\n`);
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
      results = { ...results, fanout: await runFanoutSuite(options, templates) };
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
      const roomOpen = [];
      for (let round = 0; round < options.clientRounds; round++) roomOpen.push(await runBrowserRoomOpen(CATCH_UP_MESSAGES, (line) => process.stderr.write(`  ${line}\n`)));
      results = { ...results, roomOpen };
    });
    await section('keystore', async () => {
      const progress = (line: string): boolean => process.stderr.write(`  ${line}\n`);
      results = { ...results, keystoreSaves: await runKeystoreSave(KEYSTORE_HISTORIES, options.keystoreSaves, progress) };
      results = { ...results, keystoreSavesChromium: await runBrowserKeystoreSave(KEYSTORE_HISTORIES, options.keystoreSaves, progress) };
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
  results = { ...results, finishedAt: new Date().toISOString(), failures };
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(dir, 'tables.md'), markdownReport(results));
  const figures = writeFigures(results, dir);
  process.stderr.write(`wrote ${dir}/results.json, tables.md and ${figures.length} figures\n`);

  const headline = results.fanout?.find((f) => shapeName(f.shape) === shapeName(HEADLINE));
  const peak = (system: string): number => sig3(headline?.systems.find((s) => s.system === system)?.peakDelivered ?? Number.NaN);
  const summary = {
    mode: options.mode,
    shape: shapeName(HEADLINE),
    relay_vs_ws: sig3(peakRatio(headline, 'sotto', 'ws')),
    relay_vs_socketio: sig3(peakRatio(headline, 'sotto', 'socketio')),
    relay_normal_vs_ws: sig3(peakRatio(headline, 'sotto-normal', 'ws')),
    peak_delivered_per_s: { sotto: peak('sotto'), sotto_normal: peak('sotto-normal'), ws: peak('ws'), socketio: peak('socketio') },
    p99_at_12k_vs_ws: Object.fromEntries((results.fanout ?? []).map((f) => [shapeName(f.shape), sig3(p99Ratio(f, 'sotto', 'ws', LATENCY_OFFERED))])),
    idle_bytes_per_connection: { sotto: sig3(idleBytesPerConnection(results.memory, 'sotto')), ws: sig3(idleBytesPerConnection(results.memory, 'ws')) },
    chromium_room_open_catch_up_ms: sig3(median((results.roomOpen ?? []).map((r) => r.catchUpMs))),
    chromium_room_reopen_after_key_ms: sig3(median((results.roomOpen ?? []).map((r) => r.reopenAfterKeyMs))),
    keystore_save_ms_by_history: Object.fromEntries((results.keystoreSaves ?? []).map((k) => [k.history, { records: sig3(k.recordsFileMs), whole: sig3(k.wholeFileMs) }])),
    most_connections_held: Object.fromEntries((results.memory?.[0] ?? []).map((r) => [r.system, r.mostHeld])),
    load_average_at_start: sig3(machine.loadAverageAtStart),
    failed_sections: failures.map((f) => f.split(':')[0]),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
