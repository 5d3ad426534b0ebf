// A relay that alters what it serves: the browser shows a clear warning and never the altered
// message. The relay here is real; only its store's history read is made to flip one byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Store } from '../../relay/store/store.js';
import {
  chromiumAvailable, createRoom, expectAccessible, expectMessage, inviteLink, messageTexts, open, screenshot, send, submitJoin, unlock,
  useWithoutSaving, World, type Person,
} from './harness.js';

let tamper = false;

/** Flips the last byte (inside the sender's signature) of every message served from history. */
function tamperingStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'getMessages') {
        return async (...args: Parameters<Store['getMessages']>) => {
          const messages = await target.getMessages(...args);
          if (!tamper) return messages;
          return messages.map((m) => {
            const bytes = m.bytes.slice();
            bytes[bytes.length - 1]! ^= 0x01;
            return { seq: m.seq, bytes };
          });
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

if (chromiumAvailable()) {
  let world: World;
  let owner: Person;
  let reader: Person;

  test.before(async () => {
    world = await World.start('tamper', { wrapStore: tamperingStore });
    owner = await world.person('owner');
    reader = await world.person('reader');
  });

  test.after(async () => {
    await world?.close();
  });

  test('a message altered by the relay is refused and a verification warning is shown', async () => {
    await open(owner, world);
    await useWithoutSaving(owner);
    const roomId = await createRoom(owner, 'Watched', 'Olive');
    const link = await inviteLink(owner);
    await open(reader, world);
    await unlock(reader, 'reader passphrase 123');
    await reader.page.goto(link);
    await submitJoin(reader, 'Rex');
    await reader.page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 30_000 });
    await send(owner, 'before anything happened');
    await expectMessage(reader, 'before anything happened');

    // The reader goes away; the owner writes; the relay starts altering history.
    await reader.page.close();
    await send(owner, 'altered in transit');
    await expectMessage(owner, 'altered in transit');
    tamper = true;

    const page = await world.newTab(reader);
    await page.goto(`${world.baseUrl}/#/room/${roomId}`);
    await unlock(reader, 'reader passphrase 123');
    const alert = page.getByRole('alert').filter({ hasText: 'failed to verify' });
    await alert.waitFor({ timeout: 30_000 });
    assert.match((await alert.textContent())!, /BAD_SIGNATURE|TAMPERED/);
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /Watched/ }).filter({ hasText: 'warnings' }).waitFor();
    const texts = await messageTexts(reader);
    assert.ok(texts.includes('before anything happened'));
    assert.not.ok(texts.includes('altered in transit'));
    await screenshot(page, '30-tamper-warning');
    await expectAccessible(page, 'a verification warning');
  });
}

test.run();
