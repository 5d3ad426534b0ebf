import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { randomBytes } from '../../../protocol/crypto/random.js';

function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

test('returns the requested length, including more than one 65536-byte chunk', () => {
  for (const length of [0, 1, 32, 65536, 65537, 200000]) assert.is(randomBytes(length).length, length);
});

test('fills every chunk, not just the first', () => {
  const bytes = randomBytes(3 * 65536 + 5);
  for (let offset = 0; offset < bytes.length; offset += 65536) {
    assert.not.ok(isAllZero(bytes.subarray(offset, offset + 65536)), `chunk at ${offset}`);
  }
});

test('two calls differ', () => {
  assert.is.not(toHex(randomBytes(32)), toHex(randomBytes(32)));
});

test.run();
