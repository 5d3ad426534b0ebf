import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectSuite } from '../../../protocol/crypto/select-suite.js';
import { webCryptoSuite } from '../../../protocol/crypto/webcrypto-suite.js';

test('Node 20 has WebCrypto Ed25519 and X25519, so detectSuite picks webcrypto', async () => {
  const suite = await detectSuite();
  assert.is(suite.name, 'webcrypto');
  assert.is(suite, webCryptoSuite);
});

test('the result is cached', async () => {
  assert.is(await detectSuite(), await detectSuite());
});

test.run();
