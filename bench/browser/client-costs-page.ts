// The browser side of the client-cost bench: bundled by esbuild into the test page, it exposes the
// same runner the Node bench uses. Suites the browser lacks (no Ed25519/X25519 in WebCrypto) are
// left out rather than failing the page.
import { runClientCosts, SUITES, type CostSummary } from '../client-costs.js';

export interface PageBench {
  run(rounds: number, ops: number): Promise<{ costs: CostSummary[]; suites: string[]; userAgent: string }>;
}

async function usable(suite: (typeof SUITES)[number]): Promise<boolean> {
  try {
    await suite.signingKeyFromSeed(new Uint8Array(32).fill(1));
    await suite.agreementKeyFromSecret(new Uint8Array(32).fill(2));
    return true;
  } catch {
    return false;
  }
}

const bench: PageBench = {
  async run(rounds, ops) {
    const suites = [];
    for (const suite of SUITES) if (await usable(suite)) suites.push(suite);
    const costs = await runClientCosts(rounds, ops, (line) => console.log(line), suites);
    return { costs, suites: suites.map((s) => s.name), userAgent: navigator.userAgent };
  },
};

(globalThis as unknown as { sottoBench: PageBench }).sottoBench = bench;
