// The living timeline in Chromium with three people and a real relay (issue 16, item 3): notices
// for joined, role changed, removed and left, and the new room code, as each side says them; a day
// separator opens the day. Messages stay articles; notices are not messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, messageTexts, open, screenshot, send, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

function notices(page: Page): Promise<string[]> {
  return page.getByRole('log').locator('.timeline-notice > span').allTextContents();
}

async function expectNotice(page: Page, text: string): Promise<void> {
  await page.getByRole('log').locator('.timeline-notice', { hasText: text }).first().waitFor();
}

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  test.before(async () => {
    world = await World.start('timeline');
    alice = await world.person('alice');
    bob = await world.person('bob');
    carol = await world.person('carol');
  });

  test.after(async () => {
    await world?.close();
  });

  async function join(person: Person, name: string): Promise<void> {
    const link = await inviteLink(alice);
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await open(person, world);
    await useWithoutSaving(person);
    await person.page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
    await submitJoin(person, name);
    await person.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
  }

  test('joins, a role change, a removal and a leave appear as notices on every side, with a day separator', async () => {
    await open(alice, world);
    await unlock(alice, 'alice keeps the minutes of everything');
    await createRoom(alice, 'Minutes', 'Alice');
    await expectNotice(alice.page, 'You created the room.');
    await alice.page.getByRole('log').getByRole('heading', { level: 3, name: 'Today' }).waitFor();

    await join(bob, 'Bob');
    await expectNotice(alice.page, 'Bob joined, let in by you.');
    await expectNotice(bob.page, 'You joined, let in by Alice.');
    await join(carol, 'Carol');
    await expectNotice(bob.page, 'Carol joined, let in by Alice.');
    // Each admission is a new room key: the code changed, and the notice says the code now shown.
    const code = await alice.page.locator('.room-code .mono').innerText();
    await expectNotice(alice.page, `the room code is now ${code}`);

    await send(bob, 'first item on the agenda');
    await expectMessage(alice, 'first item on the agenda');
    const members = alice.page.getByRole('region', { name: 'Members' });
    await members.getByRole('listitem').filter({ hasText: 'Bob' }).getByRole('button', { name: 'Make admin' }).click();
    await expectNotice(alice.page, 'You made Bob an admin.');
    await expectNotice(bob.page, 'Alice made you an admin.');
    await expectNotice(carol.page, 'Alice made Bob an admin.');

    await members.getByRole('listitem').filter({ hasText: 'Carol' }).getByRole('button', { name: 'Remove' }).click();

    await alice.page.getByRole('dialog', { name: 'Remove Carol?' }).getByRole('button', { name: 'Remove' }).click();
    await expectNotice(alice.page, 'You removed Carol.');
    await expectNotice(bob.page, 'Alice removed Carol.');
    await bob.page.getByRole('button', { name: 'Leave room' }).click();
    await bob.page.getByRole('dialog', { name: 'Leave room?' }).getByRole('button', { name: 'Leave room' }).click();
    await expectNotice(alice.page, 'Bob left the room.');
    await screenshot(alice.page, '40-timeline-notices');
    await expectAccessible(alice.page, 'timeline');

    // Notices are not messages: the messages are what was written, in order.
    assert.equal(await messageTexts(alice), ['first item on the agenda']);
    const said = await notices(alice.page);
    const order = ['You created the room.', 'Bob joined, let in by you.', 'Carol joined, let in by you.', 'You made Bob an admin.', 'You removed Carol.', 'Bob left the room.'];
    assert.equal(said.filter((n) => order.includes(n)), order);
    assert.equal(alice.errors, []);
  });

  test('http(s) addresses in a message are links that open safely; nothing else becomes one', async () => {
    const text = 'minutes at https://example.org/notes?week=2. Not javascript:alert(1) nor https://bank.example@evil.example/ — see <https://example.org/b>';
    await send(alice, text);
    await expectMessage(alice, text);
    const article = alice.page.getByRole('log').getByRole('article').filter({ hasText: 'minutes at' });
    const links = article.getByRole('link');
    assert.is(await links.count(), 2);
    const first = links.first();
    assert.is(await first.getAttribute('href'), 'https://example.org/notes?week=2');
    assert.is(await first.innerText(), 'https://example.org/notes?week=2');
    assert.is(await first.getAttribute('rel'), 'noopener noreferrer');
    assert.is(await first.getAttribute('target'), '_blank');
    assert.is(await first.getAttribute('title'), 'https://example.org/notes?week=2');
    assert.is(await links.nth(1).getAttribute('href'), 'https://example.org/b');
    // The text reads as written, links included.
    assert.equal((await messageTexts(alice)).slice(-1), [text]);
    await expectAccessible(alice.page, 'message with links');
  });
}

test.run();
