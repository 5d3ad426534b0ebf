// Keystore format 2 (protocol/crypto/key-wrap.ts) and the recovery key (recovery-key.ts): either
// way in opens the same data key; edited slots, swapped slots and typos fail with typed errors.
// Edited parameters or salts derive another key-encryption key, so they fail even without the
// slot description in the AD (checked by cutting the AD to the magic: these tests still passed);
// the AD binding is defence in depth, not what these tests prove.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, utf8 } from '../../../protocol/bytes.js';
import {
  encodeSlots, keystoreFormat, newDataKey, openData, openRecord, parseWrapped, passphraseSlot, recoverySlot, sealRecord, sealWrapped,
  unwrapWithPassphrase, unwrapWithRecoveryKey, type KeySlots,
} from '../../../protocol/crypto/key-wrap.js';
import { newKeystoreKey, sealKeystore, type KdfParams } from '../../../protocol/crypto/passphrase.js';
import { formatRecoveryKey, newRecoveryKey, parseRecoveryKey, RECOVERY_KEY_BYTES } from '../../../protocol/crypto/recovery-key.js';
import { isSottoError } from '../../../protocol/errors.js';

const SMALL: KdfParams = { m: 64, t: 1, p: 1 };

async function keystore(passphrase: string): Promise<{ file: Uint8Array; recoveryText: string; slots: KeySlots }> {
  const dataKey = newDataKey();
  const recovery = newRecoveryKey();
  const slots: KeySlots = { passphrase: passphraseSlot(await newKeystoreKey(passphrase, SMALL), dataKey), recovery: recoverySlot(recovery.key, dataKey) };
  return { file: sealWrapped(slots, dataKey, utf8('rooms and keys')), recoveryText: recovery.text, slots };
}

async function expectError(run: () => unknown, name: 'OPEN_FAILED' | 'BAD_VALUE' | 'KEY_MISSING' | 'BAD_VERSION', what: string): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isSottoError(error, name), `${what}: ${String(error)}`);
    return;
  }
  assert.unreachable(`${what} did not fail`);
}

test('key-wrap: the passphrase and the recovery key each open the same data', async () => {
  const { file, recoveryText } = await keystore('pass phrase');
  assert.is(keystoreFormat(file), 2);
  const { slots, data } = parseWrapped(file);
  const byPassphrase = await unwrapWithPassphrase(slots, 'pass phrase');
  const byRecovery = unwrapWithRecoveryKey(slots, parseRecoveryKey(recoveryText));
  assert.ok(bytesEqual(byPassphrase.expose(), byRecovery.expose()));
  assert.equal(openData(byRecovery, data), utf8('rooms and keys'));
});

test('key-wrap: a wrong passphrase or a wrong (well-formed) recovery key is OPEN_FAILED', async () => {
  const { file } = await keystore('pass phrase');
  const { slots } = parseWrapped(file);
  await expectError(() => unwrapWithPassphrase(slots, 'other phrase'), 'OPEN_FAILED', 'wrong passphrase');
  await expectError(() => unwrapWithRecoveryKey(slots, newRecoveryKey().key), 'OPEN_FAILED', 'wrong recovery key');
});

test('key-wrap: a passphrase slot edited to cheaper parameters or another salt fails to unwrap', async () => {
  const { file, recoveryText } = await keystore('pass phrase');
  const { slots } = parseWrapped(file);
  const cheaper: KeySlots = { ...slots, passphrase: { ...slots.passphrase, params: { m: 32, t: 1, p: 1 } } };
  await expectError(() => unwrapWithPassphrase(parseWrapped(concatFile(cheaper, file)).slots, 'pass phrase'), 'OPEN_FAILED', 'cheaper');
  const salted: KeySlots = { ...slots, recovery: { ...slots.recovery!, salt: new Uint8Array(16) } };
  await expectError(() => unwrapWithRecoveryKey(parseWrapped(concatFile(salted, file)).slots, parseRecoveryKey(recoveryText)), 'OPEN_FAILED', 'salt');
  // Unedited, both still open: the failures above are the edits'.
  await unwrapWithPassphrase(slots, 'pass phrase');
  unwrapWithRecoveryKey(slots, parseRecoveryKey(recoveryText));
});

/** The file with its slots replaced and its data kept. */
function concatFile(slots: KeySlots, file: Uint8Array): Uint8Array {
  const { data } = parseWrapped(file);
  const head = encodeSlots(slots);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

test('key-wrap: another keystore\'s slot unwraps a key that does not open this data', async () => {
  const mine = await keystore('pass phrase');
  const theirs = await keystore('pass phrase');
  const swapped = concatFile(theirs.slots, mine.file);
  const { slots, data } = parseWrapped(swapped);
  const key = await unwrapWithPassphrase(slots, 'pass phrase');
  await expectError(() => openData(key, data), 'OPEN_FAILED', 'swapped slots');
});

test('key-wrap: changing the passphrase rewraps the data key and keeps the data byte for byte', async () => {
  const { file, slots } = await keystore('old phrase');
  const dataKey = await unwrapWithPassphrase(slots, 'old phrase');
  const changed = concatFile({ ...slots, passphrase: passphraseSlot(await newKeystoreKey('new phrase', SMALL), dataKey) }, file);
  assert.ok(bytesEqual(parseWrapped(changed).data, parseWrapped(file).data));
  await expectError(() => unwrapWithPassphrase(parseWrapped(changed).slots, 'old phrase'), 'OPEN_FAILED', 'old passphrase');
  assert.equal(openData(await unwrapWithPassphrase(parseWrapped(changed).slots, 'new phrase'), parseWrapped(changed).data), utf8('rooms and keys'));
});

test('key-wrap: a keystore without a recovery slot says KEY_MISSING, and format 1 is not read as 2', async () => {
  const dataKey = newDataKey();
  const slots: KeySlots = { passphrase: passphraseSlot(await newKeystoreKey('p', SMALL), dataKey), recovery: undefined };
  const parsed = parseWrapped(sealWrapped(slots, dataKey, utf8('x'))).slots;
  await expectError(() => unwrapWithRecoveryKey(parsed, newRecoveryKey().key), 'KEY_MISSING', 'no recovery slot');
  const v1 = sealKeystore(await newKeystoreKey('p', SMALL), utf8('x'));
  assert.is(keystoreFormat(v1), 1);
  await expectError(() => parseWrapped(v1), 'BAD_VERSION', 'format 1 as 2');
});

test('key-wrap: a forged slot count or slot kind is refused before any derivation', async () => {
  const { file } = await keystore('p');
  const many = Uint8Array.from(file);
  many[9] = 200;
  await expectError(() => parseWrapped(many), 'BAD_VALUE', 'slot count');
  const kind = Uint8Array.from(file);
  kind[10] = 9;
  await expectError(() => parseWrapped(kind), 'BAD_VALUE', 'slot kind');
});

test('key-wrap: a history record names its format, opens under its keystore\'s data key only, and never as format 1', async () => {
  const dataKey = newDataKey();
  const record = sealRecord(dataKey, utf8('a chunk of messages'));
  assert.is(new TextDecoder().decode(record.subarray(0, 8)), 'SOTTO-KS');
  assert.ok(bytesEqual(openRecord(dataKey, record), utf8('a chunk of messages')));
  await expectError(() => openRecord(newDataKey(), record), 'OPEN_FAILED', 'another keystore\'s data key');
  const formatOne = sealKeystore(await newKeystoreKey('x', SMALL), utf8('a chunk of messages'));
  await expectError(() => openRecord(dataKey, formatOne), 'OPEN_FAILED', 'a format 1 record');
});

test('recovery key: 160 bits in nine groups of four; case, dashes and look-alike letters do not matter', () => {
  const { key, text } = newRecoveryKey();
  assert.is(key.expose().length, RECOVERY_KEY_BYTES);
  assert.match(text, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){8}$/);
  assert.ok(bytesEqual(parseRecoveryKey(text.toLowerCase().replace(/-/g, ' ')).expose(), key.expose()));
  const zeros = formatRecoveryKey(new Uint8Array(RECOVERY_KEY_BYTES));
  assert.ok(zeros.startsWith('0000-0000'));
  assert.ok(bytesEqual(parseRecoveryKey(zeros.replace(/0/g, 'O')).expose(), new Uint8Array(RECOVERY_KEY_BYTES)));
});

test('recovery key: a typo fails the check group (BAD_VALUE), so it is never reported as a wrong key', async () => {
  const { text } = newRecoveryKey();
  const first = text[0] === 'A' ? 'B' : 'A';
  await expectError(() => parseRecoveryKey(first + text.slice(1)), 'BAD_VALUE', 'typo');
  await expectError(() => parseRecoveryKey(text.slice(0, -5)), 'BAD_VALUE', 'short');
  await expectError(() => parseRecoveryKey(text.replace(/^./, 'U')), 'BAD_VALUE', 'not in the alphabet');
});

test.run();
