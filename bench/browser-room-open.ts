// Opening a busy room in the real web app: what a person waits for after a long absence. The
// relay runs as deployed (a child process serving dist/www); a headless owner makes the room and
// admits one Chromium member through the UI, the member closes the page, the owner sends the
// history (rotating every 100 messages, as the room's default asks), and the member comes back:
// unlocks the keystore, and the whole history arrives, is verified and decrypted in the worker,
// saved, and rendered. Times run from the Unlock click to what the page shows, seen from the bench.
// With `annotated`, every tenth message is a reply (to a message of the previous window) and every
// fifth of the previous window gets a reaction: the timeline folds them in (timeline-fold.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openHeadlessClient } from '../client/headless.js';
import { CHROMIUM, CHROMIUM_ARGS, joinByInvite, unlock } from '../test/browser/harness.js';
import { nowMs } from './clock.js';
import { startRelayProcess } from './relay-launcher.js';

export interface RoomOpenResult {
  readonly messages: number;
  /** Replies among the messages, and reactions besides them (0 unless annotated). */
  readonly replies: number;
  readonly reactions: number;
  /** Epochs the history spans: each is a rotation the returning member opens. */
  readonly epochs: number;
  /** Unlock click → the status shows a connection: Argon2id, the snapshot, the Noise handshake. */
  readonly unlockMs: number;
  /** Connection → the last message rendered: sync, verify, decrypt, save and render. */
  readonly catchUpMs: number;
  /** The page reloaded once the history is in: Unlock click → the last message rendered, from the keystore. */
  readonly reopenMs: number;
  /**
   * Of reopenMs, what follows the key's derivation (the page's last Argon2id progress update →
   * the last message rendered): the keystore's records read and opened, the state decoded and its
   * log verified, the connection, the page rendered. Argon2id itself is the same ~1.1 s for any room.
   */
  readonly reopenAfterKeyMs: number;
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
    await person.page.goto(`${baseUrl}/#/room/${roomId}`);
    await person.page.getByLabel('Passphrase').waitFor();
    const clickedAt = nowMs();
    await unlock(person, PASSPHRASE);
    const connectedAt = nowMs();
    const last = `message ${messages} of ${messages}`;
    const lastShown = (): Promise<unknown> => person.page.waitForFunction(
      (text) => document.querySelector('[role="log"] article:last-of-type p.text')?.textContent === text, last, { polling: 'raf' },
    );
    await lastShown();
    const doneAt = nowMs();

    await person.page.reload();
    await person.page.getByLabel('Passphrase').waitFor();
    // Page clock: when the progress bar last moved (the key is derived) and when the last message shows.
    await person.page.evaluate(() => {
      const marks = window as unknown as { lastProgressAt?: number };
      new MutationObserver((changes) => {
        if (changes.some((change) => change.target instanceof HTMLProgressElement)) marks.lastProgressAt = performance.now();
      })
        .observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
    });
    const reopenedAt = nowMs();
    await unlock(person, PASSPHRASE);
    const shownAt = await (await person.page.waitForFunction(
      (text) => (document.querySelector('[role="log"] article:last-of-type p.text')?.textContent === text ? performance.now() : 0), last, { polling: 'raf' },
    )).jsonValue();
    const reopenMs = nowMs() - reopenedAt;
    const keyAt = await person.page.evaluate(() => (window as unknown as { lastProgressAt?: number }).lastProgressAt ?? Number.NaN);
    return { messages, replies, reactions, epochs, unlockMs: connectedAt - clickedAt, catchUpMs: doneAt - connectedAt, reopenMs, reopenAfterKeyMs: shownAt - keyAt, sendMs };
  } finally {
    await browser.close();
    await owner.close();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
