// Secrets are never printable: a debug dump (util.inspect, every option on) or a JSON log of the
// relay's key holder, or of a live session bound to a room, shows no byte of the relay's secret key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { toBase64Url, toHex } from '../../protocol/bytes.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { loadOrCreateRelayKey } from '../../relay/relay-key.js';
import { RawClient } from '../helpers/raw-client.js';
import { startSessionHarness } from '../helpers/session-harness.js';
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
  const harness = await startSessionHarness();
  try {
    const secret = new Uint8Array(readFileSync(join(harness.dataDir, 'relay-key')));
    const client = await RawClient.connect(harness.url, harness.relayPublicKey);
    await createRoom(client, await identity());
    assert.is(harness.sessions.length, 1);
    assertHidden(harness.sessions[0], secret, 'session');
    assertHidden(harness.registry, secret, 'session registry');
    await client.close();
  } finally {
    await harness.close();
  }
});

test.run();
