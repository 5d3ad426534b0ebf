import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constantTimeEqual, fromHex } from '../../../protocol/bytes.js';
import { hmacSha256Each } from '../../../protocol/crypto/hmac-sha256.js';
import { readVectorJson } from '../../helpers/paths.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface MacCase extends WycheproofCase {
  key: string;
  msg: string;
  tag: string;
}

const vectors = readVectorJson<WycheproofFile<{ tagSize: number; tests: MacCase[] }>>('wycheproof-hmac_sha256_test.json');

// 66 valid, 108 invalid (modified tags), no acceptable. Groups with tagSize 128 compare the
// truncated tag, as a caller truncating HMAC output would. Each case's message is MACed twice in one
// call, around another message, so both the cloned keyed state (first) and the original (last) are
// held to the known answer.
test('every Wycheproof HMAC-SHA256 case, from the cloned and the original keyed state', () => {
  let run = 0;
  let matched = 0;
  for (const group of vectors.testGroups) {
    for (const c of group.tests) {
      const msg = fromHex(c.msg);
      const [cloned, other, last] = hmacSha256Each(fromHex(c.key), [msg, Uint8Array.of(...msg, 1), msg]);
      assert.is(hmacSha256Each(fromHex(c.key), [msg]).length, 1);
      assert.not.equal(other, cloned, `tcId ${c.tcId}: another message, another tag`);
      const tag = cloned!.subarray(0, group.tagSize / 8);
      const equal = constantTimeEqual(tag, fromHex(c.tag));
      assert.is(equal, c.result === 'valid', `tcId ${c.tcId} ${c.comment}`);
      assert.equal(last, cloned, `tcId ${c.tcId}: the last message's tag from the original keyed state`);
      if (equal) matched++;
      run++;
    }
  }
  assert.is(run, vectors.numberOfTests);
  assert.is(run, 174);
  assert.is(matched, 66);
});

test.run();
