// Opening a busy room in the real web app: what a person waits for after a long absence. The
// relay runs as deployed (a child process serving dist/www); a headless owner makes the room and
// admits one Chromium member through the UI, the member closes the page, the owner sends the
// history (rotating every 100 messages, as the room's default asks), and the member comes back:
// unlocks the keystore on the room list, and the whole history arrives, is verified, decrypted and
// saved in the worker; then it clicks the room and the latest messages render. The page is then
// reloaded, unlocked again and the room clicked again. Unlock (Argon2id) is timed apart from the
// open, which runs from the click in the room list to the latest message rendered, on the page's clock.
// With `annotated`, every tenth message is a reply (to a message of the previous window) and every
// fifth of the previous window gets a reaction: the timeline folds them in (timeline-fold.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { openHeadlessClient } from '../client/headless.js';
import { CHROMIUM, CHROMIUM_ARGS, joinByInvite, unlock } from '../test/browser/harness.js';
import { nowMs } from './clock.js';
import { startRelayProcess } from './relay-launcher.js';

export interface RoomOpenResult {
  /** Plain text only, or with replies and reactions mixed in. */
  readonly annotated: boolean;
  readonly messages: number;
  /** Replies among the messages, and reactions besides them (0 unless annotated). */
  readonly replies: number;
  readonly reactions: number;
  /** Epochs the history spans: each is a rotation the returning member opens. */
  readonly epochs: number;
  /** Unlock click → the status shows a connection: Argon2id, the keystore, the Noise handshake. */
  readonly unlockMs: number;
  /** Connection → the room list shows the room's last message: sync, verify, decrypt, save. */
  readonly catchUpMs: number;
  /** The room clicked in the room list, its history caught up → its latest message rendered (page clock). */
  readonly openMs: number;
  /** After a reload: Unlock click → the key derived (the page's last Argon2id progress update; page clock). */
  readonly reloadKeyMs: number;
  /** After a reload: the key derived → the room list shows the last message (records opened, state decoded, connected). */
  readonly reloadListMs: number;
  /** After a reload and unlock: the room clicked in the room list → its latest message rendered (page clock). */
  readonly reloadOpenMs: number;
  /** The owner's time to send the history (headless, Node): the setup, for scale. */
  readonly sendMs: number;
}

const PASSPHRASE = 'a long absence, a busy room';
/** Sends in flight at once: enough to keep the relay busy, few enough to keep the owner's memory flat. */
const SEND_WINDOW = 200;
const STEP_TIMEOUT_MS = 10 * 60 * 1000;

export async function runBrowserRoomOpen(messages: number, progress: (line: string) => void, annotated = false): Promise<RoomOpenResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-bench-room-open-'));
  const relay = await startRelayProcess({ dataDir, synchronous: 'FULL' });
  const baseUrl = `http://127.0.0.1:${relay.port}`;
  const owner = await openHeadlessClient({ url: baseUrl });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  try {
    await owner.whenOnline();
    const roomId = await owner.createRoom('Busy room', 'Owner');
    const { link } = await owner.createInvite(roomId);
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const person = { name: 'member', context, page: await context.newPage(), errors: [] };
    await joinByInvite(person, baseUrl, link, PASSPHRASE, 'Member');
    await person.page.close();
    progress(`room open: member joined; owner sends ${messages} messages`);

    const sendStart = nowMs();
    let replies = 0;
    let reactions = 0;
    let previous: string[] = [];
    for (let sent = 0; sent < messages; sent += SEND_WINDOW) {
      const window: Promise<number>[] = [];
      for (let i = sent; i < Math.min(messages, sent + SEND_WINDOW); i++) {
        const text = `message ${i + 1} of ${messages}`;
        const target = previous[i % SEND_WINDOW];
        const reply = annotated && i % 10 === 0 && target !== undefined && i + 1 < messages;
        if (reply) replies++;
        window.push(reply ? owner.reply(roomId, target, text) : owner.send(roomId, text));
        if (annotated && i % 5 === 0 && target !== undefined) {
          reactions++;
          window.push(owner.react(roomId, target, '👍'));
        }
      }
      await Promise.all(window);
      if (annotated) previous = owner.messages(roomId, SEND_WINDOW).flatMap((m) => (m.ref === undefined ? [] : [m.ref]));
    }
    const sendMs = nowMs() - sendStart;
    const epochs = owner.rooms().find((r) => r.roomId === roomId)!.epoch + 1;
    progress(`room open: sent in ${(sendMs / 1000).toFixed(1)} s over ${epochs} epochs; the member comes back`);

    person.page = await context.newPage();
    await person.page.goto(`${baseUrl}/`);
    await person.page.getByLabel('Passphrase').waitFor();
    await markClicksAndProgress(person.page);
    const clickedAt = nowMs();
    await unlock(person, PASSPHRASE);
    const connectedAt = nowMs();
    const last = `message ${messages} of ${messages}`;
    await listShows(person.page, last);
    const catchUpMs = nowMs() - connectedAt;
    const openMs = await openFromList(person.page, last);

    // Reloaded on the room list, as the first return was, so the room opens only when clicked.
    await person.page.evaluate(() => {
      location.hash = '#/';
    });
    await person.page.reload();
    await person.page.getByLabel('Passphrase').waitFor();
    await markClicksAndProgress(person.page);
    await unlock(person, PASSPHRASE);
    const listedAt = await listShows(person.page, last);
    const marks = await pageMarks(person.page);
    const reloadOpenMs = await openFromList(person.page, last);
    return {
      annotated, messages, replies, reactions, epochs, unlockMs: connectedAt - clickedAt, catchUpMs, openMs,
      reloadKeyMs: marks.progressAt - marks.clickAt, reloadListMs: listedAt - marks.progressAt, reloadOpenMs, sendMs,
    };
  } finally {
    await browser.close();
    await owner.close();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Marks {
  /** performance.now() of the page's last click, and of its progress bar's last move (the key derived). */
  clickAt?: number;
  progressAt?: number;
}

/** Notes on the page's clock when it is clicked and when a progress bar moves (Argon2id's). */
async function markClicksAndProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const marks = window as unknown as Marks;
    document.addEventListener('click', () => {
      marks.clickAt = performance.now();
    }, { capture: true });
    new MutationObserver((changes) => {
      if (changes.some((change) => change.target instanceof HTMLProgressElement)) marks.progressAt = performance.now();
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
}

async function pageMarks(page: Page): Promise<Required<Marks>> {
  return page.evaluate(() => {
    const marks = window as unknown as Marks;
    return { clickAt: marks.clickAt ?? Number.NaN, progressAt: marks.progressAt ?? Number.NaN };
  });
}

/** Resolves, with the page's clock, once the room list's preview shows `last`: the history is in. */
async function listShows(page: Page, last: string): Promise<number> {
  const at = await page.waitForFunction(
    (text) => (document.querySelector('.room-list .room-preview-text')?.textContent?.endsWith(`: ${text}`) === true ? performance.now() : 0),
    last, { polling: 'raf' },
  );
  return at.jsonValue();
}

/** Clicks the room in the room list; ms on the page's clock from the click to `last` rendered as the latest message. */
async function openFromList(page: Page, last: string): Promise<number> {
  await page.locator('.room-list a.room-link').first().click();
  const shownAt = await (await page.waitForFunction(
    (text) => (document.querySelector('[role="log"] article:last-of-type p.text')?.textContent === text ? performance.now() : 0),
    last, { polling: 'raf' },
  )).jsonValue();
  return shownAt - (await pageMarks(page)).clickAt;
}
