// The invite landing page (issue 16, item 2), in Chromium against a real relay: before joining,
// the invited person sees the room's and the inviter's names (from the link's fragment, which no
// request carries), the inviter's fingerprint and when the link expires, then "Join room". A link
// whose names were edited on the way, and a link of protocol 1, say clearly that they cannot be used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.js';
import { encodeInviteLinkPayload, parseInviteLink } from '../../protocol/wire/invite.js';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, open, screenshot, send, submitJoin, unlock, World, type Person,
} from './harness.js';

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;
  let link: string;

  test.before(async () => {
    world = await World.start('invite-landing');
    alice = await world.person('alice');
    bob = await world.person('bob');
    await open(alice, world);
    await unlock(alice, 'alice runs the book club now');
    await createRoom(alice, 'Book club', 'Alice');
    link = await inviteLink(alice);
  });

  test.after(async () => {
    await world?.close();
  });

  test('the landing page names the room and the inviter, shows the inviter’s fingerprint and the expiry, then joins', async () => {
    const page = bob.page;
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
    await unlock(bob, 'bob reads whatever alice picks');
    await page.getByRole('heading', { name: 'Join “Book club”' }).waitFor();
    const about = page.locator('.invite-preview');
    await about.getByText('invited you to').waitFor();
    assert.match(await about.locator('.invite-who').innerText(), /^Alice \(the room’s owner\) invited you to “Book club”\.$/);
    // The fingerprint is the one Alice's own member list shows for her.
    await alice.page.getByRole('region', { name: 'Members' }).getByText('Alice').waitFor();
    const own = await alice.page.getByRole('region', { name: 'Members' }).locator('code.fingerprint').first().innerText();
    assert.is(await about.locator('dd.mono').innerText(), own);
    const expires = await about.locator('time').getAttribute('datetime');
    const days = (Date.parse(expires!) - Date.now()) / 86_400_000;
    assert.ok(days > 0 && days <= 7.01, `expires in ${days} days`);
    await screenshot(page, '30-invite-landing');
    await expectAccessible(page, 'invite landing');
    // The fragment never left the page: no request carried the names or the token.
    const payload = link.slice(link.indexOf('#/join/') + '#/join/'.length);
    for (const url of urls) assert.not.ok(url.includes(payload) || url.includes('#'), url);

    const roomId = await submitJoin(bob, 'Bob');
    await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(bob, 'hello book club');
    await expectMessage(alice, 'hello book club');
    assert.match(roomId, /^[0-9a-f]{32}$/);
  });

  test('a link whose names were edited on the way is refused before anything is shown as the inviter’s', async () => {
    await alice.page.getByRole('button', { name: 'Done' }).click();
    const fresh = await inviteLink(alice);
    const raw = parseInviteLink(fresh);
    const edited = encodeInviteLinkPayload({ ...raw, hints: { roomName: 'Bank support', inviterName: 'Your bank' } });
    const carol = await world.person('carol');
    await open(carol, world);
    await unlock(carol, 'carol checks every link twice');
    await carol.page.goto(`${world.baseUrl}/#/join/${edited}`);
    await carol.page.getByRole('heading', { name: 'This invite can’t be used' }).waitFor();
    await carol.page.getByRole('alert').filter({ hasText: 'altered on the way' }).waitFor();
    assert.is(await carol.page.getByText('Bank support').count(), 0);
    assert.is(await carol.page.getByRole('button', { name: 'Join room' }).count(), 0);
    await screenshot(carol.page, '31-invite-edited');
    await expectAccessible(carol.page, 'invite refused');

    // A link of protocol 1 says it is too old, instead of a generic error.
    const bytes = fromBase64Url(fresh.slice(fresh.indexOf('#/join/') + '#/join/'.length)).slice(0, 81);
    bytes[0] = 1;
    await carol.page.goto(`${world.baseUrl}/#/join/${toBase64Url(bytes)}`);
    await carol.page.getByRole('alert').filter({ hasText: 'made by an older version of Sotto' }).waitFor();
  });
}

test.run();
