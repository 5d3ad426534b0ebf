import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { readVectorJson } from '../../helpers/paths.js';
import { SUITES } from './both-suites.js';
import { expectSottoError } from './expect-error.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface XdhCase extends WycheproofCase {
  public: string;
  private: string;
  shared: string;
}

const vectors = readVectorJson<WycheproofFile<{ tests: XdhCase[] }>>('wycheproof-x25519_test.json');
const ZERO = '00'.repeat(32);

// The file has 264 valid and 254 acceptable cases and no invalid ones. Our choices for the
// acceptable ones, identical in both suites:
// - ZeroSharedSecret (31, all LowOrderPublic; some also spelled non-canonically or on the twist):
//   the result is all zero, so agree() rejects with BAD_KEY.
// - Every other acceptable case (NonCanonicalPublic u >= p, reduced mod p as RFC 7748 §5 requires;
//   Twist; SmallPublicKey; SpecialPublicKey; EdgeCase*): accepted with the vector's result.
for (const suite of SUITES) {
  test(`${suite.name}: every Wycheproof X25519 case`, async () => {
    let run = 0;
    let rejected = 0;
    for (const group of vectors.testGroups) {
      for (const c of group.tests) {
        const key = await suite.agreementKeyFromSecret(fromHex(c.private));
        const label = `tcId ${c.tcId} (${c.flags.join(',')})`;
        assert.is(c.shared === ZERO, c.flags.includes('ZeroSharedSecret'), label);
        if (c.shared === ZERO) {
          assert.is(c.result, 'acceptable', label);
          await expectSottoError(() => key.agree(fromHex(c.public)), 'BAD_KEY', label);
          rejected++;
        } else {
          assert.is(toHex(await key.agree(fromHex(c.public))), c.shared, label);
        }
        run++;
      }
    }
    assert.is(run, vectors.numberOfTests);
    assert.is(run, 518);
    assert.is(rejected, 31);
  });

  test(`${suite.name}: a public key that is not 32 bytes is BAD_KEY`, async () => {
    const key = await suite.agreementKeyFromSecret(new Uint8Array(32).fill(7));
    await expectSottoError(() => key.agree(new Uint8Array(31).fill(9)), 'BAD_KEY', '31 bytes');
    await expectSottoError(() => key.agree(new Uint8Array(33).fill(9)), 'BAD_KEY', '33 bytes');
  });

  test(`${suite.name}: a secret that is not 32 bytes is BAD_VALUE`, async () => {
    await expectSottoError(() => suite.agreementKeyFromSecret(new Uint8Array(31)), 'BAD_VALUE', 'X25519');
    await expectSottoError(() => suite.signingKeyFromSeed(new Uint8Array(33)), 'BAD_VALUE', 'Ed25519');
  });
}

test.run();
