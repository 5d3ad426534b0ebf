// Client costs in Chromium: bench/browser/client-costs-page.ts run in headless Chromium
// (browser-page.ts), the same runner the Node bench uses.
import type { CostSummary } from './client-costs.js';
import { runPageBench } from './browser-page.js';

export interface BrowserClientCosts {
  readonly userAgent: string;
  readonly suites: string[];
  readonly costs: CostSummary[];
}

export function runBrowserClientCosts(rounds: number, ops: number, progress: (line: string) => void): Promise<BrowserClientCosts> {
  return runPageBench<BrowserClientCosts>('./browser/client-costs-page.js', 'sottoBench', [rounds, ops], progress);
}
