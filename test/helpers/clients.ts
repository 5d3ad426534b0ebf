// Headless clients for end-to-end tests: each records every event it emits, and tests wait on
// conditions with generous deadlines (never asserting on speed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { FilePersistence } from '../../client/file-persistence.js';
import { openHeadlessClient } from '../../client/headless.js';
import { openNodeSocket } from '../../client/node-socket.js';
import { resolveRelay } from '../../client/relay-key.js';
import { SottoClient, type SottoClientOptions } from '../../protocol/client/client.js';
import type { ClientEvent } from '../../protocol/client/client-events.js';
import type { KdfParams } from '../../protocol/crypto/passphrase.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';

/** Cheap Argon2id so tests stay fast; production defaults are tested in the keystore unit tests. */
export const TEST_KDF: KdfParams = { m: 64, t: 1, p: 1 };
export const TEST_PASSPHRASE = 'correct horse battery staple';
const WAIT_MS = 30_000;

export interface TestClient {
  readonly client: SottoClient;
  readonly events: ClientEvent[];
  readonly dataDir: string | undefined;
  /** Cuts the current socket without a close handshake (a network drop); undefined for headless clients. */
  readonly dropSocket: (() => void) | undefined;
}

export async function openTestClient(url: string | (() => string), dataDir?: string): Promise<TestClient> {
  const events: ClientEvent[] = [];
  const client = await openHeadlessClient({
    url,
    ...(dataDir === undefined ? {} : { dataDir, passphrase: TEST_PASSPHRASE, kdfParams: TEST_KDF }),
    onEvent: (event) => events.push(event),
  });
  await client.whenOnline(WAIT_MS);
  return { client, events, dataDir, dropSocket: undefined };
}

/** As openTestClient, but assembled here so the test can drop the client's socket. */
export function openDroppableClient(url: string, dataDir?: string): Promise<TestClient> {
  return openAssembledClient(url, dataDir === undefined ? {} : { persistence: new FilePersistence(dataDir, TEST_PASSPHRASE, TEST_KDF) }, dataDir);
}

/** A client on `url` with the test's own persistence and options; its socket can be dropped. */
export async function openAssembledClient(
  url: string,
  options: Pick<SottoClientOptions, 'persistence' | 'lazySaveMs' | 'imported' | 'keyUpdateIntervalMs'>,
  dataDir?: string,
): Promise<TestClient> {
  const events: ClientEvent[] = [];
  let socket: WebSocket | undefined;
  const client = await SottoClient.open({
    suite: await detectSuite(),
    primitives: nodePrimitives,
    connect: async () => {
      const relay = await resolveRelay(url);
      socket = openNodeSocket(relay.wsUrl);
      return { socket, relayPublicKey: relay.publicKey };
    },
    ...options,
    onEvent: (event) => events.push(event),
  });
  await client.whenOnline(WAIT_MS);
  return { client, events, dataDir, dropSocket: () => socket?.terminate() };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `condition` until it holds; fails with `what` after the deadline. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `owner` invites `who`, who joins as `name`; done once `who` is a member and `owner` has their profile. */
export async function admit(owner: Pick<TestClient, 'client'>, roomId: string, who: Pick<TestClient, 'client'>, name: string): Promise<void> {
  const { link } = await owner.client.createInvite(roomId);
  await who.client.join(link, name);
  await waitUntil(() => who.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', `${name} admitted`);
  const sign = who.client.identity(roomId);
  await waitUntil(() => owner.client.members(roomId).some((m) => m.sign === sign && m.name === name), `${name}'s profile at the owner`);
}

export function warnings(c: TestClient): ClientEvent[] {
  return c.events.filter((e) => e.type === 'warning');
}

export function texts(c: TestClient, roomId: string): string[] {
  return c.client.messages(roomId).map((m) => m.text);
}
