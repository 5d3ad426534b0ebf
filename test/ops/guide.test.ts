// docs/run-your-own-relay.md, run as written: every ```sh block, line by line in one bash session
// (`set -euo pipefail`, so the first failing line fails the test), from a clone of this repository.
// The test changes only the install directory (/opt/sotto → a temporary one) and the port (8080 →
// a free one). A block it cannot run here (root, systemd, a public DNS name) must be marked
// `<!-- guide-test: skip (reason) -->` just above it; an unmarked block is always run.
// `npm ci` compiles better-sqlite3 and builds Sotto, most of this test's few minutes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../helpers/paths.js';
import { freePort } from '../helpers/service-binary.js';

const run = promisify(execFile);
const GUIDE = join(REPO_ROOT, 'docs', 'run-your-own-relay.md');

interface Block {
  readonly lines: readonly string[];
  readonly skip: string | undefined;
}

/** The guide's sh blocks, each with its skip reason if it is marked. */
function guideBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const marker = /^<!-- guide-test: skip \((.+)\) -->$/.exec(lines[i - 1] ?? '');
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    blocks.push({ lines: body, skip: marker?.[1] });
  }
  return blocks;
}

test('every block of the guide is run or says why not, and the runnable ones pass as written', async () => {
  const blocks = guideBlocks(readFileSync(GUIDE, 'utf8'));
  const runnable = blocks.filter((b) => b.skip === undefined);
  assert.ok(runnable.length >= 3, 'the guide has blocks to run');
  for (const block of blocks) assert.ok(block.skip === undefined || block.skip.length > 10, 'a skip says why');

  const dir = mkdtempSync(join(tmpdir(), 'sotto-guide-'));
  const home = join(dir, 'sotto');
  const port = String(await freePort());
  try {
    const script = ['set -euo pipefail', ...runnable.flatMap((b) => b.lines)]
      .map((line) => line.replaceAll('/opt/sotto', home).replaceAll('8080', port))
      .join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      cwd: dir,
      env: { ...process.env, SOTTO_REPO: REPO_ROOT, JOBS: String(availableParallelism()), npm_config_prefer_offline: 'true' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    // What the guide says each step shows.
    assert.match(stdout, '"status":"ok"');
    assert.match(stdout, /"relayPublicKey":"[A-Za-z0-9_-]{43}"/);
    const served = readFileSync(join(home, 'dist', 'www', 'release.json'));
    assert.match(stdout, createHash('sha256').update(served).digest('hex'));
    assert.match(stdout, 'relay.sqlite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
