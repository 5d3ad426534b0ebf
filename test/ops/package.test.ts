// The package as an operator gets it: `npm pack`, then `npm install --omit=dev` of the tarball into
// an empty directory (no build tools, no TypeScript), then the two commands it ships. The relay must
// answer on 127.0.0.1 and say where to open it and which key to pin. How fast it starts is measured
// in bench/, not asserted here (`npm run bench:start`; docs/performance.md, "Start-up").
// better-sqlite3 compiles from source during the install (it has no prebuilt binary here), which is
// most of this test's minute or two; packages come from npm's cache when they are there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);

let dir: string;
let app: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-package-'));
  app = join(dir, 'app');
  mkdirSync(app);
  // dist/ is what `npm test` just built; --ignore-scripts skips `prepare` building it a second time.
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
  await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], {
    cwd: app,
    // node-gyp compiles better-sqlite3 with every core rather than one.
    env: { ...process.env, JOBS: String(availableParallelism()) },
    maxBuffer: 16 * 1024 * 1024,
  });
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function bin(name: string): string {
  return join(app, 'node_modules', '.bin', name);
}

test('the installed package holds no build tools and no tests', () => {
  const modules = readdirSync(join(app, 'node_modules'));
  for (const dev of ['typescript', 'esbuild', 'uvu', 'playwright-core']) assert.not.ok(modules.includes(dev), dev);
  const dist = readdirSync(join(app, 'node_modules', 'sotto', 'dist'));
  assert.equal(dist.sort(), ['client', 'protocol', 'relay', 'www']);
});

test('sotto-relay --help and sotto --help run from the installed package', async () => {
  const relayHelp = await run(bin('sotto-relay'), ['--help']);
  assert.match(relayHelp.stdout, 'Usage: sotto-relay');
  assert.match(relayHelp.stdout, '--metrics-port');
  const clientHelp = await run(bin('sotto'), ['--help']);
  assert.match(clientHelp.stdout, 'sotto join LINK --name NAME');
  const wrong = await run(bin('sotto-relay'), ['--prot', '80']).then(() => undefined, (error: { code: number; stderr: string }) => error);
  assert.is(wrong?.code, 2);
  assert.match(wrong!.stderr, 'unknown option --prot');
});

test('the installed relay serves the app on 127.0.0.1 and logs the URL and the relay key', async () => {
  const child = spawn(bin('sotto-relay'), ['--port', '0', '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const line = await new Promise<{ url: string; relayPublicKey: string; port: number }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (text) => {
        if (text.includes('"relay listening"')) resolve(JSON.parse(text) as { url: string; relayPublicKey: string; port: number });
      });
      void exited.then(() => reject(new Error('the relay exited before listening')));
    });
    const index = await fetch(line.url);
    assert.is(line.url, `http://127.0.0.1:${line.port}/`);
    assert.is(index.status, 200);
    assert.match(await index.text(), '<script');
    const config = (await (await fetch(`${line.url}config.json`)).json()) as { relayPublicKey: string };
    assert.is(line.relayPublicKey, config.relayPublicKey);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test.run();
