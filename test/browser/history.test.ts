// A long history in the page: the latest messages are rendered, earlier ones on request, so
// opening a room costs the same whether it holds a hundred messages or a hundred thousand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { openHeadlessClient } from '../../client/headless.js';
import type { SottoClient } from '../../protocol/client/client.js';
import { chromiumAvailable, expectMessage, joinByInvite, World, type Person } from './harness.js';

/** The page's window (web/ui/room.ts MESSAGE_WINDOW), plus enough to need a second one. */
const WINDOW = 100;
const HISTORY = WINDOW + 20;

function shownTexts(page: Page): Promise<string[]> {
  return page.getByRole('log').locator('article p.text').allTextContents();
}

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let owner: SottoClient;
  let roomId: string;

  test.before(async () => {
    world = await World.start('history');
    alice = await world.person('alice');
    owner = await openHeadlessClient({ url: world.baseUrl });
    await owner.whenOnline();
    roomId = await owner.createRoom('Long history', 'Owner');
    const { link } = await owner.createInvite(roomId);
    await joinByInvite(alice, world.baseUrl, link, 'alice reads everything eventually', 'Alice');
  });

  test.after(async () => {
    await owner?.close();
    await world?.close();
  });

  test('a history longer than the window shows its latest messages and a way to see earlier ones', async () => {
    for (let sent = 0; sent < HISTORY; sent += 100) {
      await Promise.all(Array.from({ length: Math.min(100, HISTORY - sent) }, (_, i) => owner.send(roomId, `message ${sent + i + 1}`)));
    }
    await expectMessage(alice, `message ${HISTORY}`);
    const earlier = alice.page.getByRole('button', { name: 'Show earlier messages' });
    await earlier.waitFor();
    const first = await shownTexts(alice.page);
    assert.is(first.length, WINDOW);
    assert.is(first[0], `message ${HISTORY - WINDOW + 1}`);
    assert.is(first[WINDOW - 1], `message ${HISTORY}`);

    await earlier.click();
    // The button hides in the same render that adds the earlier messages. (Waiting for the text
    // "message 1" instead passed at once: it is in "message 100" to "message 120" too.)
    await earlier.waitFor({ state: 'hidden' });
    const all = await shownTexts(alice.page);
    assert.equal(all, Array.from({ length: HISTORY }, (_, i) => `message ${i + 1}`));
  });

  test('a new message joins the end of a widened window; nothing earlier drops out', async () => {
    await owner.send(roomId, 'one more');
    await expectMessage(alice, 'one more');
    const texts = await shownTexts(alice.page);
    assert.is(texts.length, HISTORY + 1);
    assert.is(texts[0], 'message 1');
    assert.equal(alice.errors.filter((e) => !e.includes('favicon')), []);
  });
}

test.run();
