// The history setting through the page (docs/protocol.md §8.6): chosen when the room is made, shown
// to every member, changed by the owner; a joiner sees the earlier messages it allows, each marked
// as shared by the member who added it. Memory-only sessions, real Chromium, real relay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chromiumAvailable, expectMessage, inviteLink, messageTexts, open, send, submitJoin, useWithoutSaving, World, type Person,
} from './harness.js';

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;

  test.before(async () => {
    world = await World.start('history-setting');
    alice = await world.person('alice');
    bob = await world.person('bob');
  });

  test.after(async () => {
    await world?.close();
  });

  test('a room made with “the last 2 messages”: the joiner sees those two, shared by the owner; the owner changes the setting and both see it', async () => {
    await open(alice, world);
    await useWithoutSaving(alice);
    const page = alice.page;
    await page.getByRole('button', { name: 'New room' }).click();
    await page.getByLabel('Room name').fill('Reading group');
    await page.getByLabel('Your name in this room').fill('Alice');
    await page.getByRole('radio', { name: 'The last' }).check();
    await page.getByLabel('How many earlier messages').fill('2');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/room\/[0-9a-f]{32}$/);
    await page.getByText('New members see the last 2 messages from before they joined.').waitFor();
    for (const text of ['first', 'second', 'third']) {
      await send(alice, text);
      await expectMessage(alice, text);
    }
    const link = await inviteLink(alice);
    await bob.page.goto(link);
    await useWithoutSaving(bob);
    await submitJoin(bob, 'Bob');
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await expectMessage(bob, 'third');
    await expectMessage(bob, 'second');
    assert.equal(await messageTexts(bob), ['second', 'third']);
    assert.is(await bob.page.getByText('Earlier message, shared by Alice').count(), 2);
    await bob.page.getByText('New members see the last 2 messages from before they joined.').waitFor();
    assert.is(await bob.page.getByRole('button', { name: 'Change' }).count(), 0, 'a member may not change it');

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Change' }).click();
    await page.getByRole('radio', { name: 'Messages from when they join' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await bob.page.getByText('New members see messages from when they join.').waitFor();
    await page.locator('.room-history').getByText('New members see messages from when they join.').waitFor();
    assert.equal(alice.errors.filter((e) => !e.includes('favicon')), []);
    assert.equal(bob.errors.filter((e) => !e.includes('favicon')), []);
  });
}

test.run();
