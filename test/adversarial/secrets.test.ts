// Secrets are never printable: a debug dump (util.inspect, every option on) or a JSON log of the
// relay's key holder, or of a live session bound to a room, shows no byte of the relay's secret key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { toBase64Url, toHex } from '../../protocol/bytes.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { LocalBus } from '../../relay/bus/local-bus.js';
import { resolveConfig } from '../../relay/config.js';
import type { RelayContext } from '../../relay/context.js';
import { AddressLockout } from '../../relay/limits.js';
import { createLogger } from '../../relay/log.js';
import { Metrics } from '../../relay/metrics.js';
import { loadOrCreateRelayKey } from '../../relay/relay-key.js';
import { Session } from '../../relay/session.js';
import { SessionRegistry } from '../../relay/session-registry.js';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import { RawClient } from '../helpers/raw-client.js';
import { createRoom, identity } from '../relay/fixtures.js';

/** Every way the secret's bytes could show up in text. */
function spellings(secret: Uint8Array): string[] {
  const head = [...secret.subarray(0, 8)];
  return [toHex(secret), toBase64Url(secret), Buffer.from(secret).toString('base64'), head.join(', '), head.join(','), head.map((b) => b.toString(16).padStart(2, '0')).join(' ')];
}

function assertHidden(value: unknown, secret: Uint8Array, what: string): void {
  const dumps = [
    inspect(value, { showHidden: true, depth: Infinity, getters: true, maxArrayLength: Infinity }),
    inspect(value),
    JSON.stringify(value) ?? '',
    String(value),
  ];
  for (const dump of dumps) {
    for (const spelling of spellings(secret)) assert.not.ok(dump.includes(spelling), `${what} shows the secret: ${dump.slice(0, 200)}`);
  }
}

test('the relay key holder prints its public key only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-secrets-'));
  try {
    const key = loadOrCreateRelayKey(dir, nodePrimitives);
    const secret = new Uint8Array(readFileSync(join(dir, 'relay-key')));
    assert.equal(new Uint8Array(key.secretKey), secret, 'the holder still hands the key to the handshake');
    assertHidden(key, secret, 'relay key');
    assertHidden({ nested: { key } }, secret, 'a structure holding the relay key');
    assert.ok(inspect(key).includes(toBase64Url(key.publicKey)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a live, bound session prints no key material', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-secrets-'));
  const config = resolveConfig({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent' });
  const store = new SqliteStore({ path: join(dir, 'relay.sqlite'), synchronous: 'NORMAL', maxHistoryPerRoom: 100 });
  const bus = new LocalBus();
  const metrics = new Metrics();
  const log = createLogger('silent');
  const ctx: RelayContext = {
    config, store, bus, metrics, log, now: Date.now, suite: await detectSuite(),
    addressLockout: new AddressLockout(config.inviteMaxFailures, config.inviteLockoutSeconds * 1000),
  };
  const registry = new SessionRegistry(bus, metrics, log);
  const staticKey = loadOrCreateRelayKey(dir, nodePrimitives);
  const secret = new Uint8Array(readFileSync(join(dir, 'relay-key')));
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const sessions: Session[] = [];
  server.on('connection', (ws: WebSocket, request: IncomingMessage) => sessions.push(new Session(ws, request.socket, '127.0.0.1', ctx, registry, staticKey)));
  try {
    const port = (server.address() as { port: number }).port;
    const client = await RawClient.connect(`ws://127.0.0.1:${port}`, staticKey.publicKey);
    await createRoom(client, await identity());
    assert.is(sessions.length, 1);
    assertHidden(sessions[0], secret, 'session');
    assertHidden(registry, secret, 'session registry');
    await client.close();
  } finally {
    server.close();
    registry.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
