// The parts of NoisePrimitives the vectors do not pin down: nonce layout at its edges, DH rejection
// of non-contributory results, and the two implementations agreeing with each other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex, utf8 } from '../../../protocol/bytes.js';
import { noiseNonce } from '../../../protocol/noise/aead.js';
import { IMPLEMENTATIONS, keyPairFromSecret, PAIRINGS, throwsCode } from './fixtures.js';

test('noiseNonce: 4 zero bytes then the counter little-endian', () => {
  assert.is(toHex(noiseNonce(0)), '000000000000000000000000');
  assert.is(toHex(noiseNonce(1)), '000000000100000000000000');
  assert.is(toHex(noiseNonce(0x1_0000_0000)), '000000000000000001000000');
  assert.is(toHex(noiseNonce(Number.MAX_SAFE_INTEGER)), '00000000ffffffffffff1f00');
});

test('noiseNonce: refuses counters past 2^53 - 1 and non-counters', () => {
  assert.ok(throwsCode(() => noiseNonce(Number.MAX_SAFE_INTEGER + 1), 'NONCE_EXHAUSTED'));
  assert.ok(throwsCode(() => noiseNonce(2 ** 64 - 1), 'NONCE_EXHAUSTED'));
  assert.ok(throwsCode(() => noiseNonce(-1), 'BAD_VALUE'));
  assert.ok(throwsCode(() => noiseNonce(1.5), 'BAD_VALUE'));
  assert.ok(throwsCode(() => noiseNonce(Number.NaN), 'BAD_VALUE'));
});

// RFC 7748 §6.1.
const ALICE_SECRET = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PUBLIC = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

for (const { name, primitives } of IMPLEMENTATIONS) {
  test(`${name}: X25519 matches RFC 7748`, () => {
    assert.is(toHex(keyPairFromSecret(primitives, ALICE_SECRET).publicKey), ALICE_PUBLIC);
    assert.is(toHex(primitives.dh(ALICE_SECRET, BOB_PUBLIC)), SHARED);
  });

  test(`${name}: dh rejects small-order peers and wrong sizes with BAD_KEY`, () => {
    const { secretKey } = primitives.generateKeyPair();
    assert.ok(throwsCode(() => primitives.dh(secretKey, new Uint8Array(32)), 'BAD_KEY'));
    assert.ok(throwsCode(() => primitives.dh(secretKey, fromHex(`01${'00'.repeat(31)}`)), 'BAD_KEY'));
    assert.ok(throwsCode(() => primitives.dh(secretKey, new Uint8Array(31)), 'BAD_KEY'));
    assert.ok(throwsCode(() => primitives.dh(new Uint8Array(33), BOB_PUBLIC), 'BAD_KEY'));
  });

  test(`${name}: encrypt/decrypt refuse an exhausted counter`, () => {
    const key = new Uint8Array(32);
    const sealed = primitives.encrypt(key, Number.MAX_SAFE_INTEGER, new Uint8Array(0), utf8('last'));
    assert.is(toHex(primitives.decrypt(key, Number.MAX_SAFE_INTEGER, new Uint8Array(0), sealed)!), toHex(utf8('last')));
    assert.ok(throwsCode(() => primitives.encrypt(key, Number.MAX_SAFE_INTEGER + 1, new Uint8Array(0), utf8('x')), 'NONCE_EXHAUSTED'));
    assert.ok(throwsCode(() => primitives.decrypt(key, Number.MAX_SAFE_INTEGER + 1, new Uint8Array(0), sealed), 'NONCE_EXHAUSTED'));
  });

  test(`${name}: SHA-256 and HMAC-SHA256 known answers`, () => {
    // FIPS 180-2 "abc"; RFC 4231 test case 2.
    assert.is(toHex(primitives.hash(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.is(
      toHex(primitives.hmac(utf8('Jefe'), utf8('what do ya want for nothing?'))),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
}

for (const [a, b] of PAIRINGS) {
  test(`${a.name} and ${b.name} key pairs agree`, () => {
    const x = a.primitives.generateKeyPair();
    const y = b.primitives.generateKeyPair();
    assert.is(x.secretKey.length, 32);
    assert.is(x.publicKey.length, 32);
    assert.is(toHex(keyPairFromSecret(b.primitives, x.secretKey).publicKey), toHex(x.publicKey));
    assert.is(toHex(a.primitives.dh(x.secretKey, y.publicKey)), toHex(b.primitives.dh(y.secretKey, x.publicKey)));
  });
}

test.run();
