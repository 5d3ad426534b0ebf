// The keystore in a real browser: reload + passphrase restores rooms and history; a wrong
// passphrase says so and leaves the stored bytes untouched; ephemeral mode writes nothing to
// IndexedDB; a joiner whose owner is offline completes later without redoing anything; a keystore
// made before the records layout, and one of records layout 2, migrate on their first unlock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { newDataKey, passphraseSlot, sealRecord, sealWrapped } from '../../protocol/crypto/key-wrap.js';
import { newKeystoreKey } from '../../protocol/crypto/passphrase.js';
import { STATE_RECORD } from '../../protocol/client/record-layout.js';
import { TEST_KDF, TEST_PASSPHRASE } from '../helpers/clients.js';
import { FIXTURE_KEYSTORE, fixtureRecordsV2 } from '../helpers/grown-room.js';
import {
  chromiumAvailable, createRoom, expectMessage, inviteLink, messageTexts, open, screenshot, send, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

/** The sealed keystore entry as base64, read straight from IndexedDB by the page. */
async function storedKeystore(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('sotto')) return null;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sotto');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      if (!db.objectStoreNames.contains('keystore')) return null;
      const value = await new Promise<unknown>((resolve, reject) => {
        const request = db.transaction('keystore', 'readonly').objectStore('keystore').get('sealed');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      if (!(value instanceof Uint8Array)) return null;
      let text = '';
      for (const byte of value) text += String.fromCharCode(byte);
      return btoa(text);
    } finally {
      db.close();
    }
  });
}

/** Every entry in the keystore's IndexedDB store: its name and its bytes as a binary string. */
async function storedEntries(page: Page): Promise<[string, string][]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sotto');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const store = db.transaction('keystore', 'readonly').objectStore('keystore');
      const read = <T>(request: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
      // Byte by byte: spreading a large entry into fromCharCode overflows the stack.
      return keys.map((key, i) => {
        let text = '';
        for (const byte of values[i] as Uint8Array) text += String.fromCharCode(byte);
        return [String(key), text] as [string, string];
      });
    } finally {
      db.close();
    }
  });
}

const FIXTURE_ROOM = '42643648724d36d0a11ed2a93c118a5b';
const FIXTURE_V2_ROOM = 'e1da5e3811ba5b0e1810bc5fa9f1f0ab';

/**
 * test/fixtures/keystore-v2's records as the web app of 550c7df kept them: keystore format 2 (a data
 * key wrapped by the passphrase), the state record under `sealed`, each other record under its name.
 * Sealed with today's key-wrap.ts, which that commit's is byte for byte.
 */
async function layout2Entries(): Promise<[string, number[]][]> {
  const dataKey = newDataKey();
  const kek = await newKeystoreKey(TEST_PASSPHRASE, TEST_KDF);
  const slots = { passphrase: passphraseSlot(kek, dataKey), recovery: undefined };
  kek.key.wipe();
  const entries = [...await fixtureRecordsV2()].map(([name, plaintext]): [string, number[]] => (name === STATE_RECORD
    ? ['sealed', [...sealWrapped(slots, dataKey, plaintext)]]
    : [name, [...sealRecord(dataKey, plaintext)]]));
  dataKey.wipe();
  return entries;
}

/** Writes `entries` into the keystore's IndexedDB store as they are. */
async function putEntries(page: Page, entries: [string, number[]][]): Promise<void> {
  await page.evaluate(async (all) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sotto');
      request.onupgradeneeded = () => request.result.createObjectStore('keystore');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const tx = db.transaction('keystore', 'readwrite');
    for (const [name, bytes] of all) tx.objectStore('keystore').put(Uint8Array.from(bytes), name);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  }, entries);
}

if (chromiumAvailable()) {
  let world: World;
  let carol: Person;
  let dave: Person;
  let roomId: string;

  test.before(async () => {
    world = await World.start('keystore');
    carol = await world.person('carol');
    dave = await world.person('dave');
  });

  test.after(async () => {
    await world?.close();
  });

  test('the keystore holds only sealed bytes; reload + passphrase restores rooms and history', async () => {
    await open(carol, world);
    await unlock(carol, 'carol: a long passphrase');
    roomId = await createRoom(carol, 'Garden', 'Carol');
    await send(carol, 'first note');
    await send(carol, 'second note');
    await expectMessage(carol, 'second note');
    const sealed = await storedKeystore(carol.page);
    assert.ok(sealed !== null, 'a keystore entry exists');
    const raw = atob(sealed!);
    assert.ok(raw.startsWith('SOTTO-KS'), 'sealed file format');
    for (const plain of ['Garden', 'first note', 'Carol', 'signSeed']) assert.not.ok(raw.includes(plain), `plaintext "${plain}" in IndexedDB`);

    await carol.page.reload();
    await carol.page.getByRole('heading', { name: 'Unlock Sotto' }).waitFor();
    // Argon2id at 64 MiB takes a moment: the screen says so while it works.
    await carol.page.getByLabel('Passphrase', { exact: true }).fill('carol: a long passphrase');
    await carol.page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await carol.page.getByText('Deriving key…').waitFor();
    await carol.page.waitForFunction(() => (document.querySelector('progress')?.value ?? 0) > 0.2);
    await screenshot(carol.page, '09-deriving-key');
    await carol.page.getByRole('status').filter({ hasText: /Connected|Connecting/ }).waitFor({ timeout: 60_000 });
    await carol.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Garden/ }).click();
    await expectMessage(carol, 'second note');
    assert.equal(await messageTexts(carol), ['first note', 'second note']);
  });

  test('a wrong passphrase says so and leaves the stored keystore byte-for-byte unchanged', async () => {
    const before = await storedKeystore(carol.page);
    await carol.page.reload();
    await carol.page.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
    await carol.page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await carol.page.getByRole('alert').filter({ hasText: 'Wrong passphrase' }).waitFor({ timeout: 60_000 });
    await screenshot(carol.page, '10-wrong-passphrase');
    assert.is(await storedKeystore(carol.page), before);
    assert.is(await carol.page.getByRole('button', { name: 'New room' }).count(), 0);
    // And the right one still works afterwards.
    await unlock(carol, 'carol: a long passphrase');
    await carol.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Garden/ }).waitFor();
  });

  test('an offline owner: the joiner waits, and the join completes when the owner comes back', async () => {
    await carol.page.goto(`${world.baseUrl}/#/room/${roomId}`);
    const link = await inviteLink(carol);
    await carol.page.close();
    await open(dave, world, '/');
    await useWithoutSaving(dave);
    await dave.page.goto(link);
    await submitJoin(dave, 'Dave');
    await dave.page.getByText('Waiting for the room owner').waitFor({ timeout: 30_000 });
    await screenshot(dave.page, '11-waiting-for-owner');
    // Carol returns in a new tab; her client finishes the exchange without Dave doing anything.
    const page = await world.newTab(carol);
    await page.goto(`${world.baseUrl}/`);
    await unlock(carol, 'carol: a long passphrase');
    await dave.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(dave, 'made it in');
    await page.goto(`${world.baseUrl}/#/room/${roomId}`);
    await expectMessage(carol, 'made it in');
    await carol.page.getByRole('region', { name: 'Members' }).getByText('Dave').waitFor();
  });

  test('ephemeral mode leaves nothing in IndexedDB', async () => {
    const eve = await world.person('eve');
    await open(eve, world);
    await useWithoutSaving(eve);
    await createRoom(eve, 'Scratch', 'Eve');
    await send(eve, 'gone with the tab');
    await expectMessage(eve, 'gone with the tab');
    const databases = await eve.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    assert.equal(databases, []);
    assert.is(await storedKeystore(eve.page), null);
    // Dave joined ephemerally too.
    assert.equal(await dave.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
    await eve.page.reload();
    await eve.page.getByRole('heading', { name: 'Create your keystore' }).waitFor();
  });

  test('a second tab on the same keystore is refused instead of overwriting the first', async () => {
    const second = await carol.context.newPage();
    await second.goto(`${world.baseUrl}/`);
    await second.getByLabel('Passphrase', { exact: true }).fill('carol: a long passphrase');
    await second.getByRole('button', { name: 'Unlock', exact: true }).click();
    await second.getByRole('alert').filter({ hasText: 'already open in another tab' }).waitFor({ timeout: 60_000 });
    await second.close();
    // The first tab is unaffected.
    await carol.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  });

  test('export the sealed keystore and import it on another device', async () => {
    await carol.page.goto(`${world.baseUrl}/#/settings`);
    const [download] = await Promise.all([
      carol.page.waitForEvent('download'),
      carol.page.getByRole('button', { name: 'Export keystore' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^sotto-keystore-\d{4}-\d{2}-\d{2}\.sotto$/);
    const file = await download.path();
    const frank = await world.person('frank');
    await open(frank, world);
    await unlock(frank, 'temporary passphrase');
    await frank.page.goto(`${world.baseUrl}/#/settings`);
    await frank.page.getByLabel('Keystore file').setInputFiles(file);
    // A wrong passphrase for the file changes nothing.
    await frank.page.getByLabel('Passphrase of that file').fill('wrong');
    await frank.page.getByRole('button', { name: 'Import keystore' }).click();
    await frank.page.getByRole('alert').filter({ hasText: 'does not open' }).waitFor({ timeout: 60_000 });
    await frank.page.getByLabel('Passphrase of that file').fill('carol: a long passphrase');
    await frank.page.getByRole('button', { name: 'Import keystore' }).click();
    // Nothing is replaced before the person confirms, having been told what the file holds.
    const confirm = frank.page.getByRole('alertdialog', { name: 'Replace the keystore on this device?' });
    await confirm.filter({ hasText: /The file holds \d+ rooms?: .*Garden/ }).waitFor({ timeout: 60_000 });
    await confirm.getByRole('button', { name: 'Replace this device’s keystore' }).click();
    await frank.page.getByRole('heading', { name: 'Unlock Sotto' }).waitFor({ timeout: 60_000 });
    await unlock(frank, 'carol: a long passphrase');
    await frank.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Garden/ }).click();
    await expectMessage(frank, 'second note');
    await screenshot(frank.page, '12-imported');
    // The first unlock after an import replaces the keys in every room (docs/protocol.md §8.5): the
    // tab still holding the exported keys is shut out of the room.
    await carol.page.goto(`${world.baseUrl}/#/`);
    await carol.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Garden/ }).click();
    await carol.page.getByText('You were removed from this room').waitFor({ timeout: 60_000 });
  });

  // test/fixtures/keystore-v1: the bytes the web app of commit 0959acf kept in its one IndexedDB
  // entry (the same sealed whole snapshot the Node CLI wrote), 300 messages in one room.
  test('a keystore made before the records layout unlocks with its history and is stored as records', async () => {
    const gina = await world.person('gina');
    await open(gina, world);
    await putEntries(gina.page, [['sealed', [...readFileSync(FIXTURE_KEYSTORE)]]]);
    // Only the hash changes: reloaded, so the app looks for a keystore again.
    await gina.page.goto(`${world.baseUrl}/#/room/${FIXTURE_ROOM}`);
    await gina.page.reload();
    await gina.page.getByRole('heading', { name: 'Unlock Sotto' }).waitFor();
    await unlock(gina, TEST_PASSPHRASE);
    await expectMessage(gina, 'member message 99');
    const stored = await storedEntries(gina.page);
    const names = stored.map(([name]) => name);
    assert.ok(names.includes('sealed'));
    assert.ok(names.filter((name) => name.startsWith(`m.${FIXTURE_ROOM}.`)).length >= 3, `message chunks: ${names.join(', ')}`);
    for (const [name, raw] of stored) {
      assert.ok(raw.startsWith('SOTTO-KS'), `${name} is sealed`);
      assert.not.ok(raw.includes('message'), `plaintext in ${name}`);
    }
    // Again from the records alone.
    await gina.page.reload();
    await unlock(gina, TEST_PASSPHRASE);
    await expectMessage(gina, 'member message 99');
    // The older messages are there too, a window up (web/ui/room.ts renders the latest first).
    await gina.page.getByRole('button', { name: 'Show earlier messages' }).click();
    await expectMessage(gina, 'owner message 199');
  });

  // test/fixtures/keystore-v2: records layout 2 (550c7df), past epochs and the journal in the state record.
  test('a keystore of records layout 2 unlocks with its history and is rewritten in layout 3', async () => {
    const hank = await world.person('hank');
    await open(hank, world);
    await putEntries(hank.page, await layout2Entries());
    await hank.page.goto(`${world.baseUrl}/#/room/${FIXTURE_V2_ROOM}`);
    await hank.page.reload();
    await hank.page.getByRole('heading', { name: 'Unlock Sotto' }).waitFor();
    await unlock(hank, TEST_PASSPHRASE);
    await expectMessage(hank, 'member message 149');
    // Rewritten at the unlock: the past epochs and the journal's rotations in records of their own.
    const names = (await storedEntries(hank.page)).map(([name]) => name);
    assert.ok(names.includes(`e.${FIXTURE_V2_ROOM}.0`), `past epochs: ${names.join(', ')}`);
    assert.ok(names.some((name) => name.startsWith(`r.${FIXTURE_V2_ROOM}.`)), `rotations: ${names.join(', ')}`);
    // Again from the new records alone.
    await hank.page.reload();
    await unlock(hank, TEST_PASSPHRASE);
    await expectMessage(hank, 'member message 149');
    // The older messages are there too, a window up (web/ui/room.ts renders the latest first).
    await hank.page.getByRole('button', { name: 'Show earlier messages' }).click();
    await expectMessage(hank, 'owner message 199');
  });
}

test.run();
