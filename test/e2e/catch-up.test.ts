// Coming back to a busy room: the history arrives in sync pages, and the client saves its state a
// few times for the whole catch-up rather than once per message (each save writes everything), while
// a message that arrives live is saved at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admit, openAssembledClient, openTestClient, texts, waitUntil } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';
import { MemoryPersistence } from '../helpers/memory-persistence.js';

const HISTORY = 600;
/** Longer than the test: only saves made at once are seen. */
const NEVER = 10 * 60 * 1000;

const e2e = relaySuite(test);

test('a catch-up of hundreds of messages is saved a few times; a live message is saved at once', async () => {
  const owner = await openTestClient(e2e.relay.url);
  e2e.track(owner);
  const roomId = await owner.client.createRoom('Busy', 'Owner');
  const persistence = new MemoryPersistence();
  const away = await openAssembledClient(e2e.relay.url, { persistence, lazySaveMs: NEVER });
  await admit(owner, roomId, away, 'Member');
  await away.client.close();

  for (let sent = 0; sent < HISTORY; sent += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => owner.client.send(roomId, `message ${sent + i + 1}`)));
  }
  persistence.saves = 0;
  const back = await openAssembledClient(e2e.relay.url, { persistence, lazySaveMs: NEVER });
  e2e.track(back);
  await waitUntil(() => texts(back, roomId).includes(`message ${HISTORY}`), 'the whole history');
  await waitUntil(() => persistence.saves > 0, 'the save that ends the sync');
  assert.ok(persistence.saves <= 5, `${persistence.saves} saves for ${HISTORY} messages`);
  assert.is(texts(back, roomId).filter((t) => t.startsWith('message ')).length, HISTORY);

  const before = persistence.saves;
  await owner.client.send(roomId, 'live');
  await waitUntil(() => texts(back, roomId).includes('live'), 'the live message');
  await waitUntil(() => persistence.saves > before, 'a save of the live message, without waiting for lazySaveMs');
});

test.run();
