// Inputs outside Wycheproof on which noble (cofactored, rejects small-order keys) and OpenSSL
// (cofactorless, accepts them) disagree. Each test first shows the raw libraries split, so it
// fails if the pre-check stops being what makes the suites agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, fromHex, utf8 } from '../../../protocol/bytes.js';
import { isStrictEd25519Input } from '../../../protocol/crypto/ed25519-checks.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { SUITES } from './both-suites.js';

const Point = ed25519.Point;
const Fn = Point.Fn;
const MESSAGE = utf8('edge case');
// A point of order 8 (its encoding is on libsodium's small-order blocklist).
const ORDER_8 = Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
const IDENTITY = Point.ZERO.toBytes();
// y = p + 1: a non-canonical spelling of the identity.
const IDENTITY_NON_CANONICAL = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

function scalarFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return Fn.create(value);
}

async function openSslVerdict(publicKey: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', publicKey.slice(), 'Ed25519', false, ['verify']);
  return crypto.subtle.verify('Ed25519', key, signature.slice(), MESSAGE.slice());
}

function nobleVerdict(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return ed25519.verify(signature, MESSAGE, publicKey, { zip215: false });
}

type Torsion = 'key' | 'nonce' | 'nowhere';

/** Signs MESSAGE with a raw scalar, adding a point of order 8 to the published key or to R. */
function rawSign(torsion: Torsion): { publicKey: Uint8Array; signature: Uint8Array; onlyCofactored: boolean } {
  const a = scalarFromBytes(randomBytes(64));
  const r = scalarFromBytes(randomBytes(64));
  const publicKey = Point.BASE.multiply(a).add(torsion === 'key' ? ORDER_8 : Point.ZERO).toBytes();
  const rBytes = Point.BASE.multiply(r).add(torsion === 'nonce' ? ORDER_8 : Point.ZERO).toBytes();
  const k = scalarFromBytes(sha512(concat(rBytes, publicKey, MESSAGE)));
  const signature = concat(rBytes, Fn.toBytes(Fn.create(r + k * a)));
  // Torsion on R always breaks the cofactorless equation; on the key, only when 8 does not divide k.
  const onlyCofactored = torsion === 'nonce' || (torsion === 'key' && k % 8n !== 0n);
  return { publicKey, signature, onlyCofactored };
}

test('identity public key: OpenSSL accepts (R = identity, S = 0) for any message; both suites reject', async () => {
  const signature = concat(IDENTITY, new Uint8Array(32));
  assert.is(await openSslVerdict(IDENTITY, signature), true);
  assert.is(isStrictEd25519Input(IDENTITY, signature), false);
  for (const suite of SUITES) assert.is(await suite.verify(IDENTITY, MESSAGE, signature), false, suite.name);
});

test('non-canonical identity public key: OpenSSL accepts; both suites reject', async () => {
  const signature = concat(IDENTITY, new Uint8Array(32));
  assert.is(await openSslVerdict(IDENTITY_NON_CANONICAL, signature), true);
  for (const suite of SUITES) assert.is(await suite.verify(IDENTITY_NON_CANONICAL, MESSAGE, signature), false, suite.name);
});

for (const where of ['key', 'nonce'] as const) {
  test(`torsion on the ${where}: noble accepts where OpenSSL does not; both suites reject`, async () => {
    let split = 0;
    for (let i = 0; i < 16; i++) {
      const { publicKey, signature, onlyCofactored } = rawSign(where);
      assert.is(nobleVerdict(publicKey, signature), true);
      assert.is(await openSslVerdict(publicKey, signature), !onlyCofactored);
      if (onlyCofactored) split++;
      for (const suite of SUITES) assert.is(await suite.verify(publicKey, MESSAGE, signature), false, suite.name);
    }
    assert.ok(split > 0);
  });
}

test('an honest signature from a raw scalar passes the pre-check and both suites', async () => {
  const { publicKey, signature } = rawSign('nowhere');
  assert.is(isStrictEd25519Input(publicKey, signature), true);
  for (const suite of SUITES) assert.is(await suite.verify(publicKey, MESSAGE, signature), true, suite.name);
});

test.run();
