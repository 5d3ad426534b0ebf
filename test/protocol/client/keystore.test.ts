// The keystore cipher (protocol/crypto/passphrase.ts) and the Node snapshot file on top of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual, utf8 } from '../../../protocol/bytes.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, sealKeystore, type KdfParams } from '../../../protocol/crypto/passphrase.js';
import { isSottoError } from '../../../protocol/errors.js';
import { FilePersistence, SNAPSHOT_FILE } from '../../../client/file-persistence.js';

const SMALL: KdfParams = { m: 64, t: 1, p: 1 };

async function expectOpenFailed(run: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isSottoError(error, 'OPEN_FAILED'), `${what}: ${String(error)}`);
    return;
  }
  assert.unreachable(`${what} opened`);
}

test('keystore: the defaults are Argon2id m = 64 MiB, t = 3, p = 1', () => {
  assert.equal(DEFAULT_KDF_PARAMS, { m: 64 * 1024, t: 3, p: 1 });
});

test('keystore: round trip, with the parameters read back from the header', async () => {
  const progress: number[] = [];
  const key = await newKeystoreKey('pass phrase', SMALL, (p) => progress.push(p));
  const plaintext = utf8('{"rooms":[]}');
  const file = sealKeystore(key, plaintext);
  assert.ok(bytesEqual(file.subarray(0, 8), utf8('SOTTO-KS')));
  const opened = await openKeystore('pass phrase', file);
  assert.ok(bytesEqual(opened.plaintext, plaintext));
  assert.equal(opened.key.params, SMALL);
  assert.ok(bytesEqual(opened.key.salt, key.salt));
  assert.ok(progress.length > 0 && progress.every((p) => p >= 0 && p <= 1));
  // Two seals of the same snapshot differ (fresh nonce) and both open.
  const again = sealKeystore(key, plaintext);
  assert.not.ok(bytesEqual(again, file));
  assert.ok(bytesEqual((await openKeystore('pass phrase', again)).plaintext, plaintext));
});

test('keystore: a wrong passphrase or an edited header is OPEN_FAILED', async () => {
  const key = await newKeystoreKey('right', SMALL);
  const file = sealKeystore(key, utf8('secret state'));
  await expectOpenFailed(() => openKeystore('wrong', file), 'wrong passphrase');
  const cheaper = file.slice();
  cheaper[8 + 2 + 3]! ^= 1; // a bit of m: the header is associated data
  await expectOpenFailed(() => openKeystore('right', cheaper), 'edited parameters');
  const salted = file.slice();
  salted[30]! ^= 1;
  await expectOpenFailed(() => openKeystore('right', salted), 'edited salt');
});

test('keystore: a header asking for absurd parameters is refused before any work', async () => {
  const key = await newKeystoreKey('right', SMALL);
  const file = sealKeystore(key, utf8('x'));
  const greedy = file.slice();
  new DataView(greedy.buffer).setUint32(10, 0xffffffff); // m
  try {
    await openKeystore('right', greedy);
    assert.unreachable('opened');
  } catch (error) {
    assert.ok(isSottoError(error, 'BAD_VALUE'));
  }
});

test('file persistence: mode 0600, survives reopening, a wrong passphrase overwrites nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    const first = new FilePersistence(dir, 'right', SMALL);
    assert.is(await first.load(), undefined);
    await first.save(utf8('state one'));
    await first.save(utf8('state two'));
    const path = join(dir, SNAPSHOT_FILE);
    assert.is(statSync(path).mode & 0o777, 0o600);
    const reopened = new FilePersistence(dir, 'right', SMALL);
    assert.ok(bytesEqual((await reopened.load())!, utf8('state two')));

    const before = readFileSync(path);
    const intruder = new FilePersistence(dir, 'wrong', SMALL);
    await expectOpenFailed(() => intruder.load(), 'wrong passphrase');
    try {
      await intruder.save(utf8('clobbered'));
      assert.unreachable('saved without a successful load');
    } catch (error) {
      assert.not.ok(isSottoError(error));
    }
    assert.ok(bytesEqual(readFileSync(path), before), 'the keystore is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file persistence: a corrupt file is refused, not replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    writeFileSync(join(dir, SNAPSHOT_FILE), 'not a keystore');
    try {
      await new FilePersistence(dir, 'right', SMALL).load();
      assert.unreachable('loaded');
    } catch (error) {
      assert.ok(isSottoError(error));
    }
    assert.is(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8'), 'not a keystore');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
