// Client costs in Chromium: bundles bench/browser/client-costs-page.ts with esbuild, serves it from
// 127.0.0.1 (a secure context, so WebCrypto is there) and runs it in headless Chromium through
// playwright-core. CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { CostSummary } from './client-costs.js';
import { distPath } from './dist-paths.js';
import type { PageBench } from './browser/client-costs-page.js';

export interface BrowserClientCosts {
  readonly userAgent: string;
  readonly suites: string[];
  readonly costs: CostSummary[];
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>Sotto client costs</title><script type="module" src="/bench.js"></script>';
/** Argon2id and 10,000-message catch-ups with noble take minutes in a page. */
const PAGE_TIMEOUT_MS = 30 * 60 * 1000;

export async function runBrowserClientCosts(rounds: number, ops: number, progress: (line: string) => void): Promise<BrowserClientCosts> {
  const bundle = await build({
    entryPoints: [distPath('./browser/client-costs-page.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false,
  });
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
    await page.waitForFunction(() => 'sottoBench' in globalThis);
    return await page.evaluate(
      ([r, o]) => (globalThis as unknown as { sottoBench: PageBench }).sottoBench.run(r!, o!),
      [rounds, ops],
    );
  } finally {
    await browser.close();
    server.close();
  }
}
