// The room's history setting (issue 14, problem 3; docs/protocol.md §8.6): under the default a joiner
// reads nothing sent before its add; under "the last N" or "all" the member who adds it re-seals
// those messages for it, and a joiner takes them only from that member and only as far as the
// setting at its add allows. Against 0959acf there was no setting at all: createRoom took no history
// setting, and joiners got nothing, so the "last 2" test fails there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { DEFAULT_SETTINGS } from '../../../protocol/wire/membership.js';
import { HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { chainKeyAt, nextIndex } from '../../helpers/keystore-reader.js';
import { deliver, forgeContentMessage } from './forge.js';
import { sent } from './stolen-keys.js';
import { script } from './tap.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

function shared(person: Person, roomId: string): { text: string; by: string | undefined }[] {
  return person.client.messages(roomId).filter((m) => m.sharedBy !== undefined).map((m) => ({ text: m.text, by: m.sharedBy }));
}

test('history "last 2": the joiner sees the last two messages before its add, shared by the member who added it; the setting is in every view', async () => {
  const [alice, bob] = [await relay.person('alice'), await relay.person('bob')];
  const roomId = await alice.client.createRoom('Last two', 'alice', { ...DEFAULT_SETTINGS, history: { mode: 'last', count: 2 } });
  for (const text of ['one', 'two', 'three']) await alice.client.send(roomId, text);
  await relay.admit(alice, bob, roomId);
  await until(() => shared(bob, roomId).length === 2, 'bob gets two shared messages');
  assert.equal(shared(bob, roomId), [{ text: 'two', by: 'alice' }, { text: 'three', by: 'alice' }]);
  assert.not.ok(bob.texts(roomId).includes('one'));
  assert.equal(bob.client.rooms().find((r) => r.roomId === roomId)!.history, { mode: 'last', count: 2 });
  assert.is(bob.client.rooms().find((r) => r.roomId === roomId)!.unread, 0, 'history is not news');
  await alice.client.send(roomId, 'after');
  await until(() => bob.texts(roomId).includes('after'), 'bob reads on');
  assert.equal(bob.texts(roomId), ['two', 'three', 'after']);
});

// Issue 16: shares carried text only and no counters, so carol's reply to a shared message reached
// alice as "original not available" and carol could not even name one; reactions and replies came
// flattened into lines of their own. Against the shares before V-190 this failed at carol's first
// check (no reaction folded into 'hello', the reply without its quote).
test('history all: shared replies and reactions fold at the joiner; the joiner’s reply to a shared message resolves for everyone', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  await alice.client.setHistory(roomId, { mode: 'all', count: 0 });
  await alice.client.send(roomId, 'hello');
  await until(() => bob.texts(roomId).includes('hello'), 'bob has hello');
  const hello = bob.client.messages(roomId).find((m) => m.text === 'hello')!.ref!;
  await bob.client.react(roomId, hello, '👋');
  await bob.client.reply(roomId, hello, 'hi alice');
  await until(() => alice.texts(roomId).includes('hi alice'), 'alice has the reply');
  const carol = await relay.person('carol');
  await relay.admit(alice, carol, roomId);
  await until(() => shared(carol, roomId).length === 2, 'carol gets the shared history');
  const shown = carol.client.messages(roomId);
  const at = (text: string) => shown.find((m) => m.text === text)!;
  assert.equal(at('hello').reactions.map((r) => [r.emoji, r.by]), [['👋', ['bob']]]);
  const quote = at('hi alice').replyTo;
  assert.ok(quote !== undefined && !('missing' in quote) && quote.text === 'hello');
  assert.equal(shown.map((m) => m.sharedBy), ['alice', 'alice'], 'each shared message says who vouches for it');
  await carol.client.reply(roomId, at('hello').ref!, 'late to the party');
  for (const person of [alice, bob]) {
    await until(() => person.texts(roomId).includes('late to the party'), `${person.name} has carol’s reply`);
    const reply = person.client.messages(roomId).find((m) => m.text === 'late to the party')!.replyTo;
    assert.ok(reply !== undefined && !('missing' in reply) && reply.text === 'hello', `${person.name} sees the quote`);
  }
});

// A share is a room message like any other (§8.6): a relay that serves it again under another seq
// gets REPLAY (§9 step 7) and nothing of it is taken twice. This held before V-190 too; it pins that
// the richer entries ride the same checks.
test('a relay that replays a history share under a new seq: REPLAY, every shared message still shown once', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  await alice.client.setHistory(roomId, { mode: 'all', count: 0 });
  await bob.client.send(roomId, 'said before carol');
  await until(() => alice.texts(roomId).includes('said before carol'), 'alice has it');
  const carol = await relay.person('carol');
  await relay.admit(alice, carol, roomId);
  await until(() => shared(carol, roomId).length === 1, 'carol gets the share');
  const ready = await alice.client.send(roomId, 'ready');
  await until(() => carol.texts(roomId).includes('ready'), 'carol reads on');
  const aliceSign = alice.client.identity(roomId);
  const share = carol.tap.fromRelay.filter((f): f is Extract<typeof f, { type: 'deliver' }> => f.type === 'deliver' && toHex(f.message.sender) === aliceSign && f.seq < ready).at(-1)!;
  assert.not.ok(carol.client.messages(roomId).some((m) => m.seq === share.seq), 'the record replayed is the share, not a listed message');
  carol.tap.inject(deliver(share.roomId, ready + 1, share.message));
  await until(() => carol.warnings('REPLAY').some((w) => w.seq === ready + 1), 'REPLAY at carol');
  assert.is(await alice.client.send(roomId, 'after'), ready + 1);
  await until(() => carol.texts(roomId).includes('after'), 'the real message at that seq lands');
  assert.equal(carol.texts(roomId).filter((t) => t === 'said before carol').length, 1);
  assert.equal(shared(carol, roomId), [{ text: 'said before carol', by: 'alice' }]);
});

test('history under the default: the joiner holds no earlier message and no key that opens one', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  for (const text of ['before carol 1', 'before carol 2']) await alice!.client.send(roomId, text);
  const before = sent(alice!).slice(-2);
  const carol = await relay.person('carol');
  await relay.admit(alice!, carol, roomId);
  await alice!.client.send(roomId, 'after carol');
  await until(() => carol.texts(roomId).includes('after carol'), 'carol reads what follows her add');
  await settle();
  assert.equal(shared(carol, roomId), []);
  assert.not.ok(carol.texts(roomId).some((t) => t.startsWith('before carol')));
  const keys = await carol.secrets(roomId);
  for (const record of before) assert.is(chainKeyAt(keys, record.epoch, record.sender, record.index), undefined, `carol holds a key of epoch ${record.epoch}`);
  assert.ok(bob!.texts(roomId).includes('before carol 2'));
});

test('a share from a member who did not add the joiner, or beyond the setting, or under the default, adds nothing: BAD_EVENT, named', async () => {
  const [alice, bob, carol] = [await relay.person('alice'), await relay.person('bob'), await relay.person('carol')];
  const roomId = await alice.client.createRoom('Strict', 'alice', { ...DEFAULT_SETTINGS, history: { mode: 'last', count: 1 } });
  await alice.client.send(roomId, 'real history');
  await relay.admit(alice, bob, roomId);
  await relay.admit(alice, carol, roomId);
  await until(() => shared(carol, roomId).length === 1, 'carol gets the one shared message');
  // Bob, who did not add carol, re-seals invented history for her in the current epoch.
  const keys = await bob.secrets(roomId);
  const carolSign = carol.client.identity(roomId);
  const addIndex = keys.events.findIndex((e) => e.kind === 'add' && toHex(e.subjectSign) === carolSign);
  const index = nextIndex(keys, keys.epoch, keys.me.sign.publicKey);
  const forged = await forgeContentMessage(keys, index, chainKeyAt(keys, keys.epoch, keys.me.sign.publicKey, index)!, {
    type: 'history', time: Date.now(), share: { joiner: keys.events[addIndex]!.subjectSign, addIndex, entries: [{ seq: 1, sender: keys.me.sign.publicKey, time: 1, counter: 1, kind: 'text', deleted: false, text: 'invented by bob' }] },
  });
  let swapped = false;
  bob.tap.script = script({ toRelay: (f) => (f.type === 'send' && !swapped ? ((swapped = true), [{ ...f, message: forged }]) : [f]) });
  await bob.client.send(roomId, 'cover');
  await until(() => carol.warnings('BAD_EVENT').length > 0, 'BAD_EVENT at carol');
  assert.match(carol.warnings('BAD_EVENT')[0]!.detail, 'did not add us');
  assert.equal(shared(carol, roomId), [{ text: 'real history', by: 'alice' }]);
  assert.not.ok(carol.texts(roomId).includes('invented by bob'));
  // The others ignore a share that is not theirs.
  assert.equal(alice.warnings('BAD_EVENT'), []);
  assert.not.ok(alice.texts(roomId).includes('invented by bob'));
});

test('only an owner or admin changes the setting; the change is a log event every member applies', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  try {
    await bob!.client.setHistory(roomId, { mode: 'all', count: 0 });
    assert.unreachable('a member changed the history setting');
  } catch (error) {
    assert.match(String(error), 'NOT_ADMIN');
  }
  await alice!.client.setHistory(roomId, { mode: 'all', count: 0 });
  await until(() => bob!.client.rooms().find((r) => r.roomId === roomId)!.history?.mode === 'all', 'bob applies the change');
  const carol = await relay.person('carol');
  await alice!.client.send(roomId, 'now everyone sees this');
  await relay.admit(alice!, carol, roomId);
  await until(() => shared(carol, roomId).some((m) => m.text === 'now everyone sees this'), 'carol gets the history');
});

test.run();
