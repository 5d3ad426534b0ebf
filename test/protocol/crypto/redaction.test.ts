// Secrets must not leak through the ways objects get printed by accident: logs, JSON, templates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { toBase64Url, toHex } from '../../../protocol/bytes.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { Secret } from '../../../protocol/crypto/secret.js';
import { SUITES } from './both-suites.js';

function renderings(value: object): string[] {
  return [
    inspect(value),
    inspect(value, { showHidden: true, depth: Infinity, getters: true }),
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    String(value),
  ];
}

function encodings(secret: Uint8Array): string[] {
  const bytes = Array.from(secret);
  return [
    toHex(secret),
    toHex(secret).toUpperCase(),
    Buffer.from(secret).toString('base64'),
    toBase64Url(secret),
    bytes.join(','),
    bytes.join(', '),
    bytes.map((b) => b.toString(16)).join(' '),
  ];
}

function assertNoLeak(value: object, secret: Uint8Array, label: string): void {
  for (const text of renderings(value)) {
    for (const encoding of encodings(secret)) {
      assert.not.ok(text.includes(encoding), `${label} leaks ${encoding.slice(0, 12)}… in ${text.slice(0, 80)}`);
    }
    // The first 8 bytes alone are enough to convict a leak of a truncated rendering.
    assert.not.ok(text.includes(toHex(secret.subarray(0, 8))), `${label} leaks a hex prefix`);
  }
}

for (const suite of SUITES) {
  test(`${suite.name}: signing and agreement keys do not print their secret`, async () => {
    const seed = randomBytes(32);
    const secret = randomBytes(32);
    assertNoLeak(await suite.signingKeyFromSeed(seed), seed, 'SigningKey');
    assertNoLeak(await suite.agreementKeyFromSecret(secret), secret, 'AgreementKey');
  });
}

test('Secret prints as Secret(redacted) and nothing else', () => {
  const bytes = randomBytes(32);
  const secret = new Secret(bytes);
  assertNoLeak(secret, bytes, 'Secret');
  assert.is(inspect(secret), 'Secret(redacted)');
  assert.is(JSON.stringify(secret), '"Secret(redacted)"');
  assert.is(String(secret), 'Secret(redacted)');
});

test('Secret copies on construction and wipe() zeroes what expose() returned', () => {
  const bytes = randomBytes(32);
  const secret = new Secret(bytes);
  const exposed = secret.expose();
  assert.is(toHex(exposed), toHex(bytes));
  secret.wipe();
  assert.ok(exposed.every((byte) => byte === 0));
  assert.ok(bytes.some((byte) => byte !== 0));
  // A Node Buffer too (its slice() is a view, not a copy).
  const buffer = Buffer.from(randomBytes(32));
  const fromBuffer = new Secret(buffer);
  fromBuffer.wipe();
  assert.ok(buffer.some((byte) => byte !== 0));
  assert.not.ok(fromBuffer.expose() instanceof Buffer);
});

test.run();
