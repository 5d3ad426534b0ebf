import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, fromHex, toHex } from '../../../protocol/bytes.js';
import { xchachaOpen, xchachaSeal } from '../../../protocol/crypto/aead.js';
import { readVectorJson } from '../../helpers/paths.js';
import { expectSottoError } from './expect-error.js';
import type { WycheproofCase, WycheproofFile } from './wycheproof.js';

interface AeadCase extends WycheproofCase {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

const vectors = readVectorJson<WycheproofFile<{ ivSize: number; tests: AeadCase[] }>>('wycheproof-xchacha20_poly1305_test.json');

// 246 valid, 69 invalid, no acceptable. Invalid cases are either a nonce that is not 24 bytes
// (seal and open both refuse with BAD_VALUE) or a ciphertext/tag that must not open (OPEN_FAILED).
test('every Wycheproof XChaCha20-Poly1305 case', async () => {
  let run = 0;
  let badNonce = 0;
  let notOpened = 0;
  for (const group of vectors.testGroups) {
    for (const c of group.tests) {
      const label = `tcId ${c.tcId} (${c.flags.join(',')})`;
      const [key, iv, aad, msg] = [fromHex(c.key), fromHex(c.iv), fromHex(c.aad), fromHex(c.msg)];
      const sealed = concat(fromHex(c.ct), fromHex(c.tag));
      if (c.result === 'valid') {
        assert.is(toHex(xchachaSeal(key, iv, msg, aad)), toHex(sealed), label);
        assert.is(toHex(xchachaOpen(key, iv, sealed, aad)), c.msg, label);
      } else if (group.ivSize !== 192) {
        await expectSottoError(() => xchachaSeal(key, iv, msg, aad), 'BAD_VALUE', label);
        await expectSottoError(() => xchachaOpen(key, iv, sealed, aad), 'BAD_VALUE', label);
        badNonce++;
      } else {
        await expectSottoError(() => xchachaOpen(key, iv, sealed, aad), 'OPEN_FAILED', label);
        notOpened++;
      }
      run++;
    }
  }
  assert.is(run, vectors.numberOfTests);
  assert.is(run, 315);
  assert.is(badNonce, 9);
  assert.is(notOpened, 60);
});

test('a key that is not 32 bytes is BAD_VALUE', async () => {
  await expectSottoError(() => xchachaSeal(new Uint8Array(16), new Uint8Array(24), new Uint8Array(0), new Uint8Array(0)), 'BAD_VALUE', 'seal');
  await expectSottoError(() => xchachaOpen(new Uint8Array(16), new Uint8Array(24), new Uint8Array(16), new Uint8Array(0)), 'BAD_VALUE', 'open');
});

test('input shorter than a tag is OPEN_FAILED', async () => {
  await expectSottoError(() => xchachaOpen(new Uint8Array(32), new Uint8Array(24), new Uint8Array(15), new Uint8Array(0)), 'OPEN_FAILED');
});

test.run();
