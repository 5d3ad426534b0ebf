// Plain HTTP on the relay's port: health, metrics, the relay key for the page, and the static web
// client. Every answer carries the same strict headers: the page may load only its own scripts
// and talk only to its own origin's WebSocket.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { toBase64Url } from '../protocol/bytes.js';
import type { Logger } from './log.js';
import type { Gauges, Metrics } from './metrics.js';

export const WS_PATH = '/ws';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; " +
    "worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export interface HttpDeps {
  readonly staticDir: string;
  readonly relayPublicKey: Uint8Array;
  readonly metrics: Metrics;
  readonly gauges: () => Promise<Gauges>;
  readonly log: Logger;
}

export function createHttpHandler(deps: HttpDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const root = resolve(deps.staticDir);
  const configJson = JSON.stringify({ relayPublicKey: toBase64Url(deps.relayPublicKey), wsPath: WS_PATH });
  return (request, response) => {
    serve(deps, root, configJson, request, response).catch((error: unknown) => {
      deps.log.error('http request failed', { error: error instanceof Error ? error.name : typeof error });
      if (!response.headersSent) send(response, request, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  };
}

async function serve(deps: HttpDeps, root: string, configJson: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(response, request, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://relay.invalid').pathname);
  } catch {
    send(response, request, 400, 'text/plain; charset=utf-8', 'bad request\n');
    return;
  }
  switch (pathname) {
    case '/healthz':
      send(response, request, 200, 'application/json', JSON.stringify(deps.metrics.health(await deps.gauges())), true);
      return;
    case '/metrics':
      send(response, request, 200, 'text/plain; version=0.0.4; charset=utf-8', deps.metrics.render(await deps.gauges()), true);
      return;
    case '/config.json':
      send(response, request, 200, 'application/json', configJson, true);
      return;
  }
  const file = await staticFile(root, pathname);
  if (file === undefined) {
    send(response, request, 404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  writeHead(response, 200, CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream', file.size, cachePolicy(file.path));
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

/** A regular file under `root`, or undefined: no escaping the directory, no directory listings. */
async function staticFile(root: string, pathname: string): Promise<{ path: string; size: number } | undefined> {
  if (pathname.includes('\0')) return undefined;
  const path = resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
  if (!path.startsWith(root + sep)) return undefined;
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}

/** A content hash in a built file's name (`main-ABCD1234.js`, web/build.ts): such a file never changes. */
const HASHED_NAME = /-[A-Za-z0-9]{8,}\.(js|css)$/;

/** Hashed bundle files are immutable; everything else (index.html above all) is revalidated. */
function cachePolicy(path: string): string {
  return HASHED_NAME.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

function writeHead(response: ServerResponse, status: number, contentType: string, length: number, cacheControl?: string): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': contentType,
    'Content-Length': String(length),
    ...(cacheControl === undefined ? {} : { 'Cache-Control': cacheControl }),
  });
}

function send(response: ServerResponse, request: IncomingMessage, status: number, contentType: string, body: string, noStore = false): void {
  const bytes = Buffer.from(body);
  writeHead(response, status, contentType, bytes.length, noStore ? 'no-store' : undefined);
  response.end(request.method === 'HEAD' ? undefined : bytes);
}
