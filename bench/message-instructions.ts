// node dist/bench/message-instructions.js <other build> [--messages n] [--rounds n] [--suites webcrypto,noble]
// The per-message send and receive cost of this build next to another build of Sotto, counted in
// CPU instructions under valgrind's callgrind rather than timed. Instructions do not move with what
// else the machine runs (a shared two-core machine moves a timed ratio by ±10–25 % a round; see
// docs/performance.md), so this is the comparison that can tell 1.00 from 1.08 there; the timed one
// (message-cost-comparison.ts) stays the measure of seconds.
//
// Each figure is a difference of whole-process counts: a child that seals n messages minus one that
// seals none gives n sends; a child that seals and opens n minus one that only seals gives n
// receives. Every child first seals and opens the same warm-up messages, so the JIT has compiled the
// hot paths before the counted part. Every thread is counted (valgrind runs them one at a time), so
// WebCrypto's work on libuv's pool is in the figure. Children run in a shuffled order per round.
// <other build> is a directory holding that commit's `tsc` output in dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCommandLine } from '../protocol/platform/command-line.js';
import type { Suite } from '../protocol/crypto/suite.js';
import type { MessageRecord } from '../protocol/wire/message.js';
import type { MessageRoom } from './client-cost-cases.js';
import { machineInfo } from './machine.js';
import { median, sig3 } from './stats.js';
import { shuffled } from './shuffle.js';

/** Enough for V8 to have optimised the send and receive paths (fewer left tier-ups in the count). */
const WARM_UP = 1000;
const SUITE_NAMES: readonly string[] = ['webcrypto', 'noble'];
/** What a child does after the warm-up: seal n and open none, seal n and open n, or nothing. */
type Phase = 'none' | 'seal' | 'both';
const PHASES: readonly Phase[] = ['none', 'seal', 'both'];

/** The pre-protocol-2 build's message functions (6b94eb2's bench sealed under one fixed key). */
interface BeforeMessageCrypto {
  messageKey(epochKey: Uint8Array, roomId: Uint8Array, epoch: number, sender: Uint8Array): Uint8Array;
  sealMessage(input: Record<string, unknown>): Promise<MessageRecord>;
  openMessage(suite: Suite, record: MessageRecord, key: Uint8Array): Promise<unknown>;
}

/**
 * A build's message room: its own `messageRoom` where it has one (this build and later), else the
 * same work as the pre-protocol-2 bench's seal and open (no chain: one key for every message).
 */
async function loadRoom(dir: string, suiteName: string): Promise<MessageRoom> {
  const module = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(dir, 'dist', path)).href)) as T;
  const suites = (await module<{ SUITES: readonly Suite[] }>('bench/client-costs.js')).SUITES;
  const suite = suites.find((s) => s.name === suiteName);
  if (suite === undefined) throw new Error(`${dir} has no ${suiteName} suite`);
  const cases = await module<{ messageRoom?: (suite: Suite) => Promise<MessageRoom> }>('bench/client-cost-cases.js');
  if (cases.messageRoom !== undefined) return cases.messageRoom(suite);
  const crypto = await module<BeforeMessageCrypto>('protocol/client/message-crypto.js');
  const { randomBytes } = await module<{ randomBytes(n: number): Uint8Array }>('protocol/crypto/random.js');
  const signer = await suite.signingKeyFromSeed(randomBytes(32));
  const roomId = randomBytes(16);
  const key = crypto.messageKey(randomBytes(32), roomId, 0, signer.publicKey);
  const zero = new Uint8Array(32);
  return {
    seal: (counter) => crypto.sealMessage({
      signer, roomId, epoch: 0, key, counter, prevHash: zero, seenSeq: 0, seenHash: zero,
      content: { type: 'text', time: Date.now(), text: 'The quick brown fox jumps over the lazy dog.' },
    }),
    open: async (record) => { await crypto.openMessage(suite, record, key); },
  };
}

async function child(dir: string, suiteName: string, phase: Phase, messages: number): Promise<void> {
  const room = await loadRoom(dir, suiteName);
  let counter = 0;
  for (let i = 0; i < WARM_UP; i++) await room.open(await room.seal(++counter));
  if (phase === 'none') return;
  const records: MessageRecord[] = [];
  for (let i = 0; i < messages; i++) records.push(await room.seal(++counter));
  if (phase === 'both') for (const record of records) await room.open(record);
}

/** The total instruction count of one child run under callgrind. */
function countInstructions(dir: string, suiteName: string, phase: Phase, messages: number, scratch: string): number {
  const out = join(scratch, `${suiteName}-${phase}-${Math.random().toString(36).slice(2)}.out`);
  const run = spawnSync('valgrind', [
    '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
    process.execPath, fileURLToPath(import.meta.url), '--child', dir, '--suite', suiteName, '--phase', phase, '--messages', String(messages),
  ], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`callgrind child (${dir}, ${suiteName}, ${phase}) failed: ${run.stderr.slice(-2000)}`);
  const summary = /^summary: (\d+)$/m.exec(readFileSync(out, 'utf8'));
  rmSync(out);
  if (summary === null) throw new Error(`no summary line in callgrind's output for ${dir}, ${suiteName}, ${phase}`);
  return Number(summary[1]);
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    child: { type: 'boolean', default: false }, suite: { type: 'string', default: 'webcrypto' }, phase: { type: 'string', default: 'none' },
    messages: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '2' }, suites: { type: 'string', default: SUITE_NAMES.join(',') },
  });
  const messages = Number(values.messages);
  const rounds = Number(values.rounds);
  const suites = values.suites.split(',');
  if (positionals.length !== 1 || !Number.isInteger(messages) || messages < 1 || !Number.isInteger(rounds) || rounds < 1
    || suites.some((name) => !SUITE_NAMES.includes(name))) {
    throw new Error('usage: node dist/bench/message-instructions.js <other build dir> [--messages n] [--rounds n] [--suites webcrypto,noble]');
  }
  if (values.child) {
    if (!(PHASES as readonly string[]).includes(values.phase)) throw new Error(`unknown phase ${values.phase}`);
    await child(positionals[0]!, values.suite, values.phase as Phase, messages);
    return;
  }
  const other = resolve(positionals[0]!);
  if (!existsSync(join(other, 'dist', 'bench', 'client-costs.js'))) throw new Error(`${other} holds no built bench (dist/bench/client-costs.js)`);
  const builds = [{ label: 'this', dir: resolve(fileURLToPath(import.meta.url), '../../..') }, { label: 'other', dir: other }];
  const machine = machineInfo();
  process.stderr.write(`message instructions, this build vs ${other}: ${rounds} rounds × ${messages} messages, ${suites.join(' and ')} (valgrind ${spawnSync('valgrind', ['--version'], { encoding: 'utf8' }).stdout.trim()})\n`);
  const scratch = mkdtempSync(join(tmpdir(), 'sotto-instructions-'));
  // counts[build|suite|phase] = one total per round.
  const counts = new Map<string, number[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      const runs = shuffled(builds.flatMap((build) => suites.flatMap((suite) => PHASES.map((phase) => ({ build, suite, phase })))));
      for (const { build, suite, phase } of runs) {
        const key = `${build.label}|${suite}|${phase}`;
        counts.set(key, [...(counts.get(key) ?? []), countInstructions(build.dir, suite, phase, messages, scratch)]);
      }
      process.stderr.write(`  round ${round + 1} done\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const perMessage = (build: string, suite: string, minus: Phase, plus: Phase): number[] => {
    const low = counts.get(`${build}|${suite}|${minus}`)!;
    const high = counts.get(`${build}|${suite}|${plus}`)!;
    return high.map((total, round) => (total - low[round]!) / messages);
  };
  const rows = suites.flatMap((suite) => ([['send (chain step + seal + sign)', 'none', 'seal'], ['receive (chain step + verify + decrypt)', 'seal', 'both']] as const).map(([name, minus, plus]) => {
    const mine = perMessage('this', suite, minus, plus);
    const theirs = perMessage('other', suite, minus, plus);
    const ratios = mine.map((value, round) => value / theirs[round]!);
    return {
      case: name, suite, this_instructions: sig3(median(mine)), other_instructions: sig3(median(theirs)),
      ratio_median: sig3(median(ratios)), ratio_min: sig3(Math.min(...ratios)), ratio_max: sig3(Math.max(...ratios)),
    };
  }));
  for (const row of rows) {
    process.stderr.write(`  ${row.case} (${row.suite}): this ${row.this_instructions}, other ${row.other_instructions} instructions a message, this/other ${row.ratio_median} (${row.ratio_min}–${row.ratio_max})\n`);
  }
  process.stdout.write(`${JSON.stringify({ other, rounds, messages, warm_up: WARM_UP, suites, node: machine.node, rows })}\n`);
}

await main();
