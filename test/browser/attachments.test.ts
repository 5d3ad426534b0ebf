// Attachments through the UI (issue 16, item 4; docs/protocol.md §9.2): two people in Debian's
// Chromium on a real relay. Files of 1 MiB and 20 MiB go from Alice to Bob byte-exact through
// "Attach file" and "Download"; an image shows inline; an upload can be cancelled; a chunk the
// relay alters is refused with a clear error and nothing is offered. The relay's store is wrapped
// only to hold uploads (so Cancel is pressed mid-upload, not raced) and to flip a byte on demand.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { Store } from '../../relay/store/store.js';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, open, screenshot, send, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

const MiB = 1024 * 1024;
const TRANSFER_TIMEOUT_MS = 180_000;

let tamper = false;
let hold: Promise<void> | undefined;
let holding = false;

/** The real store; its chunk reads flip a byte while `tamper`, its chunk writes wait while `hold` is set. */
function attachmentStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'getAttachmentChunk') {
        return async (...args: Parameters<Store['getAttachmentChunk']>) => {
          const chunk = await target.getAttachmentChunk(...args);
          if (!tamper) return chunk;
          const bytes = chunk.bytes.slice();
          bytes[10]! ^= 0x01;
          return { ...chunk, bytes };
        };
      }
      if (property === 'putAttachmentChunk') {
        return async (...args: Parameters<Store['putAttachmentChunk']>) => {
          if (hold !== undefined) {
            holding = true;
            await hold;
          }
          return target.putAttachmentChunk(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function attach(person: Person, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await person.page.getByRole('button', { name: 'Attach file' }).click({ trial: true });
  // A 20 MiB file takes a while to cross the DevTools protocol on a loaded machine.
  await person.page.locator('input[type=file][data-testid=attach-input]').setInputFiles({ name, mimeType, buffer }, { timeout: TRANSFER_TIMEOUT_MS });
}

function attachmentArticle(page: Page, name: string) {
  return page.getByRole('log').getByRole('article').filter({ has: page.locator('.attachment-name', { hasText: name }) }).first();
}

/** Clicks "Download <name>" and resolves with the bytes the browser saved. */
async function download(person: Person, name: string): Promise<Buffer> {
  const article = attachmentArticle(person.page, name);
  await article.waitFor({ timeout: TRANSFER_TIMEOUT_MS });
  const [saved] = await Promise.all([
    person.page.waitForEvent('download', { timeout: TRANSFER_TIMEOUT_MS }),
    article.getByRole('button', { name: `Download ${name}` }).click(),
  ]);
  assert.is(saved.suggestedFilename(), name);
  return readFileSync(await saved.path());
}

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;

  test.before(async () => {
    world = await World.start('attachments', { wrapStore: attachmentStore });
    alice = await world.person('alice');
    bob = await world.person('bob');
    await open(alice, world);
    await useWithoutSaving(alice);
    await createRoom(alice, 'Book club', 'Alice');
    const link = await inviteLink(alice);
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await open(bob, world);
    await unlock(bob, 'bob hunter2 but longer');
    await bob.page.goto(link);
    await submitJoin(bob, 'Bob');
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(alice, 'Here are the notes.');
    await expectMessage(bob, 'Here are the notes.');
  });

  test.after(async () => {
    await world?.close();
  });

  test('a 1 MiB file goes from Alice to Bob byte-exact', async () => {
    const file = Buffer.from(randomBytes(MiB));
    await attach(alice, 'notes-1mib.bin', 'application/octet-stream', file);
    await attachmentArticle(alice.page, 'notes-1mib.bin').getByRole('button', { name: 'Download notes-1mib.bin' }).waitFor({ timeout: TRANSFER_TIMEOUT_MS });
    const got = await download(bob, 'notes-1mib.bin');
    assert.is(got.length, file.length);
    assert.ok(got.equals(file), 'the downloaded bytes are the bytes sent');
  });

  test('an image shows inline, size-limited, after its hash check', async () => {
    // A real PNG: Chromium's own screenshot of the room.
    const png = await alice.page.screenshot({ clip: { x: 0, y: 0, width: 320, height: 200 } });
    await attach(alice, 'room.png', 'image/png', png);
    const image = attachmentArticle(bob.page, 'room.png').getByRole('img', { name: 'room.png' });
    await image.waitFor({ timeout: TRANSFER_TIMEOUT_MS });
    await bob.page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img.attachment-image')).some((i) => i.complete && i.naturalWidth === 320));
    const src = await image.getAttribute('src');
    assert.ok(src?.startsWith('blob:'), 'shown from a blob, never from a URL the relay controls');
    await screenshot(bob.page, '51-attachment-image');
    await expectAccessible(bob.page, 'room with attachments');
  });

  test('an upload shows its progress and can be cancelled', async () => {
    let release: () => void = () => undefined;
    hold = new Promise((resolve) => { release = resolve; });
    holding = false;
    await attach(alice, 'cancel-me.bin', 'application/octet-stream', Buffer.from(randomBytes(3 * MiB)));
    const progress = alice.page.getByRole('group', { name: 'Uploading cancel-me.bin' });
    await progress.waitFor();
    await progress.getByRole('progressbar').waitFor();
    await screenshot(alice.page, '50-attachment-upload-progress');
    await expectAccessible(alice.page, 'upload in progress');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    hold = undefined;
    release();
    await alice.page.getByText('cancel-me.bin not sent: Cancelled.').waitFor({ timeout: TRANSFER_TIMEOUT_MS });
    assert.ok(holding, 'the relay was holding a chunk when Cancel was pressed');
    assert.is(await attachmentArticle(alice.page, 'cancel-me.bin').count(), 0, 'no message went out');
  });

  test('a 20 MiB file goes from Alice to Bob byte-exact, with progress on both sides', async () => {
    const file = Buffer.from(randomBytes(20 * MiB));
    await attach(alice, 'video-20mib.bin', 'application/octet-stream', file);
    await alice.page.getByRole('group', { name: 'Uploading video-20mib.bin' }).waitFor();
    await attachmentArticle(alice.page, 'video-20mib.bin').getByRole('button', { name: 'Download video-20mib.bin' }).waitFor({ timeout: TRANSFER_TIMEOUT_MS });
    const got = await download(bob, 'video-20mib.bin');
    assert.is(got.length, file.length);
    assert.ok(got.equals(file), 'the downloaded bytes are the bytes sent');
    await screenshot(bob.page, '52-attachment-file');
  });

  test('a chunk the relay altered is refused: a clear error, nothing saved', async () => {
    tamper = true;
    try {
      const article = attachmentArticle(bob.page, 'notes-1mib.bin');
      let downloads = 0;
      bob.page.on('download', () => downloads++);
      await article.getByRole('button', { name: 'Download notes-1mib.bin' }).click();
      await article.getByText('The file failed verification').waitFor({ timeout: TRANSFER_TIMEOUT_MS });
      assert.is(downloads, 0);
      await screenshot(bob.page, '53-attachment-refused');
      await expectAccessible(bob.page, 'a refused download');
    } finally {
      tamper = false;
    }
  });

  test('no page errors', () => {
    assert.equal(alice.errors, []);
    assert.equal(bob.errors, []);
  });
}

test.run();
