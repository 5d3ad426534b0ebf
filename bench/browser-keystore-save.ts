// The keystore save bench in Chromium (bench/browser/keystore-save-page.ts, run by browser-page.ts):
// the layout 2 fixture keystore is opened here and handed to the page as one snapshot, which grows its room.
import { wholeSnapshot } from '../protocol/client/record-layout.js';
import { fixtureRecordsV2 } from '../test/helpers/grown-room.js';
import type { BrowserKeystoreSave } from './browser/keystore-save-page.js';
import { runPageBench } from './browser-page.js';

export interface BrowserKeystoreSaves {
  readonly userAgent: string;
  readonly rows: BrowserKeystoreSave[];
}

export async function runBrowserKeystoreSave(histories: readonly number[], saves: number, progress: (line: string) => void): Promise<BrowserKeystoreSaves> {
  const plaintext = wholeSnapshot(await fixtureRecordsV2());
  return runPageBench<BrowserKeystoreSaves>('./browser/keystore-save-page.js', 'sottoKeystoreBench', [[...plaintext], histories, saves], progress);
}
