import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, toHex, utf8 } from '../../../protocol/bytes.js';
import { LABEL } from '../../../protocol/labels.js';
import { xchachaSeal } from '../../../protocol/crypto/aead.js';
import { hkdfSha256 } from '../../../protocol/crypto/hash.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { openSealed, sealTo, sealWith } from '../../../protocol/crypto/sealed-box.js';
import { SUITES } from './both-suites.js';
import { expectSottoError } from './expect-error.js';

const CONTEXT = utf8('room 1 invite');
const PLAINTEXT = utf8('the room key');

for (const sender of SUITES) {
  for (const recipient of SUITES) {
    test(`${sender.name} seals, ${recipient.name} opens`, async () => {
      const key = await recipient.agreementKeyFromSecret(randomBytes(32));
      for (const plaintext of [PLAINTEXT, new Uint8Array(0), randomBytes(5000)]) {
        const box = await sealTo(sender, key.publicKey, plaintext, CONTEXT);
        assert.is(box.length, 32 + plaintext.length + 16);
        assert.is(toHex(await openSealed(key, box, CONTEXT)), toHex(plaintext));
      }
    });
  }
}

for (const suite of SUITES) {
  test(`${suite.name}: each seal uses a fresh ephemeral key`, async () => {
    const key = await suite.agreementKeyFromSecret(randomBytes(32));
    const first = await sealTo(suite, key.publicKey, PLAINTEXT, CONTEXT);
    const second = await sealTo(suite, key.publicKey, PLAINTEXT, CONTEXT);
    assert.is.not(toHex(first.subarray(0, 32)), toHex(second.subarray(0, 32)));
  });

  test(`${suite.name}: one ephemeral sealing to several recipients gives each a box only it opens`, async () => {
    const ephemeral = await suite.ephemeralAgreementKey();
    const [alice, bob] = [await suite.agreementKeyFromSecret(randomBytes(32)), await suite.agreementKeyFromSecret(randomBytes(32))];
    const toAlice = await sealWith(ephemeral, alice.publicKey, PLAINTEXT, CONTEXT);
    const toBob = await sealWith(ephemeral, bob.publicKey, PLAINTEXT, CONTEXT);
    const toAliceAgain = await sealWith(ephemeral, alice.publicKey, PLAINTEXT, utf8('room 2 invite'));
    assert.is(toHex(toAlice.subarray(0, 32)), toHex(ephemeral.publicKey));
    assert.is(toHex(toBob.subarray(0, 32)), toHex(ephemeral.publicKey));
    // Same plaintext, different key and nonce for each (recipient, context): no ciphertext repeats.
    const bodies = new Set([toAlice, toBob, toAliceAgain].map((box) => toHex(box.subarray(32))));
    assert.is(bodies.size, 3);
    assert.is(toHex(await openSealed(alice, toAlice, CONTEXT)), toHex(PLAINTEXT));
    assert.is(toHex(await openSealed(bob, toBob, CONTEXT)), toHex(PLAINTEXT));
    await expectSottoError(() => openSealed(alice, toBob, CONTEXT), 'OPEN_FAILED', "bob's box");
    await expectSottoError(() => openSealed(bob, toAlice, CONTEXT), 'OPEN_FAILED', "alice's box");
    await expectSottoError(() => openSealed(alice, toAliceAgain, CONTEXT), 'OPEN_FAILED', 'other context');
  });

  test(`${suite.name}: wrong context, tampering, wrong recipient and truncation all fail`, async () => {
    const key = await suite.agreementKeyFromSecret(randomBytes(32));
    const box = await sealTo(suite, key.publicKey, PLAINTEXT, CONTEXT);
    await expectSottoError(() => openSealed(key, box, utf8('room 2 invite')), 'OPEN_FAILED', 'context');
    await expectSottoError(() => openSealed(key, box, new Uint8Array(0)), 'OPEN_FAILED', 'empty context');
    for (const index of [0, 31, 32, box.length - 17, box.length - 1]) {
      const tampered = box.slice();
      tampered[index]! ^= 0x01;
      await expectSottoError(() => openSealed(key, tampered, CONTEXT), 'OPEN_FAILED', `byte ${index}`);
    }
    const stranger = await suite.agreementKeyFromSecret(randomBytes(32));
    await expectSottoError(() => openSealed(stranger, box, CONTEXT), 'OPEN_FAILED', 'recipient');
    await expectSottoError(() => openSealed(key, box.subarray(0, 47), CONTEXT), 'TRUNCATED', '47 bytes');
    await expectSottoError(() => openSealed(key, new Uint8Array(0), CONTEXT), 'TRUNCATED', 'empty');
    await expectSottoError(() => openSealed(key, box.subarray(0, 48), CONTEXT), 'OPEN_FAILED', '48 bytes');
  });

  test(`${suite.name}: a small-order ephemeral key is OPEN_FAILED, not BAD_KEY`, async () => {
    const key = await suite.agreementKeyFromSecret(randomBytes(32));
    const box = concat(new Uint8Array(32), randomBytes(16 + PLAINTEXT.length));
    await expectSottoError(() => openSealed(key, box, CONTEXT), 'OPEN_FAILED');
  });

  test(`${suite.name}: sealing to a small-order key is BAD_KEY`, async () => {
    await expectSottoError(() => sealTo(suite, new Uint8Array(32), PLAINTEXT, CONTEXT), 'BAD_KEY');
  });

  // Built from the written construction, not from sealTo, so a drift in the label, salt, info or
  // split would fail here even though seal and open would still agree with each other.
  test(`${suite.name}: opens a box built by hand from the documented construction`, async () => {
    const recipient = await suite.agreementKeyFromSecret(randomBytes(32));
    const ephemeral = await suite.agreementKeyFromSecret(randomBytes(32));
    const okm = hkdfSha256(
      await ephemeral.agree(recipient.publicKey),
      concat(ephemeral.publicKey, recipient.publicKey),
      concat(utf8(LABEL.sealedBox), new Uint8Array([0]), CONTEXT),
      56,
    );
    const box = concat(ephemeral.publicKey, xchachaSeal(okm.subarray(0, 32), okm.subarray(32, 56), PLAINTEXT, CONTEXT));
    assert.is(toHex(await openSealed(recipient, box, CONTEXT)), toHex(PLAINTEXT));
  });
}

test.run();
