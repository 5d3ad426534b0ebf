// Markdown tables for docs/performance.md, written next to the results so the doc can quote a run
// verbatim.
import type { RoomOpenResult } from './browser-room-open.js';
import type { KeystoreSaveResult } from './keystore-save.js';
import type { BrowserKeystoreSaves } from './browser-keystore-save.js';
import type { CatchUpPoint } from './catch-up-growth.js';
import type { CostSummary } from './client-costs.js';
import type { CommitLatency } from './commit-latency.js';
import type { DeviceLinkRound } from './device-link-speed.js';
import type { FanoutStep } from './fanout-session.js';
import { capacityOf, p99AtLatencyOf, ratioSpread, shapeName, type FanoutRun, type RoundResult, type ShapeSummary, type SystemSummary } from './fanout-suite.js';
import type { MemoryRun } from './idle-memory.js';
import type { RelayProfile } from './relay-profile.js';
import type { BenchResults } from './results.js';
import { median, ratio, spread, type Spread } from './stats.js';

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

/** "median (min–max)" of a spread, with `format` for each number. */
function spreadText(value: Spread, format: (v: number) => string): string {
  if (value.n === 0) return '–';
  return value.n === 1 ? format(value.median) : `${format(value.median)} (${format(value.min)}–${format(value.max)})`;
}

/** One step kind of a round, with its medians over rounds. */
export interface StepMedians {
  readonly kind: string;
  readonly offered: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuPercent: number;
  readonly serverWaitPercent: number;
  readonly generatorCpuPercent: number;
  readonly late: number;
  readonly rotations: number;
}

/** The step kinds in order of load. */
export function stepMedians(system: SystemSummary): StepMedians[] {
  const kinds: { kind: string; pick: (r: RoundResult) => FanoutStep | undefined }[] = [
    { kind: 'latency', pick: (r) => r.latency },
    ...(system.rounds[0]?.sustained ?? []).map((_, i) => ({ kind: `sustained ${i + 1}`, pick: (r: RoundResult) => r.sustained[i] })),
    { kind: 'probe', pick: (r) => r.probe },
  ];
  return kinds.map(({ kind, pick }) => {
    const steps = system.rounds.map(pick).filter((s): s is FanoutStep => s !== undefined);
    const at = (f: (s: FanoutStep) => number): number => median(steps.map(f));
    return {
      kind, offered: at((s) => s.offered), delivered: at((s) => s.delivered), p50Ms: at((s) => s.p50Ms), p99Ms: at((s) => s.p99Ms),
      serverCpuPercent: at((s) => s.serverCpuPercent), serverWaitPercent: at((s) => s.serverWaitPercent),
      generatorCpuPercent: at((s) => s.generatorCpuPercent.reduce((x, y) => x + y, 0)), late: at((s) => s.late), rotations: at((s) => s.rotations),
    };
  }).sort((x, y) => x.offered - y.offered);
}

const SYSTEMS = ['sotto', 'sotto-normal', 'ws-coalescing', 'ws', 'socketio'] as const;

function fanoutTables(run: FanoutRun, latencyOffered: number): string {
  const fanout = run.shapes;
  const parts: string[] = [];
  const present = SYSTEMS.filter((system) => fanout.some((shape) => find(shape, system) !== undefined));
  const rounds = Math.max(0, ...fanout.flatMap((shape) => shape.systems.map((s) => s.rounds.length)));
  parts.push(`Seed ${run.seed}; ${rounds} rounds per (shape, system), each round running every system once in a shuffled order. ` +
    'Figures are medians with the min–max over rounds in brackets; a ratio is taken within each round, then the same.\n');
  parts.push('### Capacity: delivered messages/s at the probe load\n');
  parts.push(table(
    ['shape (rooms × members)', ...present, 'sotto / ws-coalescing', 'sotto / ws', 'sotto / socketio'],
    fanout.map((shape) => [
      shapeName(shape.shape).replace('x', ' × '),
      ...present.map((system) => spreadText(find(shape, system)?.capacity ?? spread([]), (v) => n(v))),
      ...(['ws-coalescing', 'ws', 'socketio'] as const).map((b) => spreadText(ratioSpread(shape, 'sotto', b, capacityOf), (v) => n(v, 2))),
    ]),
  ));
  parts.push(`\n### p99 latency at ${n(latencyOffered)} offered deliveries/s, ms\n`);
  parts.push(table(
    ['shape (rooms × members)', ...present, 'sotto / ws', 'sotto / ws-coalescing', 'sotto / socketio'],
    fanout.map((shape) => [
      shapeName(shape.shape).replace('x', ' × '),
      ...present.map((system) => spreadText(find(shape, system)?.p99AtLatencyMs ?? spread([]), ms)),
      ...(['ws', 'ws-coalescing', 'socketio'] as const).map((b) => spreadText(ratioSpread(shape, 'sotto', b, p99AtLatencyOf), (v) => n(v, 2))),
    ]),
  ));
  parts.push('\n### Rotations (Sotto: every room rotates every 100 messages, as the default settings say)\n');
  parts.push(table(
    ['shape (rooms × members)', 'system', 'messages sent', 'rotations', 'sends that crossed a rotation and went again', 'load average (start → end)', 'orders'],
    fanout.flatMap((shape) => shape.systems.filter((s) => s.system.startsWith('sotto')).map((s) => [
      shapeName(shape.shape).replace('x', ' × '), s.system, n(s.messagesSent), n(s.rotations), n(s.staleResends),
      `${shape.loadAverage.start.toFixed(2)} → ${shape.loadAverage.end.toFixed(2)}`, shape.orders.map((o) => o.join(' ')).join('; '),
    ])),
  ));
  for (const shape of fanout) {
    parts.push(`\n### ${shapeName(shape.shape).replace('x', ' × ')}: per step (medians over rounds)\n`);
    const rows: string[][] = [];
    for (const system of shape.systems) {
      for (const step of stepMedians(system)) {
        rows.push([
          system.system, step.kind, n(step.offered), n(step.delivered), ms(step.p50Ms), ms(step.p99Ms), n(step.serverCpuPercent), n(step.serverWaitPercent),
          n(step.generatorCpuPercent), n(step.late), n(step.rotations),
        ]);
      }
    }
    parts.push(table([
      'system', 'step', 'offered /s', 'delivered /s', 'p50 ms', 'p99 ms', 'server CPU %', 'server main thread waiting %', 'generators CPU %', 'late', 'rotations',
    ], rows));
  }
  if (run.failures.length > 0) parts.push('\n### Failed cases\n', ...run.failures.map((f) => `- ${f}`));
  return parts.join('\n');
}

function commitTable(commit: CommitLatency): string {
  return [
    `${n(commit.appends)} sends per round in groups of ${commit.batch}; medians over rounds of each round's quantile, min–max in brackets.\n`,
    table(['from the store call to', 'p50 ms', 'p99 ms'], [
      ['the early notice: the relay pushes now', spreadText(commit.pushP50Ms, ms), spreadText(commit.pushP99Ms, ms)],
      ['the answer (WAL synced): the relay acknowledges, and pushed before this change', spreadText(commit.ackP50Ms, ms), spreadText(commit.ackP99Ms, ms)],
    ]),
  ].join('\n');
}

function memoryTable(memory: MemoryRun[][]): string {
  const rows: string[][] = [];
  for (const round of memory) {
    for (const run of round) {
      run.steps.forEach((step, i) => {
        const previous = run.steps[i - 1];
        const marginal = previous === undefined ? Number.NaN : (step.rssBytes - previous.rssBytes) / (step.held - previous.held);
        rows.push([
          run.system, n(step.held), n(step.rssBytes / 2 ** 20, 1), n(step.bytesPerConnection / 1024, 1), n(marginal / 1024, 1),
          n(step.rssAfterGcBytes / 2 ** 20, 1), n(step.bytesPerConnectionAfterGc / 1024, 1), n(step.openSeconds, 1),
        ]);
      });
      rows.push([run.system, `most held: ${n(run.mostHeld)}`, '', '', '', '', '', run.stoppedBecause === undefined ? '' : `stopped: ${run.stoppedBecause}`]);
    }
  }
  return table([
    'system', 'idle connections', 'server RSS MiB', 'KiB / connection (all)', 'KiB / connection (since previous step)',
    'RSS MiB after a collection', 'KiB / connection after a collection (all)', 'seconds to open',
  ], rows);
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

function roomOpenTable(runs: readonly RoomOpenResult[]): string {
  const kind = (r: RoomOpenResult): string => (r.annotated ? 'replies, reactions' : 'plain');
  const of = (annotated: boolean): RoomOpenResult[] => runs.filter((r) => r.annotated === annotated);
  const row = (label: string, pick: (r: RoomOpenResult) => number): string[] => {
    const plain = median(of(false).map(pick));
    const annotated = median(of(true).map(pick));
    return [label, ...runs.map((r) => `${ms(pick(r))} ms`), `${ms(plain)} ms`, `${ms(annotated)} ms`, n(ratio(annotated, plain), 2)];
  };
  return table(['', ...runs.map((r, i) => `run ${i + 1}: ${kind(r)}`), 'median plain', 'median replies, reactions', 'ratio'], [
    ['history', ...runs.map((r) => `${n(r.messages)} messages (${n(r.replies)} replies) + ${n(r.reactions)} reactions, ${r.epochs} epochs`), '', '', ''],
    row('unlock (Argon2id, keystore, connect)', (r) => r.unlockMs),
    row('catch-up (sync, verify, decrypt, save) → room list shows the last message', (r) => r.catchUpMs),
    row('open: room clicked in the list → latest message rendered', (r) => r.openMs),
    row('reload: Unlock click → key derived (Argon2id)', (r) => r.reloadKeyMs),
    row('reload: key derived → room list shows the last message', (r) => r.reloadListMs),
    row('reload: room clicked in the list → latest message rendered', (r) => r.reloadOpenMs),
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

function catchUpTable(points: readonly CatchUpPoint[]): string {
  const lengths = [...new Set(points.map((p) => p.messages))];
  const suites = [...new Set(points.map((p) => p.suite))];
  return table(['messages', ...suites.flatMap((s) => [`${s}: catch-up`, `${s}: per message`])], lengths.map((messages) => [
    n(messages),
    ...suites.flatMap((suite) => {
      const point = points.find((p) => p.suite === suite && p.messages === messages);
      return point === undefined ? ['', ''] : [`${ms(point.medianMs)} ms`, `${n((point.medianMs * 1000) / messages)} µs`];
    }),
  ]));
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

function deviceLinkTable(links: readonly DeviceLinkRound[]): string {
  return table(
    ['rooms', 'messages', 'existing device (ms)', 'new device (ms)', 'whole link (ms)', 'relay bytes in', 'relay bytes out', 'link posts'],
    links.map((l) => [n(l.rooms), n(l.messages), n(l.existingMs), n(l.newMs), n(l.totalMs), n(l.bytesIn), n(l.bytesOut), n(l.linkPosts)]),
  );
}

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  const parts = [
    `## Run: ${results.options.mode} (${results.startedAt} → ${results.finishedAt})\n`,
    `Command: \`${results.command}\`. Machine: ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ` +
      `open files ${m.fdLimit}, data directories on ${m.dataDirFileSystem}, load average (1, 5, 15 min) at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(', ')}` +
      `${results.loadAverageAtEnd === undefined ? '' : `, at end ${results.loadAverageAtEnd.map((l) => l.toFixed(2)).join(', ')}`}.\n`,
  ];
  if (results.fanout !== undefined) parts.push('## Relay fan-out\n', fanoutTables(results.fanout, results.options.latencyOffered), '');
  if (results.commit !== undefined) parts.push('## Push on commit, ack on sync (the store alone, synchronous=FULL)\n', commitTable(results.commit), '');
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
  if (results.catchUpGrowth !== undefined) parts.push('## Catch-up against history length (Node)\n', catchUpTable(results.catchUpGrowth), '');
  if (results.deviceLinks !== undefined) parts.push('## Linking a device (headless, relay process at synchronous=FULL)\n', deviceLinkTable(results.deviceLinks), '');
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
