// A device link across relay processes (docs/protocol.md §8.7.1, V-192): two relay processes on one
// private PostgreSQL and one private Redis, the existing device on one, the new device on the
// other. Every link post crosses Redis; the new device takes the room with its history and both
// devices then chat with a member on a third process. Before link posts went over the bus the new
// device never heard the offer (each process held its own boxes), and this test timed out waiting for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientEvent } from '../../protocol/client/client-events.js';
import { admit, texts, waitUntil, type TestClient } from '../helpers/clients.js';
import { ClusterClients, startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const clients = cluster === undefined ? undefined : new ClusterClients(cluster);

test.after(async () => {
  await clients?.close();
  await cluster?.stop();
});

function linkStates(c: TestClient): Extract<ClientEvent, { type: 'link' }>[] {
  return c.events.filter((e): e is Extract<ClientEvent, { type: 'link' }> => e.type === 'link');
}

test('V-192: the existing device on one process, the new one on another: the link crosses Redis, history and all', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const laptop = await clients!.open('laptop', r0);
  const phone = await clients!.open('phone', r1);
  const bob = await clients!.open('bob', r2);
  const roomId = await laptop.client.createRoom('Across processes', 'Alice');
  await admit(laptop, roomId, bob, 'Bob');
  for (let i = 0; i < 20; i++) await bob.client.send(roomId, `before ${i}`);
  const first = bob.client.messages(roomId).find((m) => m.text === 'before 0')!.ref!;
  await bob.client.react(roomId, first, '👍');
  await waitUntil(() => laptop.client.messages(roomId).some((m) => m.reactions.length > 0), 'the laptop has the history');

  const payload = await phone.client.linkAsNewDevice('Alice');
  const code = await laptop.client.linkNewDevice(`https://sotto.example/#/link/${payload}`, [roomId]);
  await waitUntil(() => linkStates(phone).some((e) => e.state === 'offer'), 'the offer reaches the phone on another process');
  assert.is(linkStates(phone).find((e) => e.state === 'offer')!.code, code);
  laptop.client.confirmLink();
  await phone.client.acceptLink();
  await waitUntil(() => linkStates(phone).some((e) => e.state === 'done' || e.state === 'failed'), 'the link ends on the phone');
  assert.not.ok(linkStates(phone).some((e) => e.state === 'failed'), 'no link failed');
  assert.equal([clients!.at.get('laptop'), clients!.at.get('phone'), clients!.at.get('bob')], [r0.url, r1.url, r2.url], 'each device on its own process');
  const shown = phone.client.messages(roomId);
  assert.equal(shown.filter((m) => m.sharedBy !== undefined).map((m) => m.text), Array.from({ length: 20 }, (_, i) => `before ${i}`));
  assert.equal(shown[0]!.reactions.map((r) => r.emoji), ['👍']);

  await phone.client.send(roomId, 'from the phone');
  await bob.client.send(roomId, 'to both');
  for (const c of [laptop, bob]) await waitUntil(() => texts(c, roomId).includes('from the phone'), 'the phone’s message everywhere');
  await waitUntil(() => texts(phone, roomId).includes('to both'), 'the phone reads bob');
  const phoneSign = phone.client.identity(roomId);
  const person = bob.client.members(roomId).find((m) => m.sign === phoneSign)!.person;
  assert.is(bob.client.members(roomId).filter((m) => m.person === person).length, 2, 'bob sees one person with two devices');
});

test.run();
