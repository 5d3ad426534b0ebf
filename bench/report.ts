// Markdown tables for docs/performance.md, written next to the results so the doc can quote a run
// verbatim.
import type { RoomOpenResult } from './browser-room-open.js';
import type { KeystoreSaveResult } from './keystore-save.js';
import type { BrowserKeystoreSaves } from './browser-keystore-save.js';
import type { CostSummary } from './client-costs.js';
import type { ShapeSummary, SystemSummary } from './fanout-suite.js';
import { shapeName } from './fanout-suite.js';
import type { MemoryRun } from './idle-memory.js';
import type { RelayProfile } from './relay-profile.js';
import type { BenchResults } from './results.js';
import { median, ratio } from './stats.js';

function n(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function find(shape: ShapeSummary, system: string): SystemSummary | undefined {
  return shape.systems.find((s) => s.system === system);
}

export function peakRatio(shape: ShapeSummary | undefined, a: string, b: string): number {
  if (shape === undefined) return Number.NaN;
  return ratio(find(shape, a)?.peakDelivered ?? Number.NaN, find(shape, b)?.peakDelivered ?? Number.NaN);
}

/** The latency yardstick: p99 at this offered load, Sotto over bare ws, every shape. */
export const LATENCY_OFFERED = 12_000;

/** a's p99 over b's at the step offering `offered` deliveries/s; NaN when the run had no such step. */
export function p99Ratio(shape: ShapeSummary | undefined, a: string, b: string, offered: number): number {
  if (shape === undefined) return Number.NaN;
  const p99 = (system: string): number => find(shape, system)?.steps.find((step) => step.offered === offered)?.p99Ms ?? Number.NaN;
  return ratio(p99(a), p99(b));
}

function fanoutTables(fanout: ShapeSummary[]): string {
  const parts: string[] = [];
  parts.push('### Peak delivered messages/s (median over rounds of each round\'s best step)\n');
  parts.push(table(
    ['shape (rooms × members)', 'sotto', 'sotto (NORMAL)', 'ws', 'socketio', 'sotto / ws', 'sotto / socketio'],
    fanout.map((shape) => [
      shapeName(shape.shape).replace('x', ' × '),
      n(find(shape, 'sotto')?.peakDelivered ?? Number.NaN),
      n(find(shape, 'sotto-normal')?.peakDelivered ?? Number.NaN),
      n(find(shape, 'ws')?.peakDelivered ?? Number.NaN),
      n(find(shape, 'socketio')?.peakDelivered ?? Number.NaN),
      n(peakRatio(shape, 'sotto', 'ws'), 2),
      n(peakRatio(shape, 'sotto', 'socketio'), 2),
    ]),
  ));
  parts.push(`\n### p99 latency at ${n(LATENCY_OFFERED)} offered deliveries/s, over bare ws's in the same run\n`);
  parts.push(table(
    ['shape (rooms × members)', 'sotto / ws', 'sotto (NORMAL) / ws', 'socketio / ws'],
    fanout.map((shape) => [
      shapeName(shape.shape).replace('x', ' × '),
      n(p99Ratio(shape, 'sotto', 'ws', LATENCY_OFFERED), 2),
      n(p99Ratio(shape, 'sotto-normal', 'ws', LATENCY_OFFERED), 2),
      n(p99Ratio(shape, 'socketio', 'ws', LATENCY_OFFERED), 2),
    ]),
  ));
  for (const shape of fanout) {
    parts.push(`\n### ${shapeName(shape.shape).replace('x', ' × ')}: per offered load (medians)\n`);
    const rows: string[][] = [];
    for (const system of shape.systems) {
      for (const step of system.steps) {
        rows.push([
          system.system, n(step.offered), n(step.delivered), ms(step.p50Ms), ms(step.p99Ms), n(step.serverCpuPercent), n(step.serverWaitPercent),
          n(step.generatorCpuPercent),
          n(step.late), n(step.errors),
        ]);
      }
    }
    parts.push(table([
      'system', 'offered /s', 'delivered /s', 'p50 ms', 'p99 ms', 'server CPU %', 'server main thread waiting %', 'generators CPU %', 'late', 'errors',
    ], rows));
  }
  return parts.join('\n');
}

function memoryTable(memory: MemoryRun[][]): string {
  const rows: string[][] = [];
  for (const round of memory) {
    for (const run of round) {
      run.steps.forEach((step, i) => {
        const previous = run.steps[i - 1];
        const marginal = previous === undefined ? Number.NaN : (step.rssBytes - previous.rssBytes) / (step.held - previous.held);
        rows.push([run.system, n(step.held), n(step.rssBytes / 2 ** 20, 1), n(step.bytesPerConnection / 1024, 1), n(marginal / 1024, 1), n(step.openSeconds, 1)]);
      });
      rows.push([run.system, `most held: ${n(run.mostHeld)}`, '', '', '', run.stoppedBecause === undefined ? '' : `stopped: ${run.stoppedBecause}`]);
    }
  }
  return table(['system', 'idle connections', 'server RSS MiB', 'KiB / connection (all)', 'KiB / connection (since previous step)', 'seconds to open'], rows);
}

function clientTable(costs: readonly CostSummary[]): string {
  const names = [...new Set(costs.map((c) => c.name))];
  return table(['case', 'WebCrypto suite', 'noble suite', 'noble / WebCrypto'], names.map((name) => {
    const web = costs.find((c) => c.name === name && c.suite === 'webcrypto')?.ms;
    const noble = costs.find((c) => c.name === name && c.suite === 'noble')?.ms;
    const any = costs.find((c) => c.name === name && c.suite === 'any')?.ms;
    if (any !== undefined) return [name, `${ms(any)} ms (suite-independent)`, '', ''];
    return [name, `${ms(web ?? Number.NaN)} ms`, `${ms(noble ?? Number.NaN)} ms`, n(ratio(noble ?? Number.NaN, web ?? Number.NaN), 2)];
  }));
}

function roomOpenTable(rounds: readonly RoomOpenResult[]): string {
  const row = (label: string, pick: (r: RoomOpenResult) => number): string[] => [label, ...rounds.map((r) => `${ms(pick(r))} ms`), `${ms(median(rounds.map(pick)))} ms`];
  return table(['', ...rounds.map((_, i) => `round ${i + 1}`), 'median'], [
    ['history', ...rounds.map((r) => `${n(r.messages)} messages, ${r.epochs} epochs`), ''],
    row('unlock (Argon2id, snapshot, connect)', (r) => r.unlockMs),
    row('catch-up (sync, verify, decrypt, save, render)', (r) => r.catchUpMs),
    row('reload with the history saved: unlock → last message shown', (r) => r.reopenMs),
    row('↳ of which after the key is derived: records opened, state decoded, page rendered', (r) => r.reopenAfterKeyMs),
  ]);
}

function keystoreTable(rows: readonly KeystoreSaveResult[]): string {
  const cpu = (value: number): string => `${value < 1 ? value.toFixed(3) : n(value)} ms`;
  return table(['messages held', 'records: CPU', 'records: bytes', 'records: to disk', 'whole snapshot: CPU', 'whole: bytes', 'whole: to disk'], rows.map((r) => [
    n(r.history), cpu(r.recordsCpuMs), n(r.recordsBytes), cpu(r.recordsFileMs), cpu(r.wholeCpuMs), n(r.wholeBytes), cpu(r.wholeFileMs),
  ]));
}

function browserKeystoreTable(saves: BrowserKeystoreSaves): string {
  const value = (ms: number): string => `${ms < 10 ? ms.toFixed(2) : n(ms)} ms`;
  return table(['messages held', 'records (next, seal, one transaction)', 'whole snapshot (encode, seal, one put)'],
    saves.rows.map((r) => [n(r.history), value(r.recordsMs), value(r.wholeMs)]));
}

function profileTables(profile: RelayProfile): string {
  const { summary, step } = profile;
  return [
    `Relay under ${shapeName(profile.shape).replace('x', ' × ')} at ${n(profile.offered)} offered deliveries/s (synchronous=${profile.synchronous}): ` +
      `delivered ${n(step.delivered)}/s, p99 ${ms(step.p99Ms)} ms, relay CPU ${n(step.serverCpuPercent)} %, idle in profile ${n(summary.idlePercent, 1)} %.\n`,
    table(['area', '% of busy time'], summary.byArea.map((a) => [a.area, n(a.percent, 1)])),
    '',
    table(['function', 'where', '% self'], summary.topFunctions.map((f) => [`\`${f.name}\``, f.where, n(f.percent, 1)])),
  ].join('\n');
}

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  const parts = [
    `## Run: ${results.options.mode} (${results.startedAt} → ${results.finishedAt})\n`,
    `Command: \`${results.command}\`. Machine: ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ` +
      `open files ${m.fdLimit}, load average at start ${m.loadAverageAtStart.toFixed(2)}.\n`,
  ];
  if (results.fanout !== undefined) parts.push('## Relay fan-out\n', fanoutTables(results.fanout), '');
  if (results.memory !== undefined) parts.push('## Idle connections\n', memoryTable(results.memory), '');
  if (results.clientCosts !== undefined) parts.push('## Client costs (Node)\n', clientTable(results.clientCosts), '');
  const browser = results.browserClientCosts;
  if (browser !== undefined) {
    parts.push(`## Client costs (Chromium: ${browser.userAgent}; suites available: ${browser.suites.join(', ')})\n`, clientTable(browser.costs), '');
  }
  if (results.roomOpen !== undefined) parts.push(`## Opening a busy room in Chromium (the web app on a relay process)\n`, roomOpenTable(results.roomOpen), '');
  if (results.keystoreSaves !== undefined) parts.push('## Saving one message against the history (Node keystore)\n', keystoreTable(results.keystoreSaves), '');
  const chromium = results.keystoreSavesChromium;
  if (chromium !== undefined) parts.push(`## Saving one message against the history (IndexedDB in ${chromium.userAgent})\n`, browserKeystoreTable(chromium), '');
  if ((results.failures ?? []).length > 0) parts.push('## Failed sections\n', ...results.failures!.map((f) => `- ${f.split('\n')[0]}`), '');
  for (const profile of results.profiles ?? []) parts.push(`## Relay CPU profile, synchronous=${profile.synchronous}\n`, profileTables(profile), '');
  return `${parts.join('\n')}\n`;
}

/** The memory figure for the summary line: the marginal cost at the last step both systems reached. */
export function idleBytesPerConnection(memory: MemoryRun[][] | undefined, system: 'sotto' | 'ws'): number {
  const values: number[] = [];
  for (const round of memory ?? []) {
    const run = round.find((r) => r.system === system);
    const last = run?.steps[run.steps.length - 1];
    if (last !== undefined) values.push(last.bytesPerConnection);
  }
  return median(values);
}
