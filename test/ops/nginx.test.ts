// docs/nginx.conf as shipped, in front of a real relay process: Debian's nginx terminates TLS with a
// certificate made here, and the whole chat runs through wss://. Only the placeholders are filled
// in and proxy_read_timeout is shortened (with the relay's heartbeat) so the idle test is quick.
// Without nginx the test is skipped locally and fails in CI (CI=true): apt-get install nginx.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { fromBase64Url } from '../../protocol/bytes.js';
import { SottoClient } from '../../protocol/client/client.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { waitUntil } from '../helpers/clients.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';

const NGINX = '/usr/sbin/nginx';
const HEARTBEAT_MS = 1000;
const PROXY_READ_TIMEOUT_S = 2;
const IDLE_MS = 5000;
const MAX_CONNECTIONS_PER_IP = 8;
const HASHED_BUNDLE = 'main-3F2A9C1B7Q.js';

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

let dir: string;
let relay: RelayProcess;
let nginx: ChildProcess | undefined;
let nginxExited: Promise<void>;
let ca: Buffer;
let httpsPort: number;
let httpPort: number;
const clients: SottoClient[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function httpsGet(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, path, ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** docs/nginx.conf with its placeholders filled in, and the idle timeout shortened for the test. */
function siteConfig(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'nginx.conf'), 'utf8');
  const timeout = /proxy_read_timeout \d+s;/;
  assert.ok(timeout.test(doc), 'docs/nginx.conf sets proxy_read_timeout');
  const filled = doc
    .replace(timeout, `proxy_read_timeout ${PROXY_READ_TIMEOUT_S}s;`)
    .replaceAll('__SERVER_NAME__', 'localhost')
    .replaceAll('__HTTP_LISTEN__', `127.0.0.1:${httpPort}`)
    .replaceAll('__LISTEN__', `127.0.0.1:${httpsPort}`)
    .replaceAll('__CERT_KEY__', join(dir, 'key.pem'))
    .replaceAll('__CERT__', join(dir, 'cert.pem'))
    .replaceAll('__RELAY_PORT__', String(relay.port));
  assert.not.match(filled, /__[A-Z_]+__/, 'every placeholder is documented and filled');
  return filled;
}

/** What /etc/nginx/nginx.conf would provide, confined to the temp dir. */
function mainConfig(): string {
  const temp = join(dir, 'nginx-temp');
  mkdirSync(temp);
  const isRoot = process.getuid?.() === 0;
  return [
    // As root, workers would drop to "nobody", which cannot enter the 0700 temp dir.
    ...(isRoot ? ['user root;'] : []),
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(temp, kind)};`),
    `  include ${join(dir, 'sotto.conf')};`,
    '}',
  ].join('\n');
}

async function startNginx(): Promise<void> {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'));
  writeFileSync(join(dir, 'sotto.conf'), siteConfig());
  writeFileSync(join(dir, 'nginx.conf'), mainConfig());
  execFileSync(NGINX, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  nginx = child;
  nginxExited = new Promise((resolve) => child.once('exit', () => resolve()));
  await waitUntil(() => existsSync(join(dir, 'nginx.pid')), 'nginx to start', 10_000);
  for (let attempt = 0; ; attempt++) {
    try {
      await httpsGet('/config.json');
      return;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A browser-like client whose socket trusts the test certificate. */
async function tlsClient(): Promise<SottoClient> {
  const client = await SottoClient.open({
    suite: await detectSuite(),
    primitives: nodePrimitives,
    connect: async () => {
      const socket = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, { perMessageDeflate: false, ca });
      socket.binaryType = 'arraybuffer';
      return { socket, relayPublicKey: relay.publicKey };
    },
  });
  clients.push(client);
  await client.whenOnline(30_000);
  return client;
}

const available = existsSync(NGINX);
const ci = process.env['CI'] === 'true';

if (!available && ci) {
  test('nginx is installed (CI runs the nginx tests; apt-get install nginx)', () => {
    assert.unreachable(`${NGINX} is missing`);
  });
} else {
  const run = available ? test : test.skip;
  if (!available) process.stderr.write(`nginx tests skipped: ${NGINX} missing (apt-get install nginx); they fail under CI=true\n`);

  test.before(async () => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), 'sotto-nginx-'));
    const staticDir = join(dir, 'www');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Sotto</title>');
    writeFileSync(join(staticDir, HASHED_BUNDLE), 'export {};');
    [httpsPort, httpPort] = [await freePort(), await freePort()];
    relay = await startRelayProcess([
      '--heartbeat-ms', String(HEARTBEAT_MS), '--trust-proxy', '127.0.0.1', '--static-dir', staticDir,
      '--max-connections-per-ip', String(MAX_CONNECTIONS_PER_IP),
    ]);
    await startNginx();
  });

  test.after(async () => {
    if (!available) return;
    await Promise.all(clients.map((c) => c.close()));
    nginx?.kill('SIGTERM');
    if (nginx !== undefined) await nginxExited;
    await relay?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  run('TLS in front: the page revalidates, hashed bundles cache for a year, metrics stay private, HTTP redirects', async () => {
    const index = await httpsGet('/');
    assert.is(index.status, 200);
    assert.is(index.headers['cache-control'], 'no-cache');
    assert.ok(String(index.headers['strict-transport-security']).startsWith('max-age='));
    assert.ok(String(index.headers['content-security-policy']).includes("frame-ancestors 'none'"), 'the relay’s headers pass through');
    const bundle = await httpsGet(`/${HASHED_BUNDLE}`);
    assert.is(bundle.status, 200);
    assert.ok(String(bundle.headers['cache-control']).includes('immutable'));
    const config = await httpsGet('/config.json');
    assert.equal(fromBase64Url((JSON.parse(config.body) as { relayPublicKey: string }).relayPublicKey), relay.publicKey);
    assert.is((await httpsGet('/metrics')).status, 404);
    assert.is((await httpsGet('/healthz')).status, 404);
    const redirect = await new Promise<number | undefined>((resolve, reject) => {
      httpGet({ host: '127.0.0.1', port: httpPort, path: '/' }, (res) => {
        res.resume();
        resolve(res.statusCode);
        assert.ok(String(res.headers.location).startsWith('https://'));
      }).on('error', reject);
    });
    assert.is(redirect, 301);
  });

  run('a whole chat through wss://: create, invite, join, talk both ways', async () => {
    const alice = await tlsClient();
    const bob = await tlsClient();
    const roomId = await alice.createRoom('Through the proxy', 'Alice');
    const { link } = await alice.createInvite(roomId);
    assert.is(await bob.join(link, 'Bob'), roomId);
    await waitUntil(() => bob.rooms()[0]?.status === 'member', 'bob admitted');
    await alice.send(roomId, 'hello over TLS');
    await waitUntil(() => bob.messages(roomId).some((m) => m.text === 'hello over TLS'), 'bob reads alice');
    await bob.send(roomId, 'loud and clear');
    await waitUntil(() => alice.messages(roomId).some((m) => m.text === 'loud and clear'), 'alice reads bob');
  });

  run('an idle WebSocket outlives proxy_read_timeout: the relay heartbeat keeps it open', async () => {
    const client = await RawClient.connect(`wss://127.0.0.1:${httpsPort}/ws`, relay.publicKey, { ca });
    let closed = false;
    void client.closed.then(() => (closed = true));
    assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    assert.not.ok(closed, `closed after ${IDLE_MS} ms idle with proxy_read_timeout ${PROXY_READ_TIMEOUT_S}s`);
    assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
    await client.close();
  });

  run('the page\'s own origin may open a WebSocket through nginx, another site\'s may not', async () => {
    const outcome = (origin: string): Promise<string> => new Promise((resolve) => {
      const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, { perMessageDeflate: false, ca, origin });
      ws.once('open', () => {
        ws.terminate();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('error', () => resolve('error'));
    });
    assert.is(await outcome(`https://127.0.0.1:${httpsPort}`), 'open', 'nginx passes the Host the browser used, port included');
    assert.is(await outcome('https://evil.example'), '403');
  });

  run('X-Forwarded-For from the client is replaced: spoofed addresses share one connection quota', async () => {
    const sockets: WebSocket[] = [];
    const outcomes: string[] = [];
    try {
      for (let i = 0; i <= MAX_CONNECTIONS_PER_IP; i++) {
        const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, { perMessageDeflate: false, ca, headers: { 'X-Forwarded-For': `198.51.100.${i}` } });
        sockets.push(ws);
        outcomes.push(await new Promise<string>((resolve) => {
          ws.once('open', () => resolve('open'));
          ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
          ws.on('error', () => resolve('error'));
        }));
      }
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    assert.ok(outcomes.includes('429'), outcomes.join(' '));
  });
}

test.run();
