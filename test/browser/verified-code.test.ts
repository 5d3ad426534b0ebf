// Verified code delivery and the offline app, in real Chromium against a real relay serving a
// build signed with the committed test key (web/sw/sw.ts, web/ui/code-gate.ts). The server here
// is made to misbehave the way a compromised one would: by changing the files it serves.
// Against the old code: before this service worker there was nothing that compared a hash, so each
// altered file below was served and run as sent (by reading, not by running main's build); the
// swapped-worker test was run with the page's controllerchange handler removed, and failed.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../protocol/bytes.js';
import { publicKeyOf, signRelease } from '../../web/release/release-key.js';
import { writeManifest } from '../../web/release/write-manifest.js';
import { REFUSAL_TITLE } from '../../web/sw/messages.js';
import { TEST_RELEASE_KEY, testRelease } from '../helpers/release-test-key.js';
import {
  CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, createRoom, expectMessage, open, screenshot, send, unlock, UNLOCK_TIMEOUT_MS, World, type Person,
} from './harness.js';

const PASSPHRASE = 'offline reader passphrase 4821';

/** Replaces a served file, dropping the precompressed copies the relay would send instead. */
function rewrite(www: string, name: string, change: (text: string) => string): void {
  writeFileSync(join(www, name), change(readFileSync(join(www, name), 'utf8')));
  rmSync(join(www, `${name}.br`), { force: true });
  rmSync(join(www, `${name}.gz`), { force: true });
}

const TEST_KEY = readFileSync(TEST_RELEASE_KEY, 'utf8');

/** A new release of what is in `www` now, signed with `key` (PEM) or left unsigned. */
function release(www: string, key: string | undefined): void {
  const signer = toBase64Url(publicKeyOf(key ?? TEST_KEY));
  writeManifest(www, { version: '0.1.0', channel: 'test', built: Date.now(), signer });
  for (const suffix of ['.br', '.gz']) rmSync(join(www, `release.json${suffix}`), { force: true });
  if (key !== undefined) signRelease(www, key);
}

/** The manifest and signature served now, to serve again later. */
function offer(www: string): { manifest: Buffer; signature: Buffer; restore: () => void } {
  const manifest = readFileSync(join(www, 'release.json'));
  const signature = readFileSync(join(www, 'release.sig'));
  return {
    manifest,
    signature,
    restore() {
      writeFileSync(join(www, 'release.json'), manifest);
      writeFileSync(join(www, 'release.sig'), signature);
      for (const suffix of ['.br', '.gz']) rmSync(join(www, `release.json${suffix}`), { force: true });
    },
  };
}

function mainScript(www: string): string {
  const name = readdirSync(www).find((n) => /^main-[A-Za-z0-9]+\.js$/.test(n));
  if (name === undefined) throw new Error('no main bundle');
  return name;
}

async function expectRefused(person: Person): Promise<void> {
  await person.page.getByRole('alert').filter({ hasText: REFUSAL_TITLE }).waitFor();
  assert.is(await person.page.getByLabel('Passphrase', { exact: true }).count(), 0, 'no passphrase field on a refused page');
}

if (chromiumAvailable()) {
  let world: World;
  let reader: Person;
  let roomId: string;
  let first: ReturnType<typeof offer>;

  test.before(async () => {
    world = await World.start('verified-code');
  });

  test.after(async () => {
    await world?.close();
  });

  test('a signed release installs on the first visit, the app is installable, and settings shows the release and its manifest hash', async () => {
    first = offer(world.www);
    reader = await world.person('reader');
    await open(reader, world);
    assert.ok(await reader.page.evaluate(() => navigator.serviceWorker.controller !== null), 'the page runs under the service worker');
    // Chromium's own verdict on the web manifest and service worker: the app can be installed.
    // The one error left is the test's profile (Playwright's contexts are incognito), not the app.
    const devtools = await reader.context.newCDPSession(reader.page);
    const { installabilityErrors } = await devtools.send('Page.getInstallabilityErrors');
    assert.equal(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), [], 'installable');
    await unlock(reader, PASSPHRASE);
    roomId = await createRoom(reader, 'Kept offline', 'Rita');
    await send(reader, 'written while online');
    await expectMessage(reader, 'written while online');
    await reader.page.getByRole('log').locator('article.pending').waitFor({ state: 'detached' });
    await reader.page.getByRole('link', { name: 'Settings' }).click();
    const expected = createHash('sha256').update(readFileSync(join(world.www, 'release.json'))).digest('hex');
    await reader.page.locator('code.release-id', { hasText: expected }).waitFor();
    await reader.page.getByText(/a test build, signed by the public test key/).waitFor();
    await screenshot(reader.page, 'release-settings');
  });

  test('offline: the app opens from the service worker, unlocks, shows rooms and history, and queues what is written', async () => {
    await world.stopRelay();
    await reader.page.goto(`${world.baseUrl}/#/room/${roomId}`);
    // Only the hash changed: load the page itself again, with no server to load it from.
    await reader.page.reload();
    await reader.page.getByLabel('Passphrase', { exact: true }).waitFor();
    await reader.page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await reader.page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await reader.page.getByRole('status').filter({ hasText: /Offline|Connecting/ }).waitFor({ timeout: UNLOCK_TIMEOUT_MS });
    await reader.page.getByRole('link', { name: /Kept offline/ }).first().waitFor();
    await expectMessage(reader, 'written while online');
    await send(reader, 'written while offline');
    await reader.page.getByRole('log').getByRole('article').filter({ hasText: 'written while offline' }).filter({ hasText: 'Not sent yet' }).waitFor();
    await screenshot(reader.page, 'offline-open');
    await world.restartRelay();
    await reader.page.getByRole('log').locator('article.pending').waitFor({ state: 'detached', timeout: 30_000 });
    await reader.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  });

  test('a signed update is prompted, not forced: "A new version is ready — Reload" loads it', async () => {
    rewrite(world.www, 'index.html', (html) => html.replace('<title>Sotto</title>', '<title>Sotto</title>\n<meta name="sotto-test-release" content="two">'));
    release(world.www, TEST_KEY);
    await reader.page.goto(`${world.baseUrl}/?after-update`);
    const banner = reader.page.getByRole('status').filter({ hasText: 'A new version is ready' });
    await banner.waitFor();
    // Still the running release until the person says so.
    assert.is(await reader.page.locator('meta[name="sotto-test-release"]').count(), 0);
    await screenshot(reader.page, 'update-ready');
    await banner.getByRole('button', { name: 'Reload' }).click();
    await reader.page.locator('meta[name="sotto-test-release"][content="two"]').waitFor({ state: 'attached' });
    await reader.page.getByLabel('Passphrase', { exact: true }).waitFor();
  });

  test('an older signed release offered again is refused as ROLLBACK', async () => {
    const second = offer(world.www);
    first.restore();
    await reader.page.goto(`${world.baseUrl}/?after-rollback`);
    await expectRefused(reader);
    assert.match(await reader.page.locator('code').innerText(), /ROLLBACK/);
    second.restore();
    await reader.page.reload();
    await reader.page.getByLabel('Passphrase', { exact: true }).waitFor();
  });

  test('an unsigned manifest is refused with the warning page, and the app comes back once the server sends signed code', async () => {
    rewrite(world.www, 'index.html', (html) => html.replace('content="two"', 'content="three"'));
    release(world.www, undefined);
    await reader.page.goto(`${world.baseUrl}/?after-unsigned`);
    // The running page learns of the refusal from the service worker and reloads into its page.
    await expectRefused(reader);
    await reader.page.reload();
    await expectRefused(reader);
    await screenshot(reader.page, 'refused-unsigned');
    release(world.www, TEST_KEY);
    await reader.page.reload();
    // The running release again, with the signed one offered now waiting for its Reload.
    await reader.page.getByRole('status').filter({ hasText: 'A new version is ready' }).waitFor();
    await reader.page.getByLabel('Passphrase', { exact: true }).waitFor();
  });

  test('a file that differs from the signed manifest is refused on a first visit', async () => {
    const name = mainScript(world.www);
    const original = readFileSync(join(world.www, name), 'utf8');
    release(world.www, TEST_KEY);
    rewrite(world.www, name, (code) => `${code}\n/* the server added this */`);
    try {
      const newcomer = await world.person('newcomer');
      await newcomer.page.goto(`${world.baseUrl}/`);
      await expectRefused(newcomer);
      assert.match(await newcomer.page.locator('code').innerText(), /TAMPERED/);
      await screenshot(newcomer.page, 'refused-tampered');
    } finally {
      writeFileSync(join(world.www, name), original);
    }
  });

  test('an update signed by another key is refused', async () => {
    const other = await World.start('other-key');
    try {
      const person = await other.person('visitor');
      await open(person, other);
      // The server now ships a release signed by a key this browser did not pin: its own.
      const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      rewrite(other.www, 'index.html', (html) => `${html}<!-- other -->`);
      release(other.www, pem);
      await person.page.goto(`${other.baseUrl}/`);
      await expectRefused(person);
      assert.match(await person.page.locator('code').innerText(), /BAD_SIGNATURE/);
    } finally {
      await other.close();
    }
  });

  test('where no service worker can run (plain http to a name), the app runs and says its code is not verified', async () => {
    // A name that resolves to this machine is not a secure context, so the browser has no service worker.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP sotto.test 127.0.0.1'] });
    try {
      const page = await browser.newPage();
      await page.goto(world.baseUrl.replace('127.0.0.1', 'sotto.test'));
      await page.getByLabel('Passphrase', { exact: true }).waitFor();
      await page.getByRole('note').filter({ hasText: 'Code not verified' }).waitFor();
      assert.is(await page.evaluate(() => 'serviceWorker' in navigator), false);
    } finally {
      await browser.close();
    }
  });

  test('a service worker the server swaps in under an open page: the page stops and says so, without reloading', async () => {
    const swapped = await World.start('swapped-worker');
    try {
      const person = await swapped.person('visitor');
      await open(person, swapped);
      // What a compromised server would ship: a worker that takes over at once and serves anything.
      writeFileSync(join(swapped.www, 'sw.js'), [
        "self.addEventListener('install', () => self.skipWaiting());",
        "self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));",
        "self.addEventListener('fetch', (e) => e.respondWith(new Response('<h1>not Sotto</h1>', { headers: { 'Content-Type': 'text/html' } })));",
      ].join('\n'));
      for (const suffix of ['.br', '.gz']) rmSync(join(swapped.www, `sw.js${suffix}`), { force: true });
      // The browser's own update check (it runs at least daily and on navigations), made now.
      await person.page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        await registration?.update();
      });
      await expectRefused(person);
      assert.match(await person.page.locator('main').innerText(), /replaced Sotto’s code checker/);
    } finally {
      await swapped.close();
    }
  });

  test('a build that was never signed is refused on the very first visit', async () => {
    const unsigned = await World.start('unsigned', { release: { ...testRelease(), privatePem: undefined } });
    try {
      const person = await unsigned.person('visitor');
      await person.page.goto(`${unsigned.baseUrl}/`);
      await expectRefused(person);
      assert.match(await person.page.locator('code').innerText(), /BAD_SIGNATURE/);
    } finally {
      await unsigned.close();
    }
  });
}

test.run();
