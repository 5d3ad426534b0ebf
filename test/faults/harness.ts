// The fault suite's common parts: a real relay process whose data directory can be swapped for a
// restored backup, headless clients whose outgoing WebSocket messages are counted (a request loop
// shows as a count that keeps growing while nothing happens), and room-wide convergence checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import type WebSocket from 'ws';
import { openNodeSocket } from '../../client/node-socket.js';
import { resolveRelay } from '../../client/relay-key.js';
import { SottoClient, type SottoClientOptions } from '../../protocol/client/client.js';
import type { ClientEvent } from '../../protocol/client/client-events.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { runRelayCli } from '../ops/relay-cli.js';

export interface CountedClient {
  readonly client: SottoClient;
  readonly events: ClientEvent[];
  /** WebSocket messages this client has sent, over all its connections. */
  sent(): number;
  /** Connections it has tried to open. */
  attempts(): number;
}

type CountedOptions = Pick<SottoClientOptions, 'persistence' | 'imported' | 'sendGiveUpMs' | 'reconnectGiveUpMs' | 'joinGiveUpMs'>;

export async function openCountedClient(url: string, options: CountedOptions = {}): Promise<CountedClient> {
  const events: ClientEvent[] = [];
  let sent = 0;
  let attempts = 0;
  const client = await SottoClient.open({
    suite: await detectSuite(),
    primitives: nodePrimitives,
    connect: async () => {
      attempts++;
      const relay = await resolveRelay(url);
      const socket: WebSocket = openNodeSocket(relay.wsUrl);
      const send = socket.send.bind(socket);
      socket.send = ((data: Uint8Array) => {
        sent++;
        send(data);
      }) as typeof socket.send;
      return { socket, relayPublicKey: relay.publicKey };
    },
    ...options,
    onEvent: (event) => events.push(event),
  });
  await client.whenOnline(30_000);
  return { client, events, sent: () => sent, attempts: () => attempts };
}

/** Stops the relay, replaces its data directory with the restore of `backupDir` (as docs/operations.md says), starts it again. */
export async function restoreRelay(relay: RelayProcess, backupDir: string): Promise<void> {
  await relay.kill();
  rmSync(relay.dataDir, { recursive: true, force: true });
  const restore = await runRelayCli(['restore', '--from', backupDir, '--data-dir', relay.dataDir]);
  if (restore.code !== 0) throw new Error(`restore failed: ${restore.stderr}`);
  await relay.restart();
}

export async function backupRelay(relay: RelayProcess, backupDir: string): Promise<void> {
  const backup = await runRelayCli(['backup', '--data-dir', relay.dataDir, '--out', backupDir]);
  if (backup.code !== 0) throw new Error(`backup failed: ${backup.stderr}`);
}

/** `promise`, or a failure naming `what` after `ms`: a step that never settles fails the test instead of hanging it. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export function warningsOf(c: CountedClient, from = 0): Extract<ClientEvent, { type: 'warning' }>[] {
  return c.events.slice(from).filter((e): e is Extract<ClientEvent, { type: 'warning' }> => e.type === 'warning');
}

/** Each member's messages as "sender-fingerprint text", in the order shown. */
export function shown(c: CountedClient, roomId: string): string[] {
  return c.client.messages(roomId).map((m) => `${m.fingerprint} ${m.text}`);
}

/** Each test of a fault file: a fresh relay process and temp directory, its clients closed after it. */
export interface FaultSuite {
  readonly dir: string;
  readonly relay: RelayProcess;
  open(options?: CountedOptions): Promise<CountedClient>;
  /** Closes `c` now (its last save lands), e.g. before its keystore file is copied. */
  close(c: CountedClient): Promise<void>;
}

export function faultSuite(test: Test): FaultSuite {
  let dir: string | undefined;
  let relay: RelayProcess | undefined;
  const clients: CountedClient[] = [];
  test.before.each(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sotto-faults-'));
    relay = await startRelayProcess();
  });
  test.after.each(async () => {
    for (const c of clients.splice(0)) await c.client.close();
    await relay?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const running = (): RelayProcess => {
    if (relay === undefined) throw new Error('the relay starts before each test');
    return relay;
  };
  return {
    get dir(): string {
      if (dir === undefined) throw new Error('the directory is made before each test');
      return dir;
    },
    get relay(): RelayProcess {
      return running();
    },
    async open(options = {}) {
      const c = await openCountedClient(running().url, options);
      clients.push(c);
      return c;
    },
    async close(c) {
      await c.client.close();
      clients.splice(clients.indexOf(c), 1);
    },
  };
}
