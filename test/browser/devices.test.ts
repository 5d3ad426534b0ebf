// Several devices per person in real Chromium (issue 19, docs/protocol.md §8.7): Alice's laptop and
// her phone (memory-only) and Bob, three browser contexts on one relay. The phone shows a link and
// QR code, the laptop takes the link pasted, both show one code and Alice confirms on both; the room
// and its 1,000 messages of history arrive on the phone with progress on both screens; both of
// Alice's devices send and read; Bob sees one person, Alice, with two devices; removing the lost
// phone from the laptop's "Your devices" shuts it out. axe checks each new screen; the screenshots
// in docs/web.md are taken here.
import { join as pathJoin } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { openHeadlessClient } from '../../client/headless.js';
import type { SottoClient } from '../../protocol/client/client.js';
import { REPO_ROOT } from '../helpers/paths.js';
import {
  chromiumAvailable, expectAccessible, expectMessage, joinByInvite, messageTexts, open, send, useWithoutSaving, World, type Person,
} from './harness.js';

const HISTORY = 1000;
const LONG_WAIT = 240_000;

/** Screenshots docs/web.md shows, written where it reads them. */
async function docShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: pathJoin(REPO_ROOT, 'docs', `web-devices-${name}.png`), fullPage: false });
}

async function goRoom(person: Person, roomId: string): Promise<void> {
  await person.page.evaluate((id) => {
    location.hash = `#/room/${id}`;
  }, roomId);
  await person.page.getByRole('button', { name: 'Send' }).waitFor();
}

/** The progress line, e.g. "Receiving history… 1,000 / 1,000", as [done, total]. */
async function historyLine(page: Page, verb: string): Promise<[number, number]> {
  const text = await page.locator('.link-status').textContent() ?? '';
  const match = new RegExp(`^${verb} history… ([\\d,]+) / ([\\d,]+)$`).exec(text);
  assert.ok(match, `a history progress line, not “${text}”`);
  return [Number(match[1]!.replace(/,/g, '')), Number(match[2]!.replace(/,/g, ''))];
}

if (chromiumAvailable()) {
  let world: World;
  let laptop: Person;
  let phone: Person;
  let bob: Person;
  let carol: SottoClient;
  let roomId: string;

  test.before(async () => {
    world = await World.start('devices');
    laptop = await world.person('alice-laptop');
    phone = await world.person('alice-phone', { viewport: { width: 420, height: 900 } });
    bob = await world.person('bob');
    // Carol, headless, owns the room and writes its history: 1,000 messages through the relay in
    // batches, where typing them into a page would take the test's whole budget.
    carol = await openHeadlessClient({ url: world.baseUrl });
    await carol.whenOnline();
    roomId = await carol.createRoom('Allotment', 'Carol');
    await joinByInvite(laptop, world.baseUrl, (await carol.createInvite(roomId)).link, 'alice laptop correct horse', 'Alice');
    await joinByInvite(bob, world.baseUrl, (await carol.createInvite(roomId)).link, 'bob keeps bees in the allotment', 'Bob');
    for (let sent = 0; sent < HISTORY; sent += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => carol.send(roomId, `history ${sent + i + 1}`)));
    }
    await expectMessage(laptop, `history ${HISTORY}`, LONG_WAIT);
  });

  test.after(async () => {
    await carol?.close();
    await world?.close();
  });

  /** The phone shows a fresh link; the laptop pastes it; resolves once both show the code. */
  async function startLink(): Promise<string> {
    await phone.page.getByRole('button', { name: 'Link to an existing device' }).click();
    await phone.page.waitForFunction(() => document.querySelector<HTMLInputElement>('.link-device input.mono')?.value.includes('#/link/') === true);
    const link = await phone.page.getByLabel('Link for your other device', { exact: true }).inputValue();
    await laptop.page.getByRole('link', { name: 'Settings' }).click();
    await laptop.page.getByRole('button', { name: 'Link a new device' }).click();
    await laptop.page.getByLabel('Device link').fill(link);
    await laptop.page.getByRole('button', { name: 'Continue' }).click();
    await laptop.page.locator('.link-code').waitFor();
    await phone.page.locator('.link-code').waitFor();
    return link;
  }

  test('Cancel on the new device stops the link on both screens, in words; nothing is added', async () => {
    await open(phone, world);
    await useWithoutSaving(phone);
    await startLink();
    await phone.page.getByRole('button', { name: 'Cancel' }).click();
    await phone.page.getByRole('alert').filter({ hasText: 'The link was cancelled on one of the two devices.' }).waitFor();
    await laptop.page.getByRole('alert').filter({ hasText: 'The link was cancelled on one of the two devices.' }).waitFor();
    assert.is(await laptop.page.getByRole('button', { name: 'Codes match' }).count(), 0, 'nothing left to confirm');
    await phone.page.getByRole('button', { name: 'Back to rooms' }).click();
    assert.is(await phone.page.locator('.room-list li').count(), 0, 'no room on the phone');
  });

  test('a second link while one is open is refused in words, and “Cancel the other link” ends the first on both devices', async () => {
    const link = await startLink();
    // Confirmed, the laptop's link goes on when its screen is left; before, a second start replaced it unsaid.
    await laptop.page.getByRole('button', { name: 'Codes match' }).click();
    await laptop.page.getByRole('link', { name: 'Settings' }).click();
    await laptop.page.getByRole('button', { name: 'Link a new device' }).click();
    await laptop.page.getByLabel('Device link').fill(link);
    await laptop.page.getByRole('button', { name: 'Continue' }).click();
    await laptop.page.getByRole('alert').filter({ hasText: 'A device link is already under way on this device' }).waitFor();
    assert.not.ok(await laptop.page.locator('.link-code').isVisible(), 'no second code');
    assert.ok(await phone.page.locator('.link-code').isVisible(), 'the first link goes on');
    await expectAccessible(laptop.page, 'a second link refused');
    await laptop.page.getByRole('button', { name: 'Cancel the other link' }).click();
    await phone.page.getByRole('alert').filter({ hasText: 'The link was cancelled on one of the two devices.' }).waitFor();
    await laptop.page.getByRole('button', { name: 'Cancel the other link' }).waitFor({ state: 'hidden' });
    await phone.page.getByRole('button', { name: 'Back to rooms' }).click();
  });

  test('the phone, memory-only, links to the laptop: one code confirmed on both screens, 1,000 messages of history with progress on both', async () => {
    await phone.page.getByRole('button', { name: 'Link to an existing device' }).click();
    await phone.page.getByText('vanish when you close or reload it').waitFor();
    const shown = phone.page.getByLabel('Link for your other device', { exact: true });
    await phone.page.waitForFunction(() => document.querySelector<HTMLInputElement>('.link-device input.mono')?.value.includes('#/link/') === true);
    const link = await shown.inputValue();
    assert.match(link, new RegExp(`^${world.baseUrl}/#/link/[A-Za-z0-9_-]+$`));
    await phone.page.getByRole('img', { name: 'QR code of the link for your other device' }).waitFor();
    await expectAccessible(phone.page, 'link to an existing device');
    await docShot(phone.page, 'new-link');

    await laptop.page.getByRole('link', { name: 'Settings' }).click();
    await laptop.page.getByRole('button', { name: 'Link a new device' }).click();
    await laptop.page.getByLabel('Device link').fill(link);
    assert.ok(await laptop.page.getByRole('checkbox', { name: 'Allotment' }).isChecked(), 'every room by default');
    await expectAccessible(laptop.page, 'link a new device');
    await laptop.page.getByRole('button', { name: 'Continue' }).click();

    const laptopCode = laptop.page.locator('.link-code');
    const phoneCode = phone.page.locator('.link-code');
    await laptopCode.waitFor();
    await phoneCode.waitFor();
    const code = await laptopCode.getAttribute('data-code');
    assert.match(code ?? '', /^\d{6}$/);
    assert.is(await phoneCode.getAttribute('data-code'), code, 'both screens show one code');
    await phone.page.getByText('offers one room: Allotment').waitFor();
    await expectAccessible(phone.page, 'the code on the new device');
    await expectAccessible(laptop.page, 'the code on the existing device');
    await docShot(laptop.page, 'existing-code');
    await docShot(phone.page, 'new-code');

    await laptop.page.getByRole('button', { name: 'Codes match' }).click();
    await phone.page.getByRole('button', { name: 'Codes match' }).click();
    await phone.page.getByText('This device is linked').waitFor({ timeout: LONG_WAIT });
    await laptop.page.getByText('The new device is linked.').waitFor({ timeout: LONG_WAIT });
    const [received, total] = await historyLine(phone.page, 'Receiving');
    assert.is(received, total);
    assert.ok(total >= HISTORY, `the whole history: ${total}`);
    assert.equal(await historyLine(laptop.page, 'Sending'), [total, total]);
    const bar = phone.page.getByRole('progressbar', { name: 'History moved' });
    assert.is(await bar.getAttribute('value'), await bar.getAttribute('max'));
    await expectAccessible(phone.page, 'the link done on the new device');
    await docShot(phone.page, 'new-done');

    // The room with its whole history, in order, marked as brought from the other device.
    await phone.page.getByRole('button', { name: 'Open rooms' }).click();
    await goRoom(phone, roomId);
    await expectMessage(phone, `history ${HISTORY}`);
    const earlier = phone.page.getByRole('button', { name: 'Show earlier messages' });
    // Each click (or a scroll to the top) renders the next window, until the whole history shows.
    const historyShown = async (): Promise<string[]> => (await messageTexts(phone)).filter((t) => t.startsWith('history '));
    for (let i = 0; i < 40 && (await historyShown()).length < HISTORY; i++) {
      if (await earlier.isVisible()) await earlier.click({ timeout: 2000 }).catch(() => undefined);
    }
    const texts = await historyShown();
    assert.equal(texts, Array.from({ length: HISTORY }, (_, i) => `history ${i + 1}`));
    await phone.page.getByText('Earlier message, shared by').first().waitFor();
    await phone.page.locator('.badge.memory-only').waitFor();
  });

  test('both of Alice’s devices send and read; Bob sees one person, Alice, with two devices and the device named in the details', async () => {
    await send(phone, 'from the phone');
    await goRoom(laptop, roomId);
    await send(laptop, 'from the laptop');
    await send(bob, 'from Bob');
    for (const person of [laptop, phone, bob]) {
      for (const text of ['from the phone', 'from the laptop', 'from Bob']) await expectMessage(person, text);
    }
    const fromPhone = bob.page.getByRole('log').getByRole('article').filter({ hasText: 'from the phone' });
    assert.is(await fromPhone.locator('.sender').textContent(), 'Alice', 'shown as the person');
    await fromPhone.getByRole('button', { name: 'Key' }).click();
    await fromPhone.getByText(/Sent from Alice’s device [0-9a-f]{4} [0-9a-f]{4}\./).waitFor();
    await bob.page.getByText('Alice added a device.').waitFor();

    const members = bob.page.getByRole('region', { name: 'Members' });
    const alice = members.locator('li.member').filter({ hasText: 'Alice' });
    await alice.getByText('2 devices').waitFor();
    assert.is(await alice.locator('li.device').count(), 2);
    const prints = await alice.locator('li.device code.fingerprint').allTextContents();
    assert.is(new Set(prints).size, 2, 'each device with its own fingerprint');
    await members.getByText('3 people').waitFor();
    await expectAccessible(bob.page, 'a person with two devices');
    await docShot(bob.page, 'members');

    // Made an admin, Bob may remove Alice: the whole person, which the question says before anything happens.
    await carol.setRole(roomId, carol.members(roomId).find((m) => m.name === 'Bob')!.sign, 'admin');
    const remove = alice.getByRole('button', { name: 'Remove', exact: true });
    await remove.click();
    const dialog = bob.page.getByRole('dialog', { name: 'Remove Alice (2 devices)?' });
    await dialog.getByText('on every one of their devices').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.is(await alice.locator('li.device').count(), 2, 'cancelled: nobody removed');
  });

  test('the laptop removes the lost phone from “Your devices”: the phone reads nothing sent after', async () => {
    await laptop.page.getByRole('link', { name: 'Settings' }).click();
    const yours = laptop.page.getByRole('group', { name: 'Your devices' });
    await yours.getByText('This device').waitFor();
    await yours.scrollIntoViewIfNeeded();
    await expectAccessible(laptop.page, 'your devices');
    await docShot(laptop.page, 'your-devices');
    await yours.getByRole('button', { name: 'Remove device' }).click();
    const dialog = laptop.page.getByRole('dialog', { name: /^Remove device [0-9a-f]{4} [0-9a-f]{4} from Allotment\?$/ });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Remove device' }).click();
    await phone.page.getByText('You were removed from this room.').waitFor({ timeout: LONG_WAIT });

    await send(bob, 'after the phone was lost');
    await goRoom(laptop, roomId);
    await send(laptop, 'laptop still here');
    await expectMessage(laptop, 'after the phone was lost');
    await expectMessage(bob, 'laptop still here');
    const alice = bob.page.getByRole('region', { name: 'Members' }).locator('li.member').filter({ hasText: 'Alice' });
    await alice.getByText('2 devices').waitFor({ state: 'detached' });
    // What went, in words (it said "Alice removed Alice."): one of her devices, not a person.
    await bob.page.getByText('Alice removed one of their devices.').waitFor();
    await laptop.page.getByText('You removed one of your other devices.').waitFor();
    // Carol's copy arriving too means the relay delivered both to every member that can read them.
    const heard = (): string[] => carol.messages(roomId).map((m) => m.text);
    for (let i = 0; i < 100 && !heard().includes('laptop still here'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(heard().includes('laptop still here'));
    const onPhone = await messageTexts(phone);
    assert.not.ok(onPhone.includes('after the phone was lost'));
    assert.not.ok(onPhone.includes('laptop still here'));
    for (const person of [laptop, phone, bob]) assert.equal(person.errors.filter((e) => !e.includes('favicon')), [], person.name);
  });
}

test.run();
