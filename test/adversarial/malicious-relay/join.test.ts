// A malicious relay against the join: substituted keys, logs and invites on the joiner's side,
// altered or replayed join records on the issuer's side. Each either stops the join with a named
// error or is refused and leaves it where it was; honest forwarding afterwards completes it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { genesisEvent, signEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { currentRoster } from '../../../protocol/client/room-state.js';
import { isSottoError, type ErrorName } from '../../../protocol/errors.js';
import { decodeJoinRequest, decodeWelcome } from '../../../protocol/wire/join.js';
import type { RelayFrame } from '../../../protocol/wire/frames.js';
import { flipBit, JOIN_REQUEST_OFFSET, overwrite, signInvite, WELCOME_OFFSET } from './forge.js';
import { HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { script } from './tap.js';

type InviteInfo = Extract<RelayFrame, { type: 'inviteInfo' }>;

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

async function owner(): Promise<{ alice: Person; roomId: string }> {
  const alice = await relay.person('alice');
  return { alice, roomId: await relay.room(alice) };
}

/** Joins with the relay rewriting the invite info the joiner is served; resolves with the error name. */
async function joinServed(alice: Person, roomId: string, rewrite: (info: InviteInfo) => Promise<InviteInfo>): Promise<ErrorName | undefined> {
  const dave = await relay.person('dave');
  let rewritten: InviteInfo | undefined;
  let pending: Promise<void> = Promise.resolve();
  dave.tap.script = script({
    toClient: (f) => {
      if (f.type !== 'inviteInfo') return [f];
      // The answer goes out once the forgery is made: the rewrite is asynchronous (signing).
      pending = rewrite(f).then((info) => {
        rewritten = info;
        dave.tap.inject(info);
      });
      return [];
    },
  });
  const { link } = await alice.client.createInvite(roomId);
  try {
    await dave.client.join(link, 'Dave');
  } catch (error) {
    await pending;
    assert.ok(rewritten !== undefined);
    assert.equal(dave.client.rooms(), [], 'nothing kept of a refused join');
    return isSottoError(error) ? error.errorName : undefined;
  }
  return undefined;
}

function members(person: Person, roomId: string): number {
  return person.client.members(roomId).length;
}

test('joiner served a log rooted in another owner (the relay’s own room under the same id): BAD_CHAIN, join refused', async () => {
  const { alice, roomId } = await owner();
  const error = await joinServed(alice, roomId, async (info) => {
    const fake = await generateMemberKeys(relay.suite);
    const genesis = await genesisEvent(fake.sign, fake.enc.publicKey, info.events[0]!.roomId, undefined);
    const invite = await signInvite(fake.sign, { ...info.invite, issuer: fake.sign.publicKey });
    return { ...info, invite, events: [genesis] };
  });
  assert.is(error, 'BAD_CHAIN');
});

test('joiner served the relay’s own invite key: BAD_INVITE_PROOF, join refused', async () => {
  const { alice, roomId } = await owner();
  const error = await joinServed(alice, roomId, async (info) => {
    const fake = await generateMemberKeys(relay.suite);
    return { ...info, invite: await signInvite(fake.sign, { ...info.invite, invitePublicKey: fake.sign.publicKey }) };
  });
  assert.is(error, 'BAD_INVITE_PROOF');
});

test('joiner served an invite re-issued by the relay’s key (issuer substituted): NOT_ADMIN, join refused', async () => {
  const { alice, roomId } = await owner();
  const error = await joinServed(alice, roomId, async (info) => {
    const fake = await generateMemberKeys(relay.suite);
    return { ...info, invite: await signInvite(fake.sign, { ...info.invite, issuer: fake.sign.publicKey }) };
  });
  assert.is(error, 'NOT_ADMIN');
});

test('joiner served a log with a relay key added as admin under the owner’s name: BAD_SIGNATURE, join refused', async () => {
  const { alice, roomId } = await owner();
  const keys = await alice.secrets(roomId);
  const error = await joinServed(alice, roomId, async (info) => {
    const fake = await generateMemberKeys(relay.suite);
    const roster = currentRoster(keys)!;
    const added = await signEvent(fake.sign, {
      roomId: roster.roomId, index: roster.length, prevHash: roster.headHash, kind: 'add', time: Date.now(), issuer: roster.owner,
      subjectSign: fake.sign.publicKey, subjectEnc: fake.enc.publicKey, role: 'admin', invitePublicKey: info.invite.invitePublicKey,
    });
    const invite = await signInvite(fake.sign, { ...info.invite, issuer: fake.sign.publicKey });
    return { ...info, invite, events: [...info.events, added] };
  });
  assert.is(error, 'BAD_SIGNATURE');
});

test('an altered welcome: BAD_SIGNATURE at the joiner, who stays “requested”; honest forwarding then completes the join', async () => {
  const { alice, roomId } = await owner();
  const dave = await relay.person('dave');
  dave.tap.script = script({
    toClient: (f) => (f.type === 'welcomeReady' ? [{ ...f, welcome: decodeWelcome(flipBit(f.welcome.bytes, WELCOME_OFFSET.ciphertext + 5)) }] : [f]),
  });
  const { link } = await alice.client.createInvite(roomId);
  await dave.client.join(link, 'Dave');
  await until(() => dave.warnings('BAD_SIGNATURE').length > 0, 'BAD_SIGNATURE at dave');
  assert.is(dave.client.rooms()[0]!.joinState, 'requested');
  assert.not.ok(dave.tap.fromClient.some((f) => f.type === 'joinConfirm'));
  dave.tap.reset();
  dave.tap.drop(); // on the joiner's next auth the relay pushes the stored welcome again
  await until(() => dave.client.rooms()[0]?.status === 'member', 'dave admitted');
});

test('a join request with the joiner’s encryption key swapped for the relay’s: BAD_SIGNATURE at the issuer, no add', async () => {
  const { alice, roomId } = await owner();
  const fake = await generateMemberKeys(relay.suite);
  alice.tap.script = script({
    toClient: (f) => (f.type === 'joinPending'
      ? [{ ...f, request: decodeJoinRequest(overwrite(f.request.bytes, JOIN_REQUEST_OFFSET.joinerEnc, fake.enc.publicKey)) }]
      : [f]),
  });
  const dave = await relay.person('dave');
  const { link } = await alice.client.createInvite(roomId);
  await dave.client.join(link, 'Dave');
  await until(() => alice.warnings('BAD_SIGNATURE').length > 0, 'BAD_SIGNATURE at alice');
  await settle();
  assert.not.ok(alice.tap.fromClient.some((f) => f.type === 'appendEvent'));
  assert.is(dave.client.rooms()[0]!.joinState, 'requested');
});

test('a finished join request replayed to the issuer after the joiner was removed: INVITE_NOT_FOUND, no second add', async () => {
  const { alice, roomId } = await owner();
  const dave = await relay.person('dave');
  await relay.admit(alice, dave, roomId);
  const request = alice.tap.fromRelay.find((f): f is Extract<RelayFrame, { type: 'joinPending' }> => f.type === 'joinPending')!.request;
  await alice.client.remove(roomId, dave.client.identity(roomId));
  const adds = alice.tap.fromClient.filter((f) => f.type === 'appendEvent' && f.event.kind === 'add').length;
  alice.tap.inject({ type: 'joinPending', roomId: request.roomId, request });
  await until(() => alice.warnings('INVITE_NOT_FOUND').length > 0, 'INVITE_NOT_FOUND at alice');
  await settle();
  assert.is(alice.tap.fromClient.filter((f) => f.type === 'appendEvent' && f.event.kind === 'add').length, adds);
});

// The relay pushes joinPending and also serves it as pending work on the issuer's next auth
// (docs/protocol.md §7), so a copy can arrive after the add it led to has committed.
test('a join request repeated after the joiner was added: no warning, no second add', async () => {
  const { alice, roomId } = await owner();
  const dave = await relay.person('dave');
  await relay.admit(alice, dave, roomId);
  const pending = alice.tap.fromRelay.find((f): f is Extract<RelayFrame, { type: 'joinPending' }> => f.type === 'joinPending')!;
  const appends = alice.tap.fromClient.filter((f) => f.type === 'appendEvent').length;
  alice.tap.inject(pending);
  await settle();
  assert.equal(alice.warnings(), []);
  assert.is(alice.tap.fromClient.filter((f) => f.type === 'appendEvent').length, appends);
  assert.is(members(alice, roomId), 2);
});

// The welcome alone admits no one: until the log the joiner holds has its add where the welcome
// says, and the key of the epoch that add started, it stays requested and sends nothing (V-67).
test('a welcome without the add it names (the relay withholds the log): the joiner stays “requested”; served the log, it is admitted', async () => {
  const { alice, roomId } = await owner();
  const dave = await relay.person('dave');
  const { link } = await alice.client.createInvite(roomId);
  dave.tap.script = script({ toClient: (f) => (f.type === 'event' || f.type === 'rotation' ? [] : [f]) });
  await dave.client.join(link, 'Dave');
  await until(() => dave.tap.fromRelay.some((f) => f.type === 'welcomeReady'), 'dave got his welcome');
  await settle();
  assert.is(dave.client.rooms()[0]!.joinState, 'requested');
  assert.not.ok(dave.tap.fromClient.some((f) => f.type === 'send'));
  dave.tap.reset();
  dave.tap.drop();
  await until(() => dave.client.rooms()[0]?.status === 'member', 'dave admitted once the log is served');
});

test.run();
