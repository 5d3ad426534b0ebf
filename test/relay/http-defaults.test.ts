// The public port's HTTP defaults against a real relay on 127.0.0.1: static files revalidate by
// ETag and come precompressed, hashed bundles are immutable, the CSP lets the page talk only to its
// own origin, and a browser page from another site cannot open a WebSocket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { resolveConfig } from '../../relay/config.js';
import { originAllowed } from '../../relay/origin.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';

const BUNDLE = 'main-ABCDEFGH12.js';
const SCRIPT = `export const greeting = "${'hello '.repeat(200)}";\n`;

let dir: string;
let relay: RunningRelay;
let base: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-http-'));
  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>Sotto</title>');
  writeFileSync(join(www, BUNDLE), SCRIPT);
  writeFileSync(join(www, `${BUNDLE}.br`), brotliCompressSync(SCRIPT));
  writeFileSync(join(www, `${BUNDLE}.gz`), gzipSync(SCRIPT));
  relay = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), staticDir: www, logLevel: 'silent' }));
  base = `http://127.0.0.1:${relay.port}`;
});

test.after(async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

/** fetch decompresses on its own; node:http keeps the bytes as sent. */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') out.set(name, value);
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
      });
    }).on('error', reject).end();
  });
}

test('precompressed copies are served by Accept-Encoding, brotli first, each with its own ETag', async () => {
  const br = await raw(`/${BUNDLE}`, { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.is(br.headers.get('content-encoding'), 'br');
  assert.is(brotliDecompressSync(br.body).toString(), SCRIPT);
  const gz = await raw(`/${BUNDLE}`, { 'Accept-Encoding': 'gzip, br;q=0' });
  assert.is(gz.headers.get('content-encoding'), 'gzip');
  assert.is(gunzipSync(gz.body).toString(), SCRIPT);
  const plain = await raw(`/${BUNDLE}`, {});
  assert.is(plain.headers.get('content-encoding'), null);
  assert.is(plain.body.toString(), SCRIPT);
  for (const response of [br, gz, plain]) assert.is(response.headers.get('vary'), 'Accept-Encoding');
  const tags = new Set([br, gz, plain].map((r) => r.headers.get('etag')));
  assert.is(tags.size, 3, 'one ETag per variant');
  assert.ok(br.body.length < plain.body.length);
});

test('If-None-Match answers 304 with no body; hashed bundles are immutable, the page revalidates', async () => {
  const first = await raw(`/${BUNDLE}`, { 'Accept-Encoding': 'br' });
  assert.ok(String(first.headers.get('cache-control')).includes('immutable'));
  const etag = first.headers.get('etag')!;
  const again = await raw(`/${BUNDLE}`, { 'Accept-Encoding': 'br', 'If-None-Match': `W/${etag}, "other"` });
  assert.is(again.status, 304);
  assert.is(again.body.length, 0);
  assert.is(again.headers.get('etag'), etag);
  const stale = await raw(`/${BUNDLE}`, { 'Accept-Encoding': 'br', 'If-None-Match': '"stale"' });
  assert.is(stale.status, 200);
  const index = await raw('/', {});
  assert.is(index.headers.get('cache-control'), 'no-cache');
  assert.is((await raw('/', { 'If-None-Match': index.headers.get('etag')! })).status, 304);
});

test("the CSP's connect-src is the page's own origin only", async () => {
  const csp = (await raw('/', {})).headers.get('content-security-policy')!;
  assert.match(csp, /connect-src 'self';/);
  assert.not.match(csp, /ws:|wss:/);
});

function upgrade(origin: string | undefined, host?: string): Promise<string> {
  const headers: Record<string, string> = {};
  if (host !== undefined) headers['Host'] = host;
  const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/ws`, { perMessageDeflate: false, headers, ...(origin === undefined ? {} : { origin }) });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
    ws.on('error', () => resolve('error'));
  });
}

test('a WebSocket from a page on another site is refused by default; the own origin and non-browsers are not', async () => {
  assert.is(await upgrade(`http://127.0.0.1:${relay.port}`), 'open');
  assert.is(await upgrade(undefined), 'open');
  assert.is(await upgrade('https://evil.example'), '403');
  assert.is(await upgrade(`http://127.0.0.1:${relay.port + 1}`), '403');
  assert.is(await upgrade('https://chat.example', 'chat.example'), 'open', 'behind a TLS proxy the scheme differs');
});

test('originAllowed: the configured public origin exactly, else the Host the request named', () => {
  assert.ok(originAllowed('https://chat.example', 'chat.example', undefined));
  assert.ok(originAllowed('https://chat.example:8443', 'chat.example:8443', undefined));
  assert.not.ok(originAllowed('https://chat.example', 'chat.example:8443', undefined));
  assert.not.ok(originAllowed('https://chat.example.evil', 'chat.example', undefined));
  assert.not.ok(originAllowed('null', 'chat.example', undefined));
  assert.not.ok(originAllowed('file://x', 'x', undefined));
  assert.not.ok(originAllowed('https://chat.example', undefined, undefined));
  assert.not.ok(originAllowed('https://chat.example', 'bad host/', undefined));
  assert.ok(originAllowed(undefined, undefined, undefined));
  assert.ok(originAllowed('https://chat.example', 'relay.internal:8080', 'https://chat.example'));
  assert.not.ok(originAllowed('https://other.example', 'other.example', 'https://chat.example'));
});

test.run();
