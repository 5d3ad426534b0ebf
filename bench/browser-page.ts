// Runs a bench page in Chromium: bundles one of bench/browser/*-page.ts with esbuild, serves it from
// 127.0.0.1 (a secure context, so WebCrypto and IndexedDB are there) and calls the runner the page
// puts on globalThis through playwright-core. CHROMIUM_PATH overrides the browser (default
// /usr/bin/chromium).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { distPath } from './dist-paths.js';

const PAGE = '<!doctype html><meta charset="utf-8"><title>Sotto bench</title><script type="module" src="/bench.js"></script>';
/** Argon2id and 10,000-message catch-ups with noble take minutes in a page. */
const PAGE_TIMEOUT_MS = 30 * 60 * 1000;

/** `entry` relative to dist/bench/; the page sets `globalThis[name]` to an object whose `run(...args)` answers. */
export async function runPageBench<T>(entry: string, name: string, args: readonly unknown[], progress: (line: string) => void): Promise<T> {
  const bundle = await build({ entryPoints: [distPath(entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false });
  const script = bundle.outputFiles[0]!.contents;
  const server = createServer((request, response) => {
    if (request.url === '/bench.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.on('console', (message) => progress(`chromium: ${message.text()}`));
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction((global) => global in globalThis, name);
    return await page.evaluate(
      ([global, values]) => (globalThis as unknown as Record<string, { run(...a: unknown[]): Promise<unknown> }>)[global as string]!.run(...(values as unknown[])),
      [name, args] as const,
    ) as T;
  } finally {
    await browser.close();
    server.close();
  }
}
