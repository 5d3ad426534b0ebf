// A join waits while the inviting owner is offline and completes when the owner comes back: the
// relay re-pushes the pending join after the owner's auth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openTestClient, texts, waitUntil, warnings } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);
const dir = e2e.tempDir('sotto-e2e-owner-');

test('the joiner waits while the owner is away and is admitted when the owner returns', async () => {
  const alice = await openTestClient(e2e.relay.url, dir.path);
  const roomId = await alice.client.createRoom('Patience', 'Alice');
  const { link } = await alice.client.createInvite(roomId);
  await alice.client.close();

  const bob = await openTestClient(e2e.relay.url);
  e2e.track(bob);
  await bob.client.join(link, 'Bob');
  assert.is(bob.client.rooms()[0]!.joinState, 'requested');
  assert.is(bob.client.rooms()[0]!.status, 'joining');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(bob.client.rooms()[0]!.joinState, 'requested', 'still waiting with the owner away');

  const back = await openTestClient(e2e.relay.url, dir.path);
  e2e.track(back);
  await waitUntil(() => bob.events.some((e) => e.type === 'join' && e.state === 'member'), 'bob admitted once alice is back');
  const joinStates: string[] = bob.events.filter((e) => e.type === 'join').map((e) => (e.type === 'join' ? e.state : ''));
  // Protocol 2: requested, then member once the add and its welcome have been checked.
  assert.equal(joinStates, ['requested', 'member']);
  await bob.client.send(roomId, 'made it');
  await waitUntil(() => texts(back, roomId).includes('made it'), 'alice reads bob');
  await back.client.send(roomId, 'welcome');
  await waitUntil(() => texts(bob, roomId).includes('welcome'), 'bob reads alice');
  assert.is(bob.client.rooms()[0]!.name, 'Patience');
  assert.equal(warnings(back), []);
  assert.equal(warnings(bob), []);
});

test.run();
