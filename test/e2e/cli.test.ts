// The `sotto` command line against a real relay: create a room, invite, join while the owner
// listens, send, and see the message arrive as a JSON line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { SNAPSHOT_FILE } from '../../client/file-persistence.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tempDir, waitUntil } from '../helpers/clients.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';

const CLI = join(REPO_ROOT, 'dist', 'client', 'cli.js');
const env = { ...process.env, SOTTO_TEST_PASS: 'cli passphrase' };
let relay: RelayProcess;
const owner = tempDir('sotto-cli-owner-');
const joiner = tempDir('sotto-cli-joiner-');

test.before(async () => {
  relay = await startRelayProcess();
});

test.after(async () => {
  await relay.dispose();
  owner.remove();
  joiner.remove();
});

async function sotto(dir: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args, '--relay', relay.url, '--data-dir', dir, '--passphrase-env', 'SOTTO_TEST_PASS'], { env });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

test('create-room, invite, join, send, listen', async () => {
  const { roomId } = await sotto(owner.path, 'create-room', '--name', 'CLI room', '--display-name', 'Owner', '--history', 'last:5');
  assert.type(roomId, 'string');
  const { link } = await sotto(owner.path, 'invite', roomId as string);
  assert.type(link, 'string');

  const listener = spawn(process.execPath, [CLI, 'listen', '--relay', relay.url, '--data-dir', owner.path, '--passphrase-env', 'SOTTO_TEST_PASS'], {
    env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: listener.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const exited = new Promise((resolve) => listener.once('exit', resolve));
  try {
    const joined = await sotto(joiner.path, 'join', link as string, '--name', 'Joiner');
    assert.equal(joined, { roomId, state: 'member' });
    const { seq } = await sotto(joiner.path, 'send', roomId as string, 'hello from the command line');
    assert.type(seq, 'number');
    await waitUntil(() => lines.some((l) => l.event === 'message' && l.text === 'hello from the command line' && l.senderName === 'Joiner'), 'the listener prints the message');
  } finally {
    listener.kill('SIGINT');
    await exited;
  }
});

test('a wrong passphrase is refused and the keystore is left alone', async () => {
  try {
    await promisify(execFile)(process.execPath, [CLI, 'listen', '--relay', relay.url, '--data-dir', owner.path, '--passphrase-env', 'WRONG'], {
      env: { ...process.env, WRONG: 'not it' },
    });
    assert.unreachable('a wrong passphrase opened the keystore');
  } catch (error) {
    assert.match(String((error as { stderr?: string }).stderr), 'wrong passphrase');
  }
  const { roomId } = await sotto(owner.path, 'create-room', '--name', 'still works');
  assert.type(roomId, 'string');
});

test('--help and no arguments print the usage; a wrong command prints it too and exits 2', async () => {
  const run = promisify(execFile);
  for (const args of [['--help'], []]) {
    const { stdout } = await run(process.execPath, [CLI, ...args], { env });
    assert.ok(stdout.startsWith('Usage:'), `usage for ${JSON.stringify(args)}`);
    assert.ok(stdout.includes('sotto join LINK --name NAME'));
  }
  const wrong = await run(process.execPath, [CLI, 'frobnicate', '--passphrase-env', 'SOTTO_TEST_PASS', '--relay', relay.url, '--data-dir', owner.path], { env })
    .then(() => undefined, (error: { code: number; stderr: string }) => error);
  assert.is(wrong?.code, 2);
  assert.ok(wrong!.stderr.includes('unknown command "frobnicate"') && wrong!.stderr.includes('Usage:'));
});

test('mistyped flags, flags of another command and stray words are refused before anything is opened', async () => {
  const run = promisify(execFile);
  const fails = (args: string[]): Promise<{ code: number; stderr: string } | undefined> =>
    run(process.execPath, [CLI, ...args, '--passphrase-env', 'SOTTO_TEST_PASS', '--relay', relay.url, '--data-dir', owner.path], { env })
      .then(() => undefined, (error: { code: number; stderr: string }) => error);
  const cases: [string[], string][] = [
    [['listen', '--relay-kee', 'abc'], 'unknown option --relay-kee'],
    [['send', 'room', 'hello', 'world'], 'unexpected argument "world"'],
    [['listen', '--name', 'x'], '--name does not apply to listen'],
    [['invite', 'room', '--ttl-hours', 'soon'], '--ttl-hours must be'],
    [['create-room', '--name', 'r', '--history', 'last:0'], '--history must be join, last:N'],
    [['create-room', '--name', 'r', '--history', 'some'], '--history must be join, last:N'],
  ];
  for (const [args, said] of cases) {
    const failure = await fails(args);
    assert.is(failure?.code, 2, args.join(' '));
    assert.ok(failure!.stderr.includes(said), `${args.join(' ')}: ${failure!.stderr}`);
  }
});

test('a new keystore needs a passphrase that is hard to guess; nothing is written for a weak one', async () => {
  const fresh = tempDir('sotto-cli-weak-');
  try {
    const failure = await promisify(execFile)(process.execPath, [CLI, 'create-room', '--name', 'r', '--relay', relay.url, '--data-dir', fresh.path, '--passphrase-env', 'WEAK'], {
      env: { ...env, WEAK: 'password1' },
    }).then(() => undefined, (error: { code: number; stderr: string }) => error);
    assert.is(failure?.code, 2);
    assert.match(failure!.stderr, 'too easy to guess');
    assert.not.ok(existsSync(join(fresh.path, SNAPSHOT_FILE)));
  } finally {
    fresh.remove();
  }
});

test.run();
