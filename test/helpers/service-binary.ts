// Tests that need PostgreSQL or Redis start their own private instance from the system's binaries.
// Without them a developer's run skips those tests; under CI a missing binary fails the run, so a
// broken install never passes as green.
import { createServer } from 'node:net';

/** Under CI a missing service is an error; elsewhere the caller skips with a note. */
export function missing(what: string): undefined {
  if (process.env['CI'] === 'true') throw new Error(`${what} is not installed, and CI needs it`);
  process.stderr.write(`skipping: ${what} is not installed\n`);
  return undefined;
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` until it resolves true or `timeoutMs` passes. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (Date.now() < giveUpAt) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}
