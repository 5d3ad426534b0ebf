// A keystore written before the records layout (test/fixtures/keystore-v1, made by the code of
// commit 0959acf: one sealed whole snapshot) opens, is rewritten as records at once, and holds
// exactly what it held: the same rooms, keys, log, messages and read mark. So does one of records
// layout 2 (test/fixtures/keystore-v2, made by 550c7df), rewritten in layout 3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual, fromUtf8 } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { openKeystore } from '../../../protocol/crypto/passphrase.js';
import { SottoClient } from '../../../protocol/client/client.js';
import { joinRecords, LAYOUT_VERSION, parseName, type StateJson } from '../../../protocol/client/record-layout.js';
import { decodeSnapshot, decodeSnapshotJson, encodeSnapshot } from '../../../protocol/client/snapshot.js';
import { noblePrimitives } from '../../../protocol/noise/index.js';
import { FilePersistence, RECORDS_DIR, SNAPSHOT_FILE } from '../../../client/file-persistence.js';
import { TEST_KDF, TEST_PASSPHRASE } from '../../helpers/clients.js';
import { FIXTURE_KEYSTORE, FIXTURE_KEYSTORE_V2, fixtureRecordsV2 } from '../../helpers/grown-room.js';

const suite = nobleSuite;
const ROOM = '42643648724d36d0a11ed2a93c118a5b';

test('migration: a Node keystore made before records opens with nothing lost and is stored as records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-migrate-'));
  try {
    copyFileSync(FIXTURE_KEYSTORE, join(dir, SNAPSHOT_FILE));
    const { plaintext } = await openKeystore(TEST_PASSPHRASE, readFileSync(FIXTURE_KEYSTORE));
    const before = await decodeSnapshot(suite, plaintext);
    assert.is(before.rooms[0]!.messages.length, 300, 'the fixture is what its README says');

    const client = await SottoClient.open({
      suite, primitives: noblePrimitives,
      connect: () => Promise.reject(new Error('offline for this test')),
      persistence: new FilePersistence(dir, TEST_PASSPHRASE, TEST_KDF),
    });
    try {
      assert.is(client.messages(ROOM).length, 300);
      assert.is(client.rooms()[0]!.unread, 0, 'the read mark survived');
    } finally {
      await client.close();
    }

    // Rewritten at the first unlock: the state record holds no history, the chunks do.
    const state = JSON.parse(fromUtf8((await openKeystore(TEST_PASSPHRASE, readFileSync(join(dir, SNAPSHOT_FILE)))).plaintext)) as StateJson;
    assert.is(state.version, LAYOUT_VERSION);
    assert.is(state.rooms[0]!.messages, undefined);
    const files = readdirSync(join(dir, RECORDS_DIR));
    assert.ok(files.filter((name) => parseName(name)?.kind === 'm').length >= 3, `message chunks: ${files.join(', ')}`);
    assert.ok(files.some((name) => parseName(name)?.kind === 's'), 'parts of the sealed hashes');
    assert.not.ok(files.some((name) => parseName(name) === undefined), `no stray files: ${files.join(', ')}`);

    const records = await new FilePersistence(dir, TEST_PASSPHRASE, TEST_KDF).load();
    const stored = joinRecords(records!);
    assert.not.ok(stored.whole);
    const after = await decodeSnapshotJson(suite, stored.snapshot);
    assert.ok(bytesEqual(encodeSnapshot(after.rooms), encodeSnapshot(before.rooms)), 'the same state, byte for byte');
    assert.ok(existsSync(join(dir, SNAPSHOT_FILE)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration: a Node keystore of records layout 2 opens with nothing lost and is rewritten in layout 3 at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-migrate-v2-'));
  try {
    cpSync(FIXTURE_KEYSTORE_V2, dir, { recursive: true });
    const before = await decodeSnapshotJson(suite, joinRecords(await fixtureRecordsV2()).snapshot);
    const [room] = before.rooms;
    assert.is(room!.messages.length, 350, 'the fixture is what its README says');
    assert.is(room!.journal.own.size, 202);

    const client = await SottoClient.open({
      suite, primitives: noblePrimitives,
      connect: () => Promise.reject(new Error('offline for this test')),
      persistence: new FilePersistence(dir, TEST_PASSPHRASE, TEST_KDF),
    });
    try {
      assert.is(client.messages(room!.hex).length, 350);
      assert.is(client.rooms()[0]!.unread, 0, 'the read mark survived');
    } finally {
      await client.close();
    }

    // Rewritten at the first unlock, before any change: the state record keeps the current epoch only and no journal records.
    const state = JSON.parse(fromUtf8((await openKeystore(TEST_PASSPHRASE, readFileSync(join(dir, SNAPSHOT_FILE)))).plaintext)) as StateJson;
    assert.is(state.version, LAYOUT_VERSION);
    assert.equal(state.rooms[0]!.epochs.map((e) => e.epoch), [room!.epoch]);
    assert.equal([state.rooms[0]!.journal!.own.length, state.rooms[0]!.journal!.rotations.length], [0, 0]);
    const files = readdirSync(join(dir, RECORDS_DIR));
    assert.ok(files.some((name) => parseName(name)?.kind === 'e'), `past epochs: ${files.join(', ')}`);
    assert.is(files.filter((name) => parseName(name)?.kind === 'r').length, room!.journal.rotations.size, 'one record per rotation');

    const records = await new FilePersistence(dir, TEST_PASSPHRASE, TEST_KDF).load();
    const stored = joinRecords(records!);
    assert.is(stored.layout, LAYOUT_VERSION);
    const after = await decodeSnapshotJson(suite, stored.snapshot);
    assert.ok(bytesEqual(encodeSnapshot(after.rooms), encodeSnapshot(before.rooms)), 'the same state, byte for byte');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
