import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { hkdfSha256 } from '../../../protocol/crypto/hash.js';
import { readVectorJson } from '../../helpers/paths.js';
import { expectSottoError } from './expect-error.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface HkdfCase extends WycheproofCase {
  ikm: string;
  salt: string;
  info: string;
  size: number;
  okm: string;
}

const vectors = readVectorJson<WycheproofFile<{ tests: HkdfCase[] }>>('wycheproof-hkdf_sha256_test.json');

// 83 valid, 3 invalid (output longer than 255 * 32 bytes: BAD_VALUE), no acceptable.
test('every Wycheproof HKDF-SHA256 case', async () => {
  let run = 0;
  let refused = 0;
  for (const group of vectors.testGroups) {
    for (const c of group.tests) {
      const label = `tcId ${c.tcId} ${c.comment}`;
      const derive = (): Uint8Array => hkdfSha256(fromHex(c.ikm), fromHex(c.salt), fromHex(c.info), c.size);
      if (c.result === 'valid') {
        assert.is(toHex(derive()), c.okm, label);
      } else {
        await expectSottoError(derive, 'BAD_VALUE', label);
        refused++;
      }
      run++;
    }
  }
  assert.is(run, vectors.numberOfTests);
  assert.is(run, 86);
  assert.is(refused, 3);
});

test.run();
