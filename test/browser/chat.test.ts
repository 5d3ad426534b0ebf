// Two people in two browser contexts: create a room, invite, join, chat both ways, a second room at
// once, the owner removes a member who then sees nothing new. Real Chromium, real relay, real
// Argon2id parameters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, messageTexts, open, screenshot, send, submitJoin, unlock,
  World, type Person,
} from './harness.js';

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;
  let roomId: string;

  test.before(async () => {
    world = await World.start('chat');
    alice = await world.person('alice');
    bob = await world.person('bob', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  });

  test.after(async () => {
    await world?.close();
  });

  test('alice sets a passphrase, creates a room and makes an invite link with a QR code', async () => {
    await open(alice, world);
    await screenshot(alice.page, '01-first-visit');
    await unlock(alice, 'alice correct horse battery');
    await alice.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    roomId = await createRoom(alice, 'Book club', 'Alice');
    await alice.page.getByRole('region', { name: 'Members' }).getByText('Alice').waitFor();
    const link = await inviteLink(alice);
    assert.match(link, new RegExp(`^${world.baseUrl}/#/join/[A-Za-z0-9_-]+$`));
    const qr = alice.page.getByRole('img', { name: 'QR code' });
    await qr.waitFor();
    assert.ok(Number(await qr.getAttribute('data-modules')) >= 21);
    await alice.page.getByRole('button', { name: 'Copy' }).click();
    await alice.page.getByText('Copied.').waitFor();
    assert.is(await alice.page.evaluate(() => navigator.clipboard.readText()), link);
    await screenshot(alice.page, '02-invite');
    (globalThis as { inviteLink?: string }).inviteLink = link;
  });

  test('bob opens the link: the token leaves the address bar and history at once, he joins and is admitted', async () => {
    const link = (globalThis as { inviteLink?: string }).inviteLink!;
    const payload = link.slice(link.indexOf('#/join/') + '#/join/'.length);
    await bob.page.goto(link);
    await bob.page.getByLabel('Passphrase', { exact: true }).waitFor();
    // Read before unlocking: the fragment is gone from the address bar...
    assert.is(await bob.page.evaluate(() => location.hash), '#/join');
    assert.not.ok((await bob.page.evaluate(() => location.href)).includes(payload));
    // ...and from history: back and forward again land on the cleaned entry.
    const entries = await bob.page.evaluate(() => history.length);
    await bob.page.goBack();
    await bob.page.goForward();
    assert.is(await bob.page.evaluate(() => history.length), entries);
    assert.is(new URL(bob.page.url()).hash, '#/join');
    await bob.page.getByLabel('Passphrase', { exact: true }).waitFor();
    // That reloaded page no longer has the token (it lived in memory only): open the link again.
    await bob.page.goto(link);
    await bob.page.getByLabel('Passphrase', { exact: true }).waitFor();
    await unlock(bob, 'bob hunter2 but longer');
    await bob.page.getByLabel('Display name').waitFor();
    await screenshot(bob.page, '03-join-page-phone-dark');
    const joined = await submitJoin(bob, 'Bob');
    assert.is(joined, roomId);
    assert.not.ok((await bob.page.evaluate(() => location.href)).includes(payload));
    // Admitted once alice's client (online) completes the exchange.
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await bob.page.getByRole('heading', { level: 2, name: 'Book club', exact: true }).waitFor();
    await alice.page.getByRole('region', { name: 'Members' }).getByText('Bob').waitFor();
    await alice.page.getByRole('button', { name: 'Done' }).click();
  });

  test('they chat both ways; names, times and fingerprints show; the room code matches', async () => {
    await send(alice, 'Hello Bob!');
    await expectMessage(bob, 'Hello Bob!');
    await send(bob, 'Hi Alice, glad to be here.');
    await expectMessage(alice, 'Hi Alice, glad to be here.');
    await expectMessage(bob, 'Hi Alice, glad to be here.');
    const article = bob.page.getByRole('log').getByRole('article').filter({ hasText: 'Hello Bob!' });
    assert.is(await article.locator('.sender').textContent(), 'Alice');
    assert.ok((await article.locator('time').getAttribute('datetime'))!.length > 10);
    await article.getByRole('button', { name: 'Key' }).click();
    const fp = (await article.locator('.fingerprint-line code').textContent())!;
    assert.match(fp, /^[0-9a-f]{4}( [0-9a-f]{4}){4}$/);
    // Alice's fingerprint as bob sees it in the member list is the one on her message.
    const aliceRow = bob.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Alice' });
    assert.is(await aliceRow.locator('.fingerprint').textContent(), fp);
    const codeA = await alice.page.locator('.room-code .mono').textContent();
    const codeB = await bob.page.locator('.room-code .mono').textContent();
    // The same code on both sides: same epoch key, same roster.
    assert.match(codeA!, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    assert.is(codeB, codeA);
    await screenshot(alice.page, '04-chat-alice');
    await screenshot(bob.page, '05-chat-bob-phone-dark');
  });

  test('two rooms at once: messages land in the right room and the other shows unread', async () => {
    const second = await createRoom(alice, 'Climbing', 'Alice');
    const link = await inviteLink(alice);
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await bob.page.goto(link);
    await bob.page.getByLabel('Display name').waitFor();
    assert.is(await submitJoin(bob, 'Bob'), second);
    await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(bob, 'Saturday at the wall?');
    await expectMessage(alice, 'Saturday at the wall?');
    // Alice is in "Climbing"; a message in "Book club" shows as unread there.
    await bob.page.goto(`${world.baseUrl}/#/room/${roomId}`);
    await bob.page.getByRole('heading', { level: 2, name: 'Book club', exact: true }).waitFor();
    await send(bob, 'Chapter 3 tonight');
    const bookClub = alice.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Book club/ });
    await bookClub.filter({ hasText: '1 unread' }).waitFor();
    assert.not.ok((await messageTexts(alice)).includes('Chapter 3 tonight'));
    await screenshot(alice.page, '06-two-rooms-unread');
    await bookClub.click();
    await expectMessage(alice, 'Chapter 3 tonight');
    await alice.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Book club/ }).filter({ hasNotText: 'unread' }).waitFor();
  });

  test('bob leaves the second room; alice sees him go and can still write there', async () => {
    // Bob is on a phone: the room list is its own screen, reached by "← Rooms".
    await bob.page.getByRole('link', { name: '← Rooms' }).click();
    await screenshot(bob.page, '06b-room-list-phone-dark');
    await bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Climbing/ }).click();
    await bob.page.getByRole('heading', { level: 2, name: 'Climbing', exact: true }).waitFor();
    await bob.page.getByRole('button', { name: 'Leave room' }).click();
    await bob.page.getByRole('dialog', { name: 'Leave room?' }).waitFor();
    await expectAccessible(bob.page, 'leave confirmation');
    await bob.page.getByRole('dialog', { name: 'Leave room?' }).getByRole('button', { name: 'Leave room' }).click();
    await bob.page.getByText('You left this room.').waitFor();
    await alice.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Climbing/ }).click();
    await alice.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Bob' }).waitFor({ state: 'detached' });
    await send(alice, 'see you, Bob');
    await expectMessage(alice, 'see you, Bob');
    assert.not.ok((await messageTexts(bob)).includes('see you, Bob'));
    await bob.page.goto(`${world.baseUrl}/#/room/${roomId}`);
    await alice.page.goto(`${world.baseUrl}/#/room/${roomId}`);
  });

  test('the owner promotes bob to admin: both see the role, and bob may now invite', async () => {
    const bobRow = alice.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Bob' });
    await bobRow.getByRole('button', { name: 'Make admin' }).click();
    await bobRow.getByText('admin', { exact: true }).waitFor();
    const selfRow = bob.page.getByRole('region', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Bob (you)' });
    await selfRow.getByText('admin', { exact: true }).waitFor({ timeout: 30_000 });
    await bob.page.getByRole('button', { name: 'Invite' }).waitFor();
  });

  test('the owner removes bob, who then sees nothing new', async () => {
    const members = alice.page.getByRole('region', { name: 'Members' });
    await members.getByRole('listitem').filter({ hasText: 'Bob' }).getByRole('button', { name: 'Remove' }).click();
    await alice.page.getByRole('dialog', { name: 'Remove Bob?' }).waitFor();
    await expectAccessible(alice.page, 'remove confirmation');
    await screenshot(alice.page, '08-remove-confirm');
    await alice.page.getByRole('dialog', { name: 'Remove Bob?' }).getByRole('button', { name: 'Remove' }).click();
    await members.getByRole('listitem').filter({ hasText: 'Bob' }).waitFor({ state: 'detached' });
    await bob.page.getByText('You were removed from this room').waitFor({ timeout: 30_000 });
    assert.is(await bob.page.getByRole('button', { name: 'Send' }).count(), 0);
    await send(alice, 'Secret plans after Bob left');
    await expectMessage(alice, 'Secret plans after Bob left');
    await bob.page.waitForTimeout(1500);
    assert.not.ok((await messageTexts(bob)).includes('Secret plans after Bob left'));
    // Even after a reload, nothing new reaches him.
    await bob.page.reload();
    await unlock(bob, 'bob hunter2 but longer');
    await bob.page.goto(`${world.baseUrl}/#/room/${roomId}`);
    await bob.page.getByText('You were removed from this room').waitFor();
    await bob.page.waitForTimeout(1000);
    assert.not.ok((await messageTexts(bob)).includes('Secret plans after Bob left'));
    await screenshot(bob.page, '07-removed');
  });

  test('no page errors in either browser', () => {
    assert.equal(alice.errors.filter((e) => !e.includes('favicon')), []);
    assert.equal(bob.errors.filter((e) => !e.includes('favicon')), []);
  });
}

test.run();
