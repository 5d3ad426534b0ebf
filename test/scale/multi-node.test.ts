// Three relay processes on one PostgreSQL and one Redis: members on different processes chat, join,
// rotate and remove; a process killed mid-chat loses nothing acknowledged; an invite raced from two
// processes has one winner; a Redis outage ends with every affected session catching up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url } from '../../protocol/bytes.js';
import { startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';
import { ClosedBeforeAnswer, RawClient } from '../helpers/raw-client.js';
import { joinChatRotateRemove, killMidChat, send, syncAll } from '../helpers/spread-room-flows.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, signingKey, type Identity, type RoomModel } from '../relay/fixtures.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const clients: RawClient[] = [];

async function connect(relay: RelayProcess): Promise<RawClient> {
  const client = await RawClient.connect(cluster!.wsUrl(relay), cluster!.publicKey);
  clients.push(client);
  return client;
}

/** Told to catch up (1012) this often at most while one Redis outage ends: every process's own reconnect, and the gap each process that lost a publish sends. */
const MOST_CATCH_UPS = 5;

/**
 * Reconnects to `relay` as `who`, authenticates and syncs the room from the start, as a client does
 * after a 1012; told 1012 again meanwhile, it does it again. Every deliver the complete sync had.
 */
async function catchUp(relay: RelayProcess, room: RoomModel, who: Identity): Promise<Map<number, string>> {
  for (let attempt = 1; ; attempt++) {
    const client = await connect(relay);
    try {
      expectOk(await client.request(await authFrame(client, room.roomId, 'member', who)), 'reauth');
      return await syncAll(client, room);
    } catch (error) {
      if (!(error instanceof ClosedBeforeAnswer) || error.closed.code !== 1012 || attempt >= MOST_CATCH_UPS) throw error;
    }
  }
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
  // r0's own reconnect closed the owner; the gap r1 publishes for the push it lost may reach r0
  // after the owner is back (r1's command connection returns on its own backoff) and close it again.
  assert.ok((await catchUp(r0, room, owner)).has(seq));
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await cluster?.stop();
});

test.run();
