// Three relay processes on one PostgreSQL and one Redis: members on different processes chat, join,
// rotate and remove; a process killed mid-chat loses nothing acknowledged; an invite raced from two
// processes has one winner; a Redis outage ends with every affected session catching up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url } from '../../protocol/bytes.js';
import { startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { joinChatRotateRemove, killMidChat, send, syncAll } from '../helpers/spread-room-flows.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, signingKey } from '../relay/fixtures.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const clients: RawClient[] = [];

async function connect(relay: RelayProcess): Promise<RawClient> {
  const client = await RawClient.connect(cluster!.wsUrl(relay), cluster!.publicKey);
  clients.push(client);
  return client;
}

test('every process answers to the one relay key', async () => {
  if (cluster === undefined) return;
  for (const relay of cluster.relays) {
    const config = (await (await fetch(`${relay.url}/config.json`)).json()) as { relayPublicKey: string };
    assert.equal(fromBase64Url(config.relayPublicKey), new Uint8Array(cluster.publicKey));
  }
});

test('members on three processes: join, chat, rotate, remove', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  await joinChatRotateRemove(await connect(r0), await connect(r1), await connect(r2));
});

test('an invite raced from two processes has exactly one winner', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const owner = await identity();
  const ownerClient = await connect(r0);
  const room = await createRoom(ownerClient, owner);
  const racers = [await connect(r1), await connect(r2)];
  for (let round = 0; round < 5; round++) {
    const inviteKey = await signingKey();
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
    const requests = await Promise.all(racers.map(async () => room.joinRequest(inviteKey, await identity())));
    const answers = await Promise.all(racers.map((client, i) => client.request({ type: 'joinRequest', rid: client.nextRid(), request: requests[i]! })));
    assert.equal(answers.map(outcome).sort(), ['INVITE_USED', 'ok'], `round ${round}`);
  }
});

test('a process killed mid-chat: nothing acknowledged is lost, a repeated push repeats the same record', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  await killMidChat({ ownerClient: await connect(r0), bClient: await connect(r1), kill: () => r1.kill('SIGKILL'), reconnect: () => connect(r2) });
  await r1.restart();
});

test('Redis lost and back: sessions are told to reconnect, and a sync has what was sent meanwhile', async () => {
  if (cluster === undefined) return;
  const [r0, r1] = cluster.relays as [RelayProcess, RelayProcess];
  const owner = await identity();
  const b = await identity();
  const ownerClient = await connect(r0);
  const bClient = await connect(r1);
  const room = await createRoom(ownerClient, owner);
  await admit(room, ownerClient, owner, bClient, b);

  await cluster.redis.kill();
  // PostgreSQL still takes the message: the ack means it is stored, only the push waits.
  const seq = await send(bClient, await room.message(b, 1));
  await cluster.redis.restart();
  assert.is((await ownerClient.closed).code, 1012);
  const again = await connect(r0);
  expectOk(await again.request(await authFrame(again, room.roomId, 'member', owner)), 'reauth');
  assert.ok((await syncAll(again, room)).has(seq));
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await cluster?.stop();
});

test.run();
