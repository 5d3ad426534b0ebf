// A relay started in the test's own process on an ephemeral port, its data in a temp dir, and the
// raw Noise clients a test opens on it; `close` ends them all. For relay tests that speak frames.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type RelayConfig } from '../../relay/config.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { RawClient } from '../helpers/raw-client.js';

export class InProcessRelay {
  readonly #dir: string;
  readonly #clients: RawClient[] = [];
  readonly relay: RunningRelay;

  private constructor(dir: string, relay: RunningRelay) {
    this.#dir = dir;
    this.relay = relay;
  }

  /** `options` override the test defaults (silent log, the repository's static dir). */
  static async start(name: string, options: Partial<RelayConfig> = {}): Promise<InProcessRelay> {
    const dir = mkdtempSync(join(tmpdir(), `sotto-${name}-`));
    const relay = await startRelay(resolveConfig({
      port: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(dir, 'relay-')), staticDir: join(REPO_ROOT, 'static'), logLevel: 'silent', ...options,
    }));
    return new InProcessRelay(dir, relay);
  }

  async connect(): Promise<RawClient> {
    const client = await RawClient.connect(`ws://127.0.0.1:${this.relay.port}/ws`, this.relay.publicKey);
    this.#clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.ws.terminate();
    await this.relay.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
