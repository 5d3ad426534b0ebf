// Builds the browser client: bundles the page script (web/ui/main.ts) and the worker
// (web/worker/worker.ts) with esbuild under content-hashed names, copies static/, writes
// index.html pointing at the hashed files, and stores a brotli and a gzip copy beside every text
// file so the relay serves them compressed without compressing per request. Output: dist/www/.
// It also bundles the service worker (sw.js, pinning the release key it is given) and writes the
// release manifest (release.json: every app file's SHA-256), signed by web/release/release-plan.ts's
// key when the plan holds one; a release build is signed later, off the server (npm run release:sign).
//
// Compiled by the project's tsc to dist/web/build.js and run with
// `node dist/web/build.js [--watch] [outDir]`; --watch (npm run dev) rebuilds on every change.
// Not dist/web/: tsc owns that directory (it emits web/**/*.ts there), and serving it would publish
// unbundled modules and this script.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { expectPositionals, parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { toBase64Url } from '../protocol/bytes.js';
import { PRECOMPRESSED } from '../relay/http.js';
import { signRelease } from './release/release-key.js';
import { SERVICE_WORKER_FILE } from './release/release-manifest.js';
import { devRelease, projectRelease, type ReleasePlan } from './release/release-plan.js';
import { writeManifest } from './release/write-manifest.js';

/** The repository root: this file runs as dist/web/build.js. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'dist', 'www');

/** Files in static/ referenced from index.html by a fixed name and renamed with a content hash. */
const HASHED_STATIC = ['style.css'];

export interface BuiltWeb {
  readonly outDir: string;
  readonly main: string;
  readonly worker: string;
  readonly style: string;
  /** The manifest's SHA-256, what people compare; undefined until signed. */
  readonly releaseId: string | undefined;
}

function hashed(name: string, bytes: Uint8Array): string {
  const digest = createHash('sha256').update(bytes).digest('base64url').slice(0, 10).replace(/[-_]/g, 'x');
  const ext = extname(name);
  return `${basename(name, ext)}-${digest}${ext}`;
}

/** `classic`: one self-contained script (the service worker, registered as a classic script so every browser with service workers runs it). */
async function bundle(entry: string, outDir: string, define: Record<string, string>, classic?: { readonly name: string }): Promise<string> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: classic === undefined ? 'esm' : 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    outdir: outDir,
    entryNames: classic?.name ?? '[name]-[hash]',
    // Code imported on demand (the passphrase checker's word lists) goes in hashed chunks of its own.
    splitting: classic === undefined,
    chunkNames: '[name]-[hash]',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    write: true,
    logLevel: 'warning',
    define,
    // Nothing from Node may sneak into the browser bundle.
    external: [],
    conditions: ['browser', 'import'],
  });
  // Chunks loaded on demand are entry points of their own in the metafile: pick the one asked for.
  const outputs = Object.entries(result.metafile.outputs).filter(([, meta]) => meta.entryPoint === entry);
  if (outputs.length !== 1) throw new Error(`expected one output for ${entry}, got ${outputs.length}`);
  return basename(outputs[0]![0]);
}

export async function buildWeb(outDir: string, release: ReleasePlan): Promise<BuiltWeb> {
  const staticDir = join(REPO_ROOT, 'static');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const worker = await bundle('web/worker/worker.ts', outDir, {});
  // The page learns the worker's hashed name at build time, so the page's own hash covers it.
  const main = await bundle('web/ui/main.ts', outDir, { SOTTO_WORKER_URL: JSON.stringify(`/${worker}`) });

  const renamed = new Map<string, string>();
  for (const name of readdirSync(staticDir)) {
    const from = join(staticDir, name);
    if (!statSync(from).isFile() || name === 'index.html') continue;
    if (HASHED_STATIC.includes(name)) {
      const target = hashed(name, readFileSync(from));
      renamed.set(name, target);
      copyFileSync(from, join(outDir, target));
    } else {
      copyFileSync(from, join(outDir, name));
    }
  }
  const style = renamed.get('style.css');
  if (style === undefined) throw new Error('static/style.css is missing');

  let html = readFileSync(join(staticDir, 'index.html'), 'utf8');
  const replace = (from: string, to: string): void => {
    if (!html.includes(from)) throw new Error(`static/index.html must contain ${from}`);
    html = html.replace(from, to);
  };
  replace('src="/main.js"', `src="/${main}"`);
  replace('href="/style.css"', `href="/${style}"`);
  writeFileSync(join(outDir, 'index.html'), html);
  // A fixed name, outside the manifest: the browser fetches it itself to install and update it.
  const sw = await bundle('web/sw/sw.ts', outDir, {
    SOTTO_RELEASE_KEY: JSON.stringify(toBase64Url(release.publicKey)),
    SOTTO_RELEASE_CHANNEL: JSON.stringify(release.channel),
  }, { name: 'sw' });
  if (sw !== SERVICE_WORKER_FILE) throw new Error(`service worker bundled as ${sw}`);
  writeManifest(outDir, { version: packageVersion(), channel: release.channel, built: Date.now(), signer: toBase64Url(release.publicKey) });
  const releaseId = release.privatePem === undefined ? undefined : signRelease(outDir, release.privatePem).id;
  precompress(outDir);
  return { outDir, main, worker, style, releaseId };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}

/** Text worth compressing; images other than SVG are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt']);

/** FILE.br and FILE.gz beside each compressible FILE, at the strongest settings: this runs once per build. */
function precompress(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    if (!COMPRESSIBLE.has(extname(name))) continue;
    const bytes = readFileSync(join(outDir, name));
    for (const { suffix, encoding } of PRECOMPRESSED) {
      const compressed = encoding === 'br'
        ? brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
        : gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION });
      writeFileSync(join(outDir, `${name}${suffix}`), compressed);
    }
  }
}

/** Rebuilds on any change under the sources the bundle is made of, a burst of saves once. */
function watchSources(outDir: string, release: ReleasePlan): void {
  let timer: NodeJS.Timeout | undefined;
  const rebuild = (): void => {
    timer = undefined;
    buildWeb(outDir, release).then(
      (built) => process.stdout.write(`web client rebuilt: ${built.main}, ${built.worker}, ${built.style}\n`),
      // A syntax error mid-edit is normal while watching: say it and wait for the next save.
      (error: unknown) => process.stderr.write(`web build failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };
  for (const dir of ['web', 'protocol', 'static']) {
    watch(join(REPO_ROOT, dir), { recursive: true }, () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(rebuild, 200);
    });
  }
  process.stdout.write('watching web/, protocol/ and static/ for changes\n');
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), { watch: { type: 'boolean' }, release: { type: 'boolean' } });
    expectPositionals(positionals, 0, 1, 'node dist/web/build.js [--watch] [--release] [outDir]');
    const outDir = positionals[0] === undefined ? DEFAULT_OUT_DIR : resolve(positionals[0]);
    // --release pins the project's release key and leaves signing to npm run release:sign;
    // without it, the build is signed with this machine's development key and says so.
    const release = values.release === true ? projectRelease() : devRelease();
    const built = await buildWeb(outDir, release);
    process.stdout.write(`web client built in ${built.outDir}: ${built.main}, ${built.worker}, ${built.style}\n`);
    process.stdout.write(built.releaseId === undefined
      ? `release manifest written, NOT signed: sign it with npm run release:sign -- --key <release key>; until then browsers refuse it\n`
      : `release ${built.releaseId} signed with the ${release.channel} key ${release.keyPath}\n`);
    if (values.watch === true) watchSources(outDir, release);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`web build: ${error.message}\n`);
    process.exitCode = 2;
  }
}
