// The relay as operators run it: `node dist/relay/main.js`, JSON logs on stdout that name no
// address, and a graceful SIGTERM that closes sockets with 1001.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromBase64Url } from '../../protocol/bytes.js';
import { RawClient } from '../helpers/raw-client.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('start, serve, log without addresses, shut down on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-relay-process-'));
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'relay', 'main.js'), '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'debug' },
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const reader = createInterface({ input: child.stdout! });
      reader.on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { msg: string; port?: number };
        if (entry.msg === 'relay listening' && entry.port !== undefined) resolve(entry.port);
      });
      child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
    });
    const config = (await (await fetch(`http://127.0.0.1:${port}/config.json`)).json()) as { relayPublicKey: string };
    const client = await RawClient.connect(`ws://127.0.0.1:${port}/ws`, fromBase64Url(config.relayPublicKey));
    assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
    child.kill('SIGTERM');
    assert.is((await client.closed).code, 1001);
    assert.is(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.type(entry['time'], 'string');
    assert.type(entry['level'], 'string');
    assert.type(entry['msg'], 'string');
    // The start line names the relay's own listen address (the URL to open); no client address.
    if (entry['msg'] !== 'relay listening') assert.not.ok(line.includes('127.0.0.1'), line);
  }
  const start = JSON.parse(lines.find((line) => line.includes('"relay listening"'))!) as Record<string, unknown>;
  assert.match(String(start['url']), /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.type(start['relayPublicKey'], 'string');
  assert.ok(lines.some((line) => line.includes('relay stopped')));
});

test.run();
