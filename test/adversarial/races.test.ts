// Races the relay must settle atomically: two joiners claiming one invite, and an owner and an admin
// rotating to the same epoch. Each round has exactly one winner; the loser gets the typed error and,
// for rotations, succeeds one epoch later after re-reading the room.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawClient } from '../helpers/raw-client.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, signingKey, type Identity } from '../relay/fixtures.js';
import { startTestRelay, type TestRelay } from './harness.js';

let target: TestRelay;

test.before(async () => {
  target = await startTestRelay({ rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 });
});

test.after(async () => {
  await target.close();
});

function connect(): Promise<RawClient> {
  return RawClient.connect(target.wsUrl, target.relay.publicKey);
}

test('two joins racing for one invite on separate connections: exactly one ok, the other INVITE_USED (20 rounds)', async () => {
  const ownerClient = await connect();
  const owner = await identity();
  const room = await createRoom(ownerClient, owner);
  const [a, b] = [await connect(), await connect()];
  for (let round = 0; round < 20; round++) {
    const inviteKey = await signingKey();
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
    const [requestA, requestB] = [await room.joinRequest(inviteKey, await identity()), await room.joinRequest(inviteKey, await identity())];
    const answers = await Promise.all([
      a.request({ type: 'joinRequest', rid: a.nextRid(), request: requestA }),
      b.request({ type: 'joinRequest', rid: b.nextRid(), request: requestB }),
    ]);
    assert.equal(answers.map(outcome).sort(), ['INVITE_USED', 'ok'], `round ${round}`);
    await ownerClient.waitForType('joinPending');
  }
  for (const client of [ownerClient, a, b]) client.ws.terminate();
});

test('owner and admin rotating to the same epoch: one wins, the other STALE_EPOCH, and its retry after a re-read lands at epoch + 2 (10 rounds)', async () => {
  const ownerClient = await connect();
  const owner = await identity();
  const room = await createRoom(ownerClient, owner);
  const adminClient = await connect();
  const admin = await identity();
  await admit(room, ownerClient, owner, adminClient, admin);
  const promote = await room.event(owner, 'role', admin, 'admin');
  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: promote, rotation: undefined, welcome: undefined }), 'promote');
  room.accept(promote);
  const members = [owner.sign, admin.sign];
  const sides: [RawClient, Identity][] = [[ownerClient, owner], [adminClient, admin]];

  for (let round = 0; round < 10; round++) {
    const next = room.epoch + 1;
    const rotations = await Promise.all(sides.map(([, who]) => room.rotation(who, next, members)));
    const answers = await Promise.all(sides.map(([client], i) => client.request({ type: 'rotate', rid: client.nextRid(), rotation: rotations[i]! })));
    assert.equal(answers.map(outcome).sort(), ['STALE_EPOCH', 'ok'], `round ${round}`);
    const loser = answers.findIndex((a) => a.type === 'error');
    const [loserClient, loserWho] = sides[loser]!;

    // The loser re-reads the room (a fresh session, as a client would after an error) and retries.
    const reader = await connect();
    expectOk(await reader.request(await authFrame(reader, room.roomId, 'member', loserWho)), 'auth');
    const done = await reader.request({ type: 'sync', rid: reader.nextRid(), roomId: room.roomId, logFrom: room.events.length, epochFrom: next, seqFrom: 0, limit: 1 });
    assert.ok(done.type === 'syncDone' && done.epoch === next, 'the room is at the winner\'s epoch');
    reader.ws.terminate();
    const retry = await room.rotation(loserWho, next + 1, members);
    const answer = expectOk(await loserClient.request({ type: 'rotate', rid: loserClient.nextRid(), rotation: retry }), 'retry');
    assert.is(answer.value, next + 1);
    room.epoch = next + 1;
  }
  ownerClient.ws.terminate();
  adminClient.ws.terminate();
});

test.run();
