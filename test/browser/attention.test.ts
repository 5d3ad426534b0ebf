// Attention and search through the UI (issue 16, items 5 and 7): two people, two rooms, a real
// relay in Debian's Chromium. Unread counts per room and in the title, the room list's last
// message and time, desktop notifications (permission asked on a click, never on load; content
// hidden unless the setting shows it), mentions, and "Search messages" over one room or all rooms
// with a jump to the message. The page's Notification is replaced by a recorder before the app
// loads: headless Chromium shows no notifications, and the test must see what would be shown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, open, screenshot, send, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

interface Recorded {
  readonly shown: Array<{ title: string; body: string | null }>;
  readonly asked: number;
}

/** Runs in the page before the app: a Notification that records instead of showing. */
function recordNotifications(): void {
  const shown: Array<{ title: string; body: string | null }> = [];
  let permission: NotificationPermission = 'default';
  let asked = 0;
  class RecordedNotification extends EventTarget {
    constructor(title: string, options?: NotificationOptions) {
      super();
      shown.push({ title, body: options?.body ?? null });
    }
    static get permission(): NotificationPermission {
      return permission;
    }
    static async requestPermission(): Promise<NotificationPermission> {
      asked++;
      permission = 'granted';
      return permission;
    }
    close(): void {}
  }
  Object.defineProperty(window, 'Notification', { value: RecordedNotification, configurable: true, writable: true });
  Object.defineProperty(window, 'recordedNotifications', { get: () => ({ shown: [...shown], asked }) });
}

function recorded(person: Person): Promise<Recorded> {
  return person.page.evaluate(() => (window as unknown as { recordedNotifications: Recorded }).recordedNotifications);
}

/** The room list (the home screen beside it): where the settings page's "← Rooms" goes. */
async function home(person: Person): Promise<void> {
  await person.page.evaluate(() => { location.hash = '#/'; });
  await person.page.getByRole('navigation').getByRole('heading', { name: 'Rooms' }).waitFor();
}

async function goToRoom(person: Person, name: string): Promise<void> {
  await person.page.getByRole('navigation').getByRole('link', { name: new RegExp(`^${name}`) }).click();
  await person.page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

if (chromiumAvailable()) {
  let world: World;
  let alice: Person;
  let bob: Person;

  test.before(async () => {
    world = await World.start('attention');
    alice = await world.person('alice');
    bob = await world.person('bob');
    await bob.page.addInitScript(recordNotifications);
    await open(alice, world);
    await useWithoutSaving(alice);
    await open(bob, world);
    await unlock(bob, 'bob hunter2 but longer');
    for (const room of ['Book club', 'Garden']) {
      await createRoom(alice, room, 'Alice');
      const link = await inviteLink(alice);
      await alice.page.getByRole('button', { name: 'Done' }).click();
      await bob.page.goto(link);
      await submitJoin(bob, 'Bob');
      await bob.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
      await bob.page.getByRole('heading', { level: 2, name: room, exact: true }).waitFor();
    }
  });

  test.after(async () => {
    await world?.close();
  });

  test('notifications: never asked on load; asked on the click; content hidden by default', async () => {
    assert.is((await recorded(bob)).asked, 0, 'no permission request on load');
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    await bob.page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
    await bob.page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
    assert.is((await recorded(bob)).asked, 1);
    assert.not.ok(await bob.page.getByLabel('Show message content in notifications').isChecked());
    await expectAccessible(bob.page, 'settings with notifications');
    await screenshot(bob.page, '60-notification-settings');
    await goToRoom(alice, 'Garden');
    await send(alice, 'the tulips are up');
    await bob.page.waitForFunction(() => (window as unknown as { recordedNotifications: Recorded }).recordedNotifications.shown.length >= 1);
    assert.equal((await recorded(bob)).shown, [{ title: 'New message in Garden', body: null }]);
  });

  test('unread counts per room and in the title; the list shows the last message and its time', async () => {
    await home(bob);
    const garden = bob.page.getByRole('navigation').getByRole('link', { name: /^Garden/ });
    await garden.getByText('1 unread').waitFor();
    await bob.page.waitForFunction(() => document.title === '(1) Sotto');
    assert.match(await garden.innerText(), /Alice: the tulips are up/);
    assert.ok(await garden.locator('time').count() === 1, 'with its time');
    await screenshot(bob.page, '61-room-list-unread');
    await expectAccessible(bob.page, 'room list with unread counts and previews');
  });

  test('with content shown, a notification says who wrote what; a mention is marked', async () => {
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    await bob.page.getByLabel('Show message content in notifications').check();
    await home(bob);
    await send(alice, 'bring the seeds on Sunday');
    await bob.page.waitForFunction(() => (window as unknown as { recordedNotifications: Recorded }).recordedNotifications.shown.length >= 2);
    assert.equal((await recorded(bob)).shown[1], { title: 'Garden', body: 'Alice: bring the seeds on Sunday' });
    await goToRoom(alice, 'Book club');
    await send(alice, '@Bob could you bring the book?');
    const bookClub = bob.page.getByRole('navigation').getByRole('link', { name: /^Book club/ });
    await bookClub.getByText('mentions you').waitFor();
    await bookClub.click();
    await expectMessage(bob, '@Bob could you bring the book?');
    const article = bob.page.getByRole('log').getByRole('article').filter({ hasText: '@Bob could you bring the book?' });
    assert.match(await article.getAttribute('class') ?? '', /\bmention\b/);
    await bob.page.waitForFunction(() => document.title === '(2) Book club · Sotto');
  });

  test('search: finds text in all rooms or one, in the worker; a result jumps to the message', async () => {
    await goToRoom(alice, 'Garden');
    for (let i = 0; i < 30; i++) await send(alice, `filler message ${i}`);
    await bob.page.getByRole('navigation').getByRole('link', { name: /^Garden/ }).getByText('filler message 29').waitFor({ timeout: 60_000 });
    const search = bob.page.getByLabel('Search messages');
    await search.fill('SEEDS');
    const results = bob.page.getByRole('list', { name: 'Search results' });
    await results.getByRole('link').first().waitFor();
    assert.is(await results.getByRole('link').count(), 1);
    assert.match(await results.getByRole('link').first().innerText(), /Alice: bring the seeds on Sunday/);
    await bob.page.getByLabel('Search in').selectOption({ label: 'Book club' });
    await bob.page.getByText('No messages found.').waitFor();
    await bob.page.getByLabel('Search in').selectOption({ label: 'All rooms' });
    await results.getByRole('link').first().waitFor();
    await expectAccessible(bob.page, 'search results');
    await screenshot(bob.page, '62-search-results');
    await results.getByRole('link').first().click();
    await bob.page.getByRole('heading', { level: 2, name: 'Garden', exact: true }).waitFor();
    const found = bob.page.locator('article.message.jumped');
    await found.waitFor();
    assert.match(await found.innerText(), /bring the seeds on Sunday/);
    assert.ok(await found.evaluate((el) => el === document.activeElement), 'focus moves to the message');
    assert.ok(await found.isVisible());
    await screenshot(bob.page, '63-search-jump');
  });

  test('no page errors', () => {
    assert.equal(alice.errors, []);
    assert.equal(bob.errors, []);
  });
}

test.run();
