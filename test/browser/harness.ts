// Real-Chromium test harness: builds the web bundle into a temp dir, starts an in-process relay
// serving it on an ephemeral port, and drives Debian's Chromium through playwright-core.
// CI=true and no Chromium is a failure, never a skip.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { buildWeb } from '../../web/build.js';
import type { ReleasePlan } from '../../web/release/release-plan.js';
import { testRelease } from '../helpers/release-test-key.js';
import { resolveConfig, type RelayConfig } from '../../relay/config.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import type { Store } from '../../relay/store/store.js';
import { REPO_ROOT } from '../helpers/paths.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = pathJoin(REPO_ROOT, 'test-output', 'browser');
/** Argon2id at the real 64 MiB / t=3 takes a few seconds per unlock in a headless tab. */
export const UNLOCK_TIMEOUT_MS = 60_000;
export const STEP_TIMEOUT_MS = 20_000;

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Whether browser tests can run here; throws under CI when Chromium is missing. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] === 'true') throw new Error(`Chromium not found at ${CHROMIUM}: browser tests cannot be skipped in CI (apt-get install -y chromium)`);
  process.stderr.write(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)\n`);
  return false;
}

export interface Person {
  readonly name: string;
  readonly context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for asserting a clean run. */
  readonly errors: string[];
}

export class World {
  readonly dir: string;
  relay: RunningRelay;
  readonly browser: Browser;
  readonly baseUrl: string;
  readonly people: Person[] = [];
  /** Starts the relay again on the same port and data directory (same key, same rooms). */
  readonly #restart: (() => Promise<RunningRelay>) | undefined;

  private constructor(dir: string, relay: RunningRelay, browser: Browser, restart: (() => Promise<RunningRelay>) | undefined) {
    this.dir = dir;
    this.relay = relay;
    this.browser = browser;
    this.baseUrl = `http://127.0.0.1:${relay.port}`;
    this.#restart = restart;
  }

  /** The relay goes away: every socket closes and nothing answers until restartRelay. */
  async stopRelay(): Promise<void> {
    if (this.#restart === undefined) throw new Error('a relay with a wrapped store cannot be restarted');
    await this.relay.close();
  }

  async restartRelay(): Promise<void> {
    this.relay = await this.#restart!();
  }

  /** The built web client the relay serves (dir/www), for tests that change what it serves. */
  get www(): string {
    return pathJoin(this.dir, 'www');
  }

  /**
   * `wrapStore` lets a test play a misbehaving relay (the store is what it serves from); `release`
   * is the key the build pins and signs with (default: the committed test key); `relay` sets relay
   * options, and `beforeStart` gets the relay's data directory before the relay starts on it (to
   * do there what an operator would first, e.g. issue a room-creation token).
   */
  static async start(label: string, options: {
    wrapStore?: (store: Store) => Store; release?: ReleasePlan; relay?: Partial<RelayConfig>; beforeStart?: (dataDir: string) => void;
  } = {}): Promise<World> {
    const dir = mkdtempSync(pathJoin(tmpdir(), `sotto-browser-${label}-`));
    const www = pathJoin(dir, 'www');
    await buildWeb(www, options.release ?? testRelease());
    const dataDir = pathJoin(dir, 'relay');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const config = resolveConfig({ port: 0, host: '127.0.0.1', dataDir, staticDir: www, logLevel: 'silent', roomsPerAddressPerHour: 1_000_000, ...options.relay });
    options.beforeStart?.(dataDir);
    let store: SqliteStore | undefined;
    let deps = {};
    if (options.wrapStore !== undefined) {
      store = new SqliteStore({ path: pathJoin(dir, 'wrapped-store.sqlite'), synchronous: 'NORMAL', maxHistoryPerRoom: config.maxHistoryPerRoom });
      deps = { store: options.wrapStore(store) };
    }
    const relay = await startRelay(config, deps);
    const ownStore = store;
    if (ownStore !== undefined) {
      const close = relay.close.bind(relay);
      (relay as { close: () => Promise<void> }).close = async () => {
        await close();
        await ownStore.close();
      };
    }
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
    } catch (error) {
      await relay.close();
      throw error;
    }
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const restart = store === undefined ? () => startRelay({ ...config, port: relay.port }) : undefined;
    return new World(dir, relay, browser, restart);
  }

  async person(name: string, options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<Person> {
    const context = await this.browser.newContext({
      viewport: options.viewport ?? { width: 1100, height: 760 },
      colorScheme: options.colorScheme ?? 'light',
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    const person: Person = { name, context, page, errors: [] };
    watch(person, page);
    this.people.push(person);
    return person;
  }

  /** A new tab in the same profile (same IndexedDB), e.g. after closing the old one. */
  async newTab(person: Person): Promise<Page> {
    const page = await person.context.newPage();
    watch(person, page);
    person.page = page;
    return page;
  }

  async close(): Promise<void> {
    for (const person of this.people) await person.context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await this.relay.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function watch(person: Person, page: Page): void {
  page.on('pageerror', (error) => person.errors.push(`pageerror: ${error.message}`));
  // A memory-only session asks before a reload or navigation ends it; the people in these tests
  // mean to leave. Other dialogs are dismissed, as Playwright does when nobody listens.
  page.on('dialog', (dialog) => void (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => undefined));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') person.errors.push(`console: ${message.text()}`);
  });
}

/**
 * axe-core on the page as it is now: no serious or critical violation (WCAG 2.x A/AA rules).
 * Evaluated over the DevTools protocol, which the page's CSP does not govern: nothing is added to
 * the app for it.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) throw new Error(`axe on ${screen}: ${JSON.stringify(bad)}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: pathJoin(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

// ——— the steps a person takes, by accessible names only ———

export async function open(person: Person, world: World, path = '/'): Promise<void> {
  await person.page.goto(`${world.baseUrl}${path}`);
  await person.page.getByLabel('Passphrase', { exact: true }).or(person.page.getByRole('button', { name: 'New room' })).first().waitFor();
}

/** Unlocks the stored keystore, or on a first visit creates one (and confirms its recovery key). */
export async function unlock(person: Person, passphrase: string): Promise<void> {
  const page = person.page;
  await page.getByLabel('Passphrase', { exact: true }).waitFor();
  if (await page.getByRole('button', { name: 'Create keystore' }).count() > 0) {
    await createKeystore(person, passphrase);
    return;
  }
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByRole('status').filter({ hasText: /Connected|Connecting/ }).waitFor({ timeout: UNLOCK_TIMEOUT_MS });
}

/** First visit: "Create keystore", then the recovery key shown once; resolves with that key. */
export async function createKeystore(person: Person, passphrase: string): Promise<string> {
  const page = person.page;
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Confirm passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Create keystore' }).click();
  const key = page.getByLabel('Recovery key', { exact: true });
  await key.waitFor({ timeout: UNLOCK_TIMEOUT_MS });
  const recoveryKey = await key.inputValue();
  await page.getByRole('button', { name: 'I saved my recovery key' }).click();
  await page.getByRole('status').filter({ hasText: /Connected|Connecting/ }).waitFor({ timeout: UNLOCK_TIMEOUT_MS });
  return recoveryKey;
}

export async function useWithoutSaving(person: Person): Promise<void> {
  await person.page.getByRole('button', { name: 'Use without saving' }).click();
  // Any connection state means the session started; a relay that refuses the handshake flips
  // between Connecting and Offline faster than a poll may see the former.
  await person.page.getByRole('status').filter({ hasText: /Connected|Connecting|Offline/ }).waitFor();
}

export async function createRoom(person: Person, name: string, displayName = ''): Promise<string> {
  const page = person.page;
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByLabel('Room name').fill(name);
  if (displayName !== '') await page.getByLabel('Your name in this room').fill(displayName);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/#\/room\/[0-9a-f]{32}$/);
  await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
  return new URL(page.url()).hash.slice('#/room/'.length);
}

export async function inviteLink(person: Person): Promise<string> {
  const page = person.page;
  await page.getByRole('button', { name: 'Invite' }).click();
  const field = page.getByLabel('Invite link');
  await page.waitForFunction(() => {
    const input = Array.from(document.querySelectorAll('input')).find((i) => i.labels?.[0]?.textContent === 'Invite link');
    return input !== undefined && input.value.includes('#/join/');
  });
  return field.inputValue();
}

export async function openInvite(person: Person, world: World, link: string): Promise<void> {
  const page = person.page;
  await page.goto(link.replace(/^https?:\/\/[^/]+/, world.baseUrl));
  await page.getByLabel('Passphrase', { exact: true }).or(page.getByLabel('Display name')).first().waitFor();
}

export async function submitJoin(person: Person, displayName: string): Promise<string> {
  const page = person.page;
  await page.getByLabel('Display name').fill(displayName);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.waitForURL(/#\/room\/[0-9a-f]{32}$/);
  return new URL(page.url()).hash.slice('#/room/'.length);
}

/**
 * Opens an invite (a full link, or the bare payload a headless client makes), sets up the keystore
 * and asks to join; resolves with the room id once admitted (the issuer must be online).
 */
export async function joinByInvite(person: Person, baseUrl: string, link: string, passphrase: string, displayName: string): Promise<string> {
  const at = link.indexOf('#/join/');
  await person.page.goto(`${baseUrl}/${at >= 0 ? link.slice(at) : `#/join/${link}`}`);
  await unlock(person, passphrase);
  await person.page.getByLabel('Display name').waitFor();
  const roomId = await submitJoin(person, displayName);
  await person.page.getByRole('button', { name: 'Send' }).waitFor();
  return roomId;
}

export async function send(person: Person, text: string): Promise<void> {
  const page = person.page;
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * The whole text of an element, exactly: Playwright's `hasText` string is a case-insensitive
 * substring ("message 1" would match "message 100"), and a RegExp is tested against the full text.
 */
function wholeText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Waits until the log holds an article whose message body is exactly `text`, not merely contains it. */
export async function expectMessage(person: Person, text: string, timeout = STEP_TIMEOUT_MS): Promise<void> {
  const body = person.page.locator('p.text').filter({ hasText: wholeText(text) });
  await person.page.getByRole('log').getByRole('article').filter({ has: body }).first().waitFor({ timeout });
}

export async function messageTexts(person: Person): Promise<string[]> {
  return person.page.getByRole('log').locator('article p.text').allTextContents();
}
