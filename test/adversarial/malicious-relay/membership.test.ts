// A malicious relay against the membership log and the epoch keys: injected members, a rolled-back
// or rewritten log, withheld or forked rotations, stale epochs, and records served as another type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex } from '../../../protocol/bytes.js';
import { nextEvent, signEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { chainKeyAt, nextIndex } from '../../helpers/keystore-reader.js';
import { currentRoster } from '../../../protocol/client/room-state.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { ERRORS } from '../../../protocol/errors.js';
import type { ClientFrame, RelayFrame } from '../../../protocol/wire/frames.js';
import type { Rotation } from '../../../protocol/wire/rotation.js';
import { deliver, forgeMessage, relabelled } from './forge.js';
import { epochOf, HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { untilForgotten } from './stolen-keys.js';
import { script } from './tap.js';

type Deliver = Extract<RelayFrame, { type: 'deliver' }>;

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

function memberKeys(person: Person, roomId: string): string[] {
  return person.client.members(roomId).map((m) => m.sign).sort();
}

function syncs(person: Person): Extract<ClientFrame, { type: 'sync' }>[] {
  return person.tap.fromClient.filter((f): f is Extract<ClientFrame, { type: 'sync' }> => f.type === 'sync');
}

/** Reconnects `person` (the relay hangs up) and waits until it is bound and synced again. */
async function reconnect(person: Person): Promise<void> {
  const before = syncs(person).length;
  person.tap.drop();
  await until(() => syncs(person).length > before && person.client.status === 'online', `${person.name} back online`);
}

test('an add event naming the owner as issuer but signed by another key: BAD_SIGNATURE, member list unchanged', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const keys = await bob!.secrets(roomId);
  const roster = currentRoster(keys)!;
  const intruder = await generateMemberKeys(relay.suite);
  const forged = await signEvent(intruder.sign, {
    roomId: keys.roomId, index: roster.length, prevHash: roster.headHash, kind: 'add', time: Date.now(), issuer: roster.owner,
    subjectSign: intruder.sign.publicKey, subjectEnc: intruder.enc.publicKey, role: 'admin', invitePublicKey: randomBytes(32),
  });
  const before = memberKeys(bob!, roomId);
  bob!.tap.inject({ type: 'event', roomId: keys.roomId, event: forged });
  await until(() => bob!.warnings('BAD_SIGNATURE').length > 0, 'BAD_SIGNATURE at bob');
  assert.equal(memberKeys(bob!, roomId), before);
  // The refused event took nothing: the owner's real next event still applies at that index.
  const carol = await relay.person('carol');
  await relay.admit(alice!, carol, roomId);
  await until(() => memberKeys(bob!, roomId).includes(carol.client.identity(roomId)), 'bob sees carol added');
});

test('an add event signed by a key that is not a member: NOT_MEMBER, member list unchanged', async () => {
  const { people: [, bob], roomId } = await relay.gather('alice', 'bob');
  const keys = await bob!.secrets(roomId);
  const intruder = await generateMemberKeys(relay.suite);
  const forged = await nextEvent(intruder.sign, currentRoster(keys)!, {
    kind: 'add', subjectSign: intruder.sign.publicKey, subjectEnc: intruder.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32),
  });
  const before = memberKeys(bob!, roomId);
  bob!.tap.inject({ type: 'event', roomId: keys.roomId, event: forged });
  await until(() => bob!.warnings('NOT_MEMBER').length > 0, 'NOT_MEMBER at bob');
  assert.equal(memberKeys(bob!, roomId), before);
});

test('a different event at an index already applied: BAD_SIGNATURE if the relay signed it, FORK only if an admin signed both; log unchanged', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const keys = await bob!.secrets(roomId);
  const intruder = await generateMemberKeys(relay.suite);
  const rewritten = await signEvent(intruder.sign, { ...keys.events[1]!, subjectSign: intruder.sign.publicKey, subjectEnc: intruder.enc.publicKey });
  const before = memberKeys(bob!, roomId);
  bob!.tap.inject({ type: 'event', roomId: keys.roomId, event: rewritten });
  await until(() => bob!.warnings('BAD_SIGNATURE').length > 0, 'BAD_SIGNATURE at bob');
  assert.equal(bob!.warnings('FORK'), []);
  // The owner equivocating (its own key, read from its keystore): two signed events at index 1.
  const owner = await alice!.secrets(roomId);
  const equivocated = await signEvent(owner.me.sign, { ...keys.events[1]!, subjectSign: intruder.sign.publicKey, subjectEnc: intruder.enc.publicKey });
  bob!.tap.inject({ type: 'event', roomId: keys.roomId, event: equivocated });
  await until(() => bob!.warnings('FORK').length > 0, 'FORK at bob');
  assert.equal(memberKeys(bob!, roomId), before);
});

test('a sync that reports a shorter log and an older seq than seen (a restored backup): ROLLBACK, nothing undone', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  await alice!.client.send(roomId, 'before the backup');
  await until(() => bob!.texts(roomId).includes('before the backup'), 'bob reads');
  const members = memberKeys(bob!, roomId);
  const texts = bob!.texts(roomId);
  bob!.tap.script = script({ toClient: (f) => [f.type === 'syncDone' ? { ...f, logLength: 1, lastSeq: 1 } : f] });
  await reconnect(bob!);
  await until(() => bob!.warnings('ROLLBACK').length > 0, 'ROLLBACK at bob');
  assert.equal(memberKeys(bob!, roomId), members);
  assert.equal(bob!.texts(roomId), texts);
});

test('a removal withheld while its rotation is served: BAD_ROTATION (it names a log we do not have), new messages KEY_MISSING', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  bob!.tap.script = script({ toClient: (f) => (f.type === 'event' && f.event.kind === 'remove' ? [] : [f]) });
  await alice!.client.remove(roomId, carol!.client.identity(roomId));
  await until(() => bob!.warnings('BAD_ROTATION').length > 0, 'BAD_ROTATION at bob');
  const seq = await alice!.client.send(roomId, 'carol is gone');
  await until(() => bob!.warnings('KEY_MISSING').some((w) => w.seq === seq), 'KEY_MISSING at bob');
  assert.ok(memberKeys(bob!, roomId).includes(carol!.client.identity(roomId)), 'bob cannot know carol left');
  assert.not.ok(bob!.texts(roomId).includes('carol is gone'));
});

test('the rotation after a removal withheld from one member: KEY_MISSING after a re-sync, and nothing sealed under the key the removed member holds', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  bob!.tap.script = script({ toClient: (f) => (f.type === 'rotation' ? [] : [f]) });
  const oldEpoch = epochOf(bob!, roomId);
  const carolKey = carol!.client.identity(roomId);
  await alice!.client.remove(roomId, carolKey);
  await until(() => !memberKeys(bob!, roomId).includes(carolKey), 'bob applies the removal');
  const afterRemoval = bob!.tap.fromClient.length;
  const syncsBefore = syncs(bob!).length;
  const seq = await alice!.client.send(roomId, 'new epoch text');
  await until(() => bob!.warnings('KEY_MISSING').some((w) => w.seq === seq), 'KEY_MISSING at bob');
  assert.ok(syncs(bob!).slice(syncsBefore).some((f) => f.epochFrom <= oldEpoch + 1), 'bob asked the relay for the rotation again');
  assert.not.ok(bob!.texts(roomId).includes('new epoch text'));

  // Bob still holds only the epoch carol also holds: whatever he writes must wait for the new key.
  const sending = bob!.client.send(roomId, 'bob after the removal');
  await settle();
  assert.not.ok(bob!.tap.fromClient.slice(afterRemoval).some((f) => f.type === 'send'), 'nothing sent under the removed member’s key');
  bob!.tap.reset();
  await reconnect(bob!);
  await sending;
  await until(() => alice!.texts(roomId).includes('bob after the removal'), 'alice reads bob under the new epoch');
  assert.is(alice!.client.messages(roomId).find((m) => m.text === 'bob after the removal')!.epoch, oldEpoch + 1);
});

test('two valid rotations for one epoch, one shown to each side: room codes differ, messages across the split are TAMPERED, and both seen is FORK', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  // The relay refuses alice's first rotation (a race it made up) and keeps it; she makes another.
  let kept: Rotation | undefined;
  alice!.tap.script = script({
    toRelay: (f) => {
      if (f.type !== 'rotate' || kept !== undefined) return [f];
      kept = f.rotation;
      alice!.tap.inject({ type: 'error', rid: f.rid, code: ERRORS.STALE_EPOCH.code, text: 'lost a race' });
      return [];
    },
  });
  bob!.tap.script = script({ toClient: (f) => (f.type === 'rotation' && kept !== undefined && f.rotation.epoch === kept.epoch ? [{ ...f, rotation: kept }] : [f]) });
  const epoch = await alice!.client.rotate(roomId);
  assert.is(epoch, kept!.epoch);
  await until(() => epochOf(bob!, roomId) === epoch, 'bob takes the kept rotation');
  assert.is.not(bob!.client.roomCode(roomId), alice!.client.roomCode(roomId));
  const seq = await alice!.client.send(roomId, 'under the real key');
  await until(() => bob!.warnings('TAMPERED').some((w) => w.seq === seq), 'TAMPERED at bob');
  bob!.tap.reset();
  const genuine = bob!.tap.fromRelay.find((f): f is Extract<RelayFrame, { type: 'rotation' }> => f.type === 'rotation' && f.rotation.epoch === epoch)!;
  bob!.tap.inject(genuine);
  await until(() => bob!.warnings('FORK').length > 0, 'FORK at bob');
});

test('an old rotation served again is ignored; a removed member’s old-epoch message replayed after the rotation is refused unread', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  const carolSeq = await carol!.client.send(roomId, 'carol before removal');
  await until(() => bob!.texts(roomId).includes('carol before removal'), 'bob reads carol');
  const carolMessage = bob!.tap.fromRelay.find((f): f is Deliver => f.type === 'deliver' && f.seq === carolSeq);
  const start = epochOf(bob!, roomId);
  await alice!.client.rotate(roomId);
  await alice!.client.remove(roomId, carol!.client.identity(roomId));
  await until(() => epochOf(bob!, roomId) === start + 2, 'bob two epochs on');
  const first = bob!.tap.fromRelay.find((f): f is Extract<RelayFrame, { type: 'rotation' }> => f.type === 'rotation' && f.rotation.epoch === start + 1)!;
  bob!.tap.inject(first);
  const seq = await alice!.client.send(roomId, 'two epochs on');
  await until(() => bob!.texts(roomId).includes('two epochs on'), 'bob reads on');
  bob!.tap.inject(deliver(carolMessage!.roomId, seq + 1, carolMessage!.message));
  // REPLAY while Bob still holds that epoch's key; KEY_MISSING once he has forgotten it (V-76).
  await until(() => bob!.warnings().some((w) => w.seq === seq + 1), 'the replay refused at bob');
  assert.is(epochOf(bob!, roomId), start + 2);
  assert.equal(bob!.warnings().length, 1);
  assert.ok(['REPLAY', 'KEY_MISSING'].includes(bob!.warnings()[0]!.error), bob!.warnings()[0]!.error);
  assert.is(bob!.texts(roomId).filter((t) => t === 'carol before removal').length, 1);
});

// Protocol 1 showed such a message under the old epoch (a LIMIT test then): nothing in a message
// tied it to the log. Now the members' clients forget the old epoch's key once its messages are
// read (V-76), so what Carol writes with it afterwards opens nowhere.
test('a removed member colluding with the relay cannot post into the epoch she belonged to once members moved on: KEY_MISSING, not shown', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  const keys = await carol!.secrets(roomId);
  const oldEpoch = keys.epoch;
  await alice!.client.remove(roomId, carol!.client.identity(roomId));
  const seq = await alice!.client.send(roomId, 'after the removal');
  await until(() => bob!.texts(roomId).includes('after the removal'), 'bob reads on');
  const late = await forgeMessage({
    roomId: keys.roomId, epoch: oldEpoch, sender: keys.me.sign.publicKey, counter: keys.counter + 1, prevHash: keys.lastHash, seenSeq: 0,
    logLength: keys.events.length, logHash: currentRoster(keys)!.headHash,
    seenHash: new Uint8Array(32), signer: keys.me.sign, index: nextIndex(keys, oldEpoch, keys.me.sign.publicKey),
    key: chainKeyAt(keys, oldEpoch, keys.me.sign.publicKey, nextIndex(keys, oldEpoch, keys.me.sign.publicKey))!,
    text: 'written after my removal',
  });
  await untilForgotten(bob!, roomId, oldEpoch);
  bob!.tap.inject(deliver(keys.roomId, seq + 1, late));
  await until(() => bob!.warnings('KEY_MISSING').some((w) => w.seq === seq + 1), 'KEY_MISSING at bob');
  await settle();
  assert.not.ok(bob!.texts(roomId).includes('written after my removal'));
  assert.ok(epochOf(bob!, roomId) > oldEpoch);
});

test('the log rolled back under later events (a removal withheld, the next add served): BAD_CHAIN, no sync loop, the new member stays unknown', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  bob!.tap.script = script({ toClient: (f) => (f.type === 'event' && f.event.kind === 'remove' ? [] : [f]) });
  await alice!.client.remove(roomId, carol!.client.identity(roomId));
  const before = syncs(bob!).length;
  const dave = await relay.person('dave');
  await relay.admit(alice!, dave, roomId);
  await until(() => bob!.warnings('BAD_CHAIN').length > 0, 'BAD_CHAIN at bob');
  await until(() => bob!.warnings('UNKNOWN_SENDER').length > 0, 'dave’s profile refused at bob');
  await settle();
  assert.ok(syncs(bob!).length - before <= 4, `bob synced ${syncs(bob!).length - before} times`);
  assert.ok(memberKeys(bob!, roomId).includes(carol!.client.identity(roomId)));
  assert.not.ok(memberKeys(bob!, roomId).includes(dave.client.identity(roomId)));
});

test('a message record served as a rotation, or an event, or with its type byte changed: refused at decoding (UNKNOWN_TYPE), connection dropped, nothing applied', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const seq = await alice!.client.send(roomId, 'this is not a key');
  await until(() => bob!.texts(roomId).includes('this is not a key'), 'bob reads');
  const record = bob!.tap.fromRelay.find((f): f is Deliver => f.type === 'deliver' && f.seq === seq)!.message.bytes;
  const epoch = epochOf(bob!, roomId);
  const members = memberKeys(bob!, roomId);
  const id = fromHex(roomId);
  for (const [i, frame] of [relabelled('rotation', id, record), relabelled('event', id, record)].entries()) {
    const connections = bob!.tap.connections;
    bob!.tap.inject(frame);
    await until(() => bob!.warnings('UNKNOWN_TYPE').length === i + 1 && bob!.tap.connections > connections && bob!.client.status === 'online', 'bob refuses and reconnects');
  }
  const retyped = record.slice();
  retyped[1] = 0x15;
  const before = bob!.warnings().length;
  bob!.tap.inject(relabelled('rotation', id, retyped));
  await until(() => bob!.warnings().length > before, 'bob refuses the retyped record');
  assert.is(bob!.tap.clientCloses.filter((code) => code === 1002).length, 3);
  assert.is(epochOf(bob!, roomId), epoch);
  assert.equal(memberKeys(bob!, roomId), members);
});

test.run();
