// The keystore save bench in Chromium (bench/browser/keystore-save-page.ts, run by browser-page.ts):
// the fixture keystore's snapshot is opened here and handed to the page, which grows its room.
import { readFileSync } from 'node:fs';
import { openKeystore } from '../protocol/crypto/passphrase.js';
import { TEST_PASSPHRASE } from '../test/helpers/clients.js';
import { FIXTURE_KEYSTORE } from '../test/helpers/grown-room.js';
import type { BrowserKeystoreSave } from './browser/keystore-save-page.js';
import { runPageBench } from './browser-page.js';

export interface BrowserKeystoreSaves {
  readonly userAgent: string;
  readonly rows: BrowserKeystoreSave[];
}

export async function runBrowserKeystoreSave(histories: readonly number[], saves: number, progress: (line: string) => void): Promise<BrowserKeystoreSaves> {
  const { plaintext } = await openKeystore(TEST_PASSPHRASE, readFileSync(FIXTURE_KEYSTORE));
  return runPageBench<BrowserKeystoreSaves>('./browser/keystore-save-page.js', 'sottoKeystoreBench', [[...plaintext], histories, saves], progress);
}
