// The two suites must be interchangeable byte for byte: a room may mix browsers on either path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { webCryptoSuite } from '../../../protocol/crypto/webcrypto-suite.js';

const ROUNDS = 32;

test('random seeds give identical Ed25519 public keys and signatures, each verifying under the other', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const seed = randomBytes(32);
    const message = randomBytes(i * 7);
    const noble = await nobleSuite.signingKeyFromSeed(seed);
    const web = await webCryptoSuite.signingKeyFromSeed(seed);
    assert.is(toHex(web.publicKey), toHex(noble.publicKey));
    const nobleSignature = await noble.sign(message);
    const webSignature = await web.sign(message);
    assert.is(toHex(webSignature), toHex(nobleSignature));
    assert.ok(await webCryptoSuite.verify(noble.publicKey, message, nobleSignature));
    assert.ok(await nobleSuite.verify(web.publicKey, message, webSignature));
    const otherMessage = randomBytes(i * 7 + 1);
    assert.not.ok(await webCryptoSuite.verify(noble.publicKey, otherMessage, nobleSignature));
    assert.not.ok(await nobleSuite.verify(web.publicKey, otherMessage, webSignature));
  }
});

test('random secrets give identical X25519 public keys and shared secrets', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const secretA = randomBytes(32);
    const secretB = randomBytes(32);
    const nobleA = await nobleSuite.agreementKeyFromSecret(secretA);
    const webA = await webCryptoSuite.agreementKeyFromSecret(secretA);
    const webB = await webCryptoSuite.agreementKeyFromSecret(secretB);
    assert.is(toHex(webA.publicKey), toHex(nobleA.publicKey));
    const fromNoble = await nobleA.agree(webB.publicKey);
    assert.is(toHex(await webA.agree(webB.publicKey)), toHex(fromNoble));
    assert.is(toHex(await webB.agree(nobleA.publicKey)), toHex(fromNoble));
  }
});

test('garbage of any length never makes verify throw', async () => {
  for (const suite of [nobleSuite, webCryptoSuite]) {
    for (const length of [0, 31, 32, 33, 63, 64, 65]) {
      assert.is(await suite.verify(randomBytes(length), randomBytes(5), randomBytes(length * 2)), false, `${suite.name} ${length}`);
    }
  }
});

test('ephemeral agreement keys are fresh and agree with either suite', async () => {
  const peer = await nobleSuite.agreementKeyFromSecret(randomBytes(32));
  for (const suite of [nobleSuite, webCryptoSuite]) {
    const [one, two] = [await suite.ephemeralAgreementKey(), await suite.ephemeralAgreementKey()];
    assert.is.not(toHex(one.publicKey), toHex(two.publicKey), `${suite.name}: two ephemeral keys differ`);
    assert.is(one.publicKey.length, 32);
    assert.is(toHex(await one.agree(peer.publicKey)), toHex(await peer.agree(one.publicKey)), `${suite.name}: both sides agree`);
  }
});

test.run();
