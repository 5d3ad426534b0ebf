// Plain HTTP on the relay's port: health, the relay key for the page, and the static web client
// (/metrics has a listener of its own, metrics-listener.ts). Every answer carries the same strict
// headers: the page may load only its own scripts and talk only to its own origin, its WebSocket
// included ('self' covers ws:/wss: to the same host in CSP Level 3; the page never talks elsewhere).
// Static files are revalidated by ETag and served from the build's precompressed copies.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { toBase64Url } from '../protocol/bytes.js';
import type { Logger } from './log.js';
import type { Gauges, Metrics } from './metrics.js';
import { contentTypeOf, SECURITY_HEADERS } from './security-headers.js';

export const WS_PATH = '/ws';

export interface HttpDeps {
  readonly staticDir: string;
  readonly relayPublicKey: Uint8Array;
  /** Told to clients in config.json, so a person hears the limit before uploading (V-137). */
  readonly maxAttachmentBytes: number;
  readonly metrics: Metrics;
  readonly gauges: () => Promise<Gauges>;
  readonly log: Logger;
}

export function createHttpHandler(deps: HttpDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const root = resolve(deps.staticDir);
  const configJson = JSON.stringify({ relayPublicKey: toBase64Url(deps.relayPublicKey), wsPath: WS_PATH, maxAttachmentBytes: deps.maxAttachmentBytes });
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
    case '/config.json':
      send(response, request, 200, 'application/json', configJson, true);
      return;
  }
  const path = staticPath(root, pathname);
  const file = path === undefined ? undefined : await regularFile(path);
  if (path === undefined || file === undefined) {
    send(response, request, 404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  // The variant actually sent: its own size and mtime make its ETag differ from the others'.
  const variant = (await precompressed(path, request.headers['accept-encoding'])) ?? { ...file, encoding: undefined };
  const etag = `"${variant.size.toString(16)}-${Math.floor(variant.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': contentTypeOf(path),
    'Cache-Control': cachePolicy(path),
    ETag: etag,
    Vary: 'Accept-Encoding',
    ...(variant.encoding === undefined ? {} : { 'Content-Encoding': variant.encoding }),
  };
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': String(variant.size) });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(variant.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The path under `root` a URL path names, or undefined: no escaping the directory. */
function staticPath(root: string, pathname: string): string | undefined {
  if (pathname.includes('\0')) return undefined;
  const path = resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
  return path.startsWith(root + sep) ? path : undefined;
}

/** `path` if it is a regular file: no directory listings. */
async function regularFile(path: string): Promise<FileInfo | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Suffixes of the compressed copies web/build.ts writes beside each text file, the preferred first. */
export const PRECOMPRESSED = [{ suffix: '.br', encoding: 'br' }, { suffix: '.gz', encoding: 'gzip' }] as const;

/** The build's brotli or gzip copy of `path` (web/build.ts writes them) if the client takes it. */
async function precompressed(path: string, acceptEncoding: string | undefined): Promise<(FileInfo & { encoding: string }) | undefined> {
  const accepted = acceptedEncodings(acceptEncoding);
  for (const { suffix, encoding } of PRECOMPRESSED) {
    if (!accepted.has(encoding)) continue;
    const file = await regularFile(`${path}${suffix}`);
    if (file !== undefined) return { ...file, encoding };
  }
  return undefined;
}

/** Codings named in Accept-Encoding without q=0. */
function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name === undefined || name === '') continue;
    const refused = params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(param));
    if (!refused) out.add(name.trim());
  }
  return out;
}

/** If-None-Match against our ETag, weak comparison as RFC 9110 asks for GET. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
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
