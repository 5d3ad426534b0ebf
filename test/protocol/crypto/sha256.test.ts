import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, toHex, utf8 } from '../../../protocol/bytes.js';
import { sha256 } from '../../../protocol/crypto/hash.js';
import { randomBytes } from '../../../protocol/crypto/random.js';

// FIPS 180-2 appendix B.1 and the empty-input digest.
test('known answers', () => {
  assert.is(toHex(sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.is(toHex(sha256()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('parts hash as their concatenation', () => {
  const parts = [randomBytes(3), randomBytes(0), randomBytes(100), randomBytes(64)];
  assert.is(toHex(sha256(...parts)), toHex(sha256(concat(...parts))));
});

test.run();
