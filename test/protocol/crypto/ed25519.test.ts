import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { readVectorJson } from '../../helpers/paths.js';
import { SUITES } from './both-suites.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface EddsaCase extends WycheproofCase {
  msg: string;
  sig: string;
}

interface EddsaGroup {
  publicKey: { pk: string };
  tests: EddsaCase[];
}

const vectors = readVectorJson<WycheproofFile<EddsaGroup>>('wycheproof-ed25519_test.json');

// Wycheproof gives no private keys, but two of its public keys are RFC 8032 §7.1 TEST 1 and TEST 2,
// whose seeds are published; every valid case under those keys must be reproduced by sign().
const RFC8032_SEEDS = new Map([
  ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'],
  ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'],
]);

// The file has 88 valid and 63 invalid cases and no acceptable ones; both suites must match every
// verdict exactly. The invalid ones (s >= L, non-canonical R, wrong lengths, sign-bit-only flips)
// are rejected by the shared pre-check in ed25519-checks.ts or by the verification equation.
for (const suite of SUITES) {
  test(`${suite.name}: every Wycheproof Ed25519 case verifies as the file says`, async () => {
    let run = 0;
    let accepted = 0;
    for (const group of vectors.testGroups) {
      for (const c of group.tests) {
        const verdict = await suite.verify(fromHex(group.publicKey.pk), fromHex(c.msg), fromHex(c.sig));
        assert.is(verdict, c.result === 'valid', `tcId ${c.tcId} (${c.flags.join(',')}) ${c.comment}`);
        if (verdict) accepted++;
        run++;
      }
    }
    assert.is(run, vectors.numberOfTests);
    assert.is(run, 151);
    assert.is(accepted, 88);
  });

  test(`${suite.name}: sign() reproduces the Wycheproof signatures of the RFC 8032 keys`, async () => {
    let signed = 0;
    for (const group of vectors.testGroups) {
      const seed = RFC8032_SEEDS.get(group.publicKey.pk);
      if (seed === undefined) continue;
      const key = await suite.signingKeyFromSeed(fromHex(seed));
      assert.is(toHex(key.publicKey), group.publicKey.pk);
      for (const c of group.tests) {
        if (c.result !== 'valid') continue;
        assert.is(toHex(await key.sign(fromHex(c.msg))), c.sig, `tcId ${c.tcId}`);
        signed++;
      }
    }
    assert.is(signed, 2); // tcId 80 and 81
  });
}

test.run();
