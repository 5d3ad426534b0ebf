// Replies, reactions, edits and deletes in Chromium with two people and a real relay (issue 16,
// item 3; docs/protocol.md §9.1), only through the accessible names the issue lists: Reply, React,
// Edit, Delete. Each side sees the same; Bob is offered no Edit or Delete on Alice's message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Locator } from 'playwright-core';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, open, screenshot, send, STEP_TIMEOUT_MS, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

/** The article of the message whose text is `text`. */
function article(person: Person, text: string): Locator {
  return person.page.getByRole('log').getByRole('article').filter({ has: person.page.locator('p.text', { hasText: text }) }).first();
}

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;

  test.before(async () => {
    world = await World.start('timeline-actions');
    alice = await world.person('alice');
    bob = await world.person('bob');
  });

  test.after(async () => {
    await world?.close();
  });

  test('reply with a quote that jumps to the original, reactions with counts and who reacted, edit marked "edited", delete for everyone', async () => {
    await open(alice, world);
    await unlock(alice, 'alice replies to everything twice');
    await createRoom(alice, 'Lunch', 'Alice');
    const link = await inviteLink(alice);
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await open(bob, world);
    await useWithoutSaving(bob); // memory-only: the same actions work without a keystore on disk
    await bob.page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
    await submitJoin(bob, 'Bob');
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });

    await send(alice, 'lunch at noon?');
    await expectMessage(bob, 'lunch at noon?');
    // Only the author is offered Edit and Delete.
    const original = article(bob, 'lunch at noon?');
    assert.is(await original.getByRole('button', { name: 'Edit' }).count(), 0);
    assert.is(await original.getByRole('button', { name: 'Delete' }).count(), 0);

    await original.getByRole('button', { name: 'Reply' }).click();
    await bob.page.getByText('Replying to Alice: lunch at noon?').waitFor();
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('yes, the usual place');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await expectMessage(alice, 'yes, the usual place');
    const reply = article(alice, 'yes, the usual place');
    await reply.getByRole('button', { name: /Reply to\s*Alice\s*:\s*lunch at noon\?/ }).click();
    await alice.page.locator('article.highlight', { hasText: 'lunch at noon?' }).waitFor();

    await article(bob, 'lunch at noon?').getByRole('button', { name: 'React' }).click();
    await bob.page.getByRole('button', { name: 'React with 👍' }).click();
    await article(alice, 'lunch at noon?').getByRole('button', { name: '👍 1: Bob' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await article(alice, 'lunch at noon?').getByRole('button', { name: '👍 1: Bob' }).click(); // Alice adds hers
    await article(bob, 'lunch at noon?').getByRole('button', { name: '👍 2: Bob, Alice' }).waitFor({ timeout: STEP_TIMEOUT_MS });

    await article(alice, 'lunch at noon?').getByRole('button', { name: 'Edit' }).click();
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('lunch at 12:30?');
    await alice.page.getByRole('button', { name: 'Save' }).click();
    await article(bob, 'lunch at 12:30?').getByText('edited', { exact: true }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await article(bob, 'yes, the usual place').getByRole('button', { name: /Reply to\s*Alice\s*:\s*lunch at 12:30\?/ }).waitFor();
    await screenshot(bob.page, '41-replies-reactions-edits');
    await expectAccessible(bob.page, 'replies, reactions and edits');

    await send(alice, 'oops, wrong room');
    await expectMessage(bob, 'oops, wrong room');
    await article(alice, 'oops, wrong room').getByRole('button', { name: 'Delete' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Delete for everyone?' });
    await expectAccessible(alice.page, 'delete confirmation');
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click();
    await bob.page.getByRole('log').getByText('This message was deleted.').waitFor({ timeout: STEP_TIMEOUT_MS });
    await alice.page.getByRole('log').getByText('This message was deleted.').waitFor();
    assert.not.ok((await bob.page.getByRole('log').innerText()).includes('oops, wrong room'));
    await screenshot(bob.page, '42-message-deleted');
  });

  test('Verify: both see the same safety number and a QR code, with what it means; Mark as verified shows on the member', async () => {
    const number = async (person: Person, other: string): Promise<string> => {
      await person.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: other }).getByRole('button', { name: 'Verify' }).click();
      const dialog = person.page.getByRole('dialog', { name: `Verify ${other}` });
      await dialog.getByRole('img', { name: `QR code of the safety number with ${other}` }).waitFor();
      return (await dialog.locator('.safety-number').innerText()).replace(/\s+/g, ' ').trim();
    };
    const seenByBob = await number(bob, 'Alice');
    await expectAccessible(bob.page, 'verify dialog');
    await screenshot(bob.page, '43-verify');
    const seenByAlice = await number(alice, 'Bob');
    assert.is(seenByBob, seenByAlice, 'one safety number on both sides');
    assert.match(seenByBob, /^([0-9a-f]{4} ){9}[0-9a-f]{4}$/);
    await bob.page.getByRole('dialog', { name: 'Verify Alice' }).getByRole('button', { name: 'Mark as verified' }).click();
    await bob.page.getByRole('dialog', { name: 'Verify Alice' }).getByText('You marked Alice as verified.').waitFor();
    await bob.page.getByRole('dialog', { name: 'Verify Alice' }).getByRole('button', { name: 'Close' }).click();
    await bob.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Alice' }).getByText('✓ verified').waitFor();
    await alice.page.getByRole('dialog', { name: 'Verify Bob' }).getByRole('button', { name: 'Close' }).click();
  });
}

test.run();
