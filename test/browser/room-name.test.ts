// Renaming a room through the page (docs/protocol.md §9.3, docs/web.md "Renaming a room"): the
// owner's "Rename room", the new name in every member's header and room list, and the timeline
// notice saying who renamed it; a member is offered no rename. Memory-only sessions, real Chromium,
// real relay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, open, screenshot, send, submitJoin, useWithoutSaving, World, type Person,
} from './harness.js';

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;

  test.before(async () => {
    world = await World.start('room-name');
    alice = await world.person('alice');
    bob = await world.person('bob');
  });

  test.after(async () => {
    await world?.close();
  });

  test('the owner renames the room: both headers, both room lists and both timelines say so; a member has no Rename', async () => {
    await open(alice, world);
    await useWithoutSaving(alice);
    await createRoom(alice, 'Book club', 'Alice');
    const link = await inviteLink(alice);
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await bob.page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
    await useWithoutSaving(bob);
    await submitJoin(bob, 'Bob');
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(bob, 'hello');
    await expectMessage(alice, 'hello');
    assert.is(await bob.page.getByRole('button', { name: 'Rename room' }).count(), 0, 'a member may not rename');

    const page = alice.page;
    await page.getByRole('button', { name: 'Rename room' }).click();
    const field = page.getByLabel('New name for the room');
    assert.is(await field.inputValue(), 'Book club', 'the form starts from the name it has');
    await field.fill('Night owls reading circle');
    await expectAccessible(page, 'the rename form');
    await screenshot(page, '44-rename-room');
    await page.getByRole('button', { name: 'Save name' }).click();

    for (const [person, who] of [[alice, 'You'], [bob, 'Alice']] as const) {
      await person.page.getByRole('heading', { level: 2, name: 'Night owls reading circle', exact: true }).waitFor();
      await person.page.locator('.room-list .room-name', { hasText: 'Night owls reading circle' }).waitFor();
      await person.page.getByRole('log').getByText(`${who} renamed the room to “Night owls reading circle”.`).waitFor();
    }
    assert.is(await page.getByLabel('New name for the room').isVisible(), false, 'the form closes once the relay has the rename');
    await expectAccessible(bob.page, 'the timeline with a rename notice');
    await screenshot(bob.page, '45-room-renamed');
    assert.equal(alice.errors.filter((e) => !e.includes('favicon')), []);
    assert.equal(bob.errors.filter((e) => !e.includes('favicon')), []);
  });
}

test.run();
