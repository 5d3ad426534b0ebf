// Client costs: each case for the WebCrypto suite and the noble suite, alternating suites round by
// round, medians per case. Platform-neutral like the cases, so the browser page runs this too.
import { nobleSuite } from '../protocol/crypto/noble-suite.js';
import type { Suite } from '../protocol/crypto/suite.js';
import { webCryptoSuite } from '../protocol/crypto/webcrypto-suite.js';
import { admissionFixture } from './admission-fixture.js';
import {
  addCommitCost, ADMISSION_MEMBERS, catchUpCost, joinerReplayCost, keystoreUnlockCost, messageCosts, rotationCost, ROTATION_SIZES, welcomeCost, type CostResult,
} from './client-cost-cases.js';
import { median } from './stats.js';

export interface CostSummary {
  readonly name: string;
  readonly suite: CostResult['suite'];
  readonly ms: number;
  readonly samples: number[];
}

export const SUITES: readonly Suite[] = [webCryptoSuite, nobleSuite];

export async function runClientCosts(rounds: number, ops: number, progress: (line: string) => void, suites: readonly Suite[] = SUITES): Promise<CostSummary[]> {
  const samples = new Map<string, { name: string; suite: CostResult['suite']; values: number[] }>();
  const record = (result: CostResult): void => {
    const key = `${result.name}|${result.suite}`;
    const entry = samples.get(key) ?? { name: result.name, suite: result.suite, values: [] };
    entry.values.push(result.ms);
    samples.set(key, entry);
  };
  for (let round = 0; round < rounds; round++) {
    for (const suite of suites) {
      for (const result of await messageCosts(suite, ops)) record(result);
      record(await catchUpCost(suite));
      for (const size of ROTATION_SIZES) record(await rotationCost(suite, size));
      // One room per suite and round serves the three admission cases: building its signed log of
      // 1,000 events takes longer than the cases themselves.
      const room = await admissionFixture(suite, ADMISSION_MEMBERS);
      record(await addCommitCost(suite, room));
      record(await welcomeCost(suite, room));
      record(await joinerReplayCost(suite, room));
      progress(`client costs round ${round + 1} ${suite.name} done`);
    }
    record(await keystoreUnlockCost());
  }
  return [...samples.values()].map((s) => ({ name: s.name, suite: s.suite, ms: median(s.values), samples: s.values }));
}
