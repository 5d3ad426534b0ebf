// The keystore cipher (protocol/crypto/passphrase.ts) and the Node keystore files on top of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual, fromUtf8, utf8 } from '../../../protocol/bytes.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, sealKeystore, type KdfParams } from '../../../protocol/crypto/passphrase.js';
import { isSottoError } from '../../../protocol/errors.js';
import { FilePersistence, JOURNAL_FILE, RECORDS_DIR, SNAPSHOT_FILE } from '../../../client/file-persistence.js';
import type { RecordChange } from '../../../protocol/client/persistence.js';
import { STATE_RECORD } from '../../../protocol/client/record-layout.js';

const SMALL: KdfParams = { m: 64, t: 1, p: 1 };

function text(records: ReadonlyMap<string, Uint8Array> | undefined): Record<string, string> {
  return Object.fromEntries([...records ?? []].map(([name, bytes]) => [name, fromUtf8(bytes)]));
}

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

/** A keystore in `dir` holding a state record and one chunk, open for more saves. */
async function keystoreWithOneChunk(dir: string): Promise<FilePersistence> {
  const persistence = new FilePersistence(dir, 'right', SMALL);
  await persistence.load();
  await persistence.save({ put: new Map([[STATE_RECORD, utf8('state one')], ['m.ab.0', utf8('chunk one')]]), remove: [] });
  return persistence;
}

const state = (text: string): RecordChange => ({ put: new Map([[STATE_RECORD, utf8(text)]]), remove: [] });

test('file persistence: mode 0600, survives reopening, a wrong passphrase overwrites nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    const first = new FilePersistence(dir, 'right', SMALL);
    assert.is(await first.load(), undefined);
    await first.save(state('state one'));
    await first.save({ put: new Map([[STATE_RECORD, utf8('state two')], ['m.ab.0', utf8('chunk zero')], ['m.ab.1', utf8('chunk one')]]), remove: [] });
    await first.save({ put: new Map([['m.ab.2', utf8('chunk two')]]), remove: ['m.ab.0'] });
    const path = join(dir, SNAPSHOT_FILE);
    assert.is(statSync(path).mode & 0o777, 0o600);
    assert.is(statSync(join(dir, RECORDS_DIR, 'm.ab.1')).mode & 0o777, 0o600);
    assert.not.ok(existsSync(join(dir, JOURNAL_FILE)), 'the journal is gone once applied');
    const reopened = new FilePersistence(dir, 'right', SMALL);
    assert.equal(text(await reopened.load()), { [STATE_RECORD]: 'state two', 'm.ab.1': 'chunk one', 'm.ab.2': 'chunk two' });

    const before = readFileSync(path);
    const intruder = new FilePersistence(dir, 'wrong', SMALL);
    await expectOpenFailed(() => intruder.load(), 'wrong passphrase');
    try {
      await intruder.save(state('clobbered'));
      assert.unreachable('saved without a successful load');
    } catch (error) {
      assert.not.ok(isSottoError(error));
    }
    assert.ok(bytesEqual(readFileSync(path), before), 'the keystore is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A crash between a save's commit (the journal's rename) and its last file: the journal holds the
// whole change, and the next open finishes it. Checked to fail without the journal: with the files
// written one by one, the reopened keystore held the new state and chunk but not the third record.
test('file persistence: a save cut short after its commit is finished at the next open, whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    const first = await keystoreWithOneChunk(dir);
    // The chunk's file cannot be replaced (a directory stands in its way): the save fails midway.
    const chunk = join(dir, RECORDS_DIR, 'm.ab.9');
    mkdirSync(chunk);
    try {
      await first.save({ put: new Map([[STATE_RECORD, utf8('state two')], ['m.ab.0', utf8('chunk two')], ['m.ab.9', utf8('new')]]), remove: [] });
      assert.unreachable('the save went through');
    } catch (error) {
      assert.not.ok(isSottoError(error));
    }
    assert.ok(existsSync(join(dir, JOURNAL_FILE)), 'the committed journal stays');
    rmSync(chunk, { recursive: true });
    const reopened = new FilePersistence(dir, 'right', SMALL);
    assert.equal(text(await reopened.load()), { [STATE_RECORD]: 'state two', 'm.ab.0': 'chunk two', 'm.ab.9': 'new' });
    assert.not.ok(existsSync(join(dir, JOURNAL_FILE)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A crash before the commit leaves only a temp file behind: the keystore is the last save's.
test('file persistence: a journal that never reached its rename changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    await keystoreWithOneChunk(dir);
    writeFileSync(join(dir, `${JOURNAL_FILE}.999.tmp`), 'half a journal');
    writeFileSync(join(dir, RECORDS_DIR, 'm.ab.0.999.tmp'), 'half a chunk');
    const reopened = new FilePersistence(dir, 'right', SMALL);
    assert.equal(text(await reopened.load()), { [STATE_RECORD]: 'state one', 'm.ab.0': 'chunk one' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file persistence: a record sealed under the key of another keystore is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  const other = mkdtempSync(join(tmpdir(), 'sotto-keystore-'));
  try {
    for (const where of [dir, other]) {
      const persistence = new FilePersistence(where, 'right', SMALL);
      await persistence.load();
      await persistence.save({ put: new Map([[STATE_RECORD, utf8('state')], ['m.ab.0', utf8(where)]]), remove: [] });
    }
    copyFileSync(join(other, RECORDS_DIR, 'm.ab.0'), join(dir, RECORDS_DIR, 'm.ab.0'));
    await expectOpenFailed(() => new FilePersistence(dir, 'right', SMALL).load(), 'a foreign record');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
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
