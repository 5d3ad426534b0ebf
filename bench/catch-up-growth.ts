// Client catch-up against history length (issue 18, "Growth"): the time a Node client takes to
// decode, verify and decrypt a history of 1,000 → 100,000 stored messages, per suite. Each round
// takes the (suite, length) pairs in a shuffled order, so a busier moment of the machine does not
// always land on the same length; the report gives the median per pair and the time per message,
// which is what should stay flat as the history grows.
import { SUITES } from './client-costs.js';
import { catchUpCost } from './client-cost-cases.js';
import { shuffled } from './shuffle.js';
import { median } from './stats.js';

export interface CatchUpPoint {
  readonly suite: string;
  readonly messages: number;
  /** One whole catch-up per round, milliseconds. */
  readonly samples: number[];
  readonly medianMs: number;
}

export async function runCatchUpGrowth(lengths: readonly number[], rounds: number, progress: (line: string) => void): Promise<CatchUpPoint[]> {
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const { suite, messages } of shuffled(SUITES.flatMap((suite) => lengths.map((messages) => ({ suite, messages }))))) {
      const key = `${suite.name}|${messages}`;
      samples.set(key, [...(samples.get(key) ?? []), (await catchUpCost(suite, messages)).ms]);
    }
    progress(`catch-up growth round ${round + 1} done`);
  }
  return SUITES.flatMap((suite) => lengths.map((messages) => {
    const taken = samples.get(`${suite.name}|${messages}`)!;
    return { suite: suite.name, messages, samples: taken, medianMs: median(taken) };
  }));
}
