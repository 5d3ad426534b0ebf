import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constantTimeEqual, fromHex } from '../../../protocol/bytes.js';
import { hmacSha256 } from '../../../protocol/crypto/hash.js';
import { readVectorJson } from '../../helpers/paths.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface MacCase extends WycheproofCase {
  key: string;
  msg: string;
  tag: string;
}

const vectors = readVectorJson<WycheproofFile<{ tagSize: number; tests: MacCase[] }>>('wycheproof-hmac_sha256_test.json');

// 66 valid, 108 invalid (modified tags), no acceptable. Groups with tagSize 128 compare the
// truncated tag, as a caller truncating HMAC output would.
test('every Wycheproof HMAC-SHA256 case', () => {
  let run = 0;
  let matched = 0;
  for (const group of vectors.testGroups) {
    for (const c of group.tests) {
      const tag = hmacSha256(fromHex(c.key), fromHex(c.msg)).subarray(0, group.tagSize / 8);
      const equal = constantTimeEqual(tag, fromHex(c.tag));
      assert.is(equal, c.result === 'valid', `tcId ${c.tcId} ${c.comment}`);
      if (equal) matched++;
      run++;
    }
  }
  assert.is(run, vectors.numberOfTests);
  assert.is(run, 174);
  assert.is(matched, 66);
});

test.run();
