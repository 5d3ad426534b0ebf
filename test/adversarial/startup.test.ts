// Refusing to start unsafely: the SQLite versions with the WAL-reset corruption bug are refused with
// a message naming the version and the fix, the bundled one is not among them, and the CLI turns a
// startup refusal into a clear log line and a non-zero exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkSqliteVersion, hasWalResetBug } from '../../relay/store/sqlite-version.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('an affected SQLite is refused with a message naming it and the fixed releases', () => {
  for (const version of ['3.7.0', '3.44.5', '3.45.1', '3.50.6', '3.51.2']) {
    assert.throws(() => checkSqliteVersion(version), (error: Error) => error.message.includes(version) && error.message.includes('3.51.3'), version);
  }
});

test('the SQLite bundled with better-sqlite3 is not affected', () => {
  const db = new Database(':memory:');
  const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  assert.not.ok(hasWalResetBug(version), version);
});

test('the CLI reports a startup refusal and exits non-zero', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-startup-'));
  try {
    // A data directory that is a file: the relay cannot start, the same path a refused SQLite takes.
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, 'x');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'relay', 'main.js'), '--port', '0', '--host', '127.0.0.1', '--data-dir', notADirectory], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.is(code, 1, output);
    assert.ok(output.includes('relay failed to start'), output);
    assert.not.ok(output.includes('relay listening'), output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
