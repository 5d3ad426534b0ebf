// Edits and deletes against their author (docs/protocol.md §9.1, V-122, V-123): a member cannot
// edit or delete another member's message, and a relay cannot make one in the author's name, even
// colluding with a member who holds every sender's chain keys (only the signature says who wrote a
// message). Real relay, real clients; the attackers send records the honest client would not seal.
//
// How it fails without the author check: checked by building this branch and then, in dist/,
// making sameAuthor return true: the first test fails at NOT_AUTHOR (Bob's client seals the edit);
// keeping that check and skipping only the receivers' (timeline-fold.js, deletion.js), it fails at
// "alice's message keeps its text" (the forged delete wipes it). Content types 5–8 do not exist
// before this change, so the file does not compile against the parent. The second test is refused
// by the signature check that predates §9.1 (BAD_SIGNATURE) and passes either way: it pins that no
// new path skips it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex } from '../../../protocol/bytes.js';
import { errorName } from '../../../protocol/client/client-context.js';
import type { TimelineMessage } from '../../../protocol/client/timeline-fold.js';
import { HostileRelay, until, type Person } from './hostile-relay.js';
import { chainKeyAt, nextIndex } from '../../helpers/keystore-reader.js';
import { deliver, forgeContentMessage, forgeMessage } from './forge.js';
import { sent } from './stolen-keys.js';
import { script } from './tap.js';
import { SIZE } from '../../../protocol/wire/types.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

function byRef(person: Person, roomId: string, ref: string): TimelineMessage | undefined {
  return person.client.messages(roomId).find((m) => m.ref === ref);
}

/** Bob's next send goes out as `forged` instead (the relay takes it: the sender is Bob's bound key). */
async function sendForged(bob: Person, roomId: string, content: (ref: { sender: Uint8Array; counter: number }) => Parameters<typeof forgeContentMessage>[3], target: { sender: Uint8Array; counter: number }): Promise<void> {
  const keys = await bob.secrets(roomId);
  const index = nextIndex(keys, keys.epoch, keys.me.sign.publicKey);
  const forged = await forgeContentMessage(keys, index, chainKeyAt(keys, keys.epoch, keys.me.sign.publicKey, index)!, content(target));
  let swapped = false;
  bob.tap.script = script({ toRelay: (f) => (f.type === 'send' && !swapped ? ((swapped = true), [{ ...f, message: forged }]) : [f]) });
  await bob.client.send(roomId, 'cover');
}

test('V-122: a member cannot edit or delete another member’s message: Bob’s signed edit and delete of Alice’s message change nothing anywhere', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  await alice!.client.send(roomId, 'the plan');
  await until(() => bob!.texts(roomId).includes('the plan'), 'bob reads alice');
  const ref = alice!.client.messages(roomId).find((m) => m.text === 'the plan')!.ref!;
  // The honest client refuses before sealing.
  const refused = await bob!.client.edit(roomId, ref, 'not yours').then(() => undefined, (error: unknown) => errorName(error));
  assert.is(refused, 'NOT_AUTHOR');
  const target = { sender: fromHex(alice!.client.identity(roomId)), counter: Number(ref.split(':')[1]) };
  const folded = (person: Person, kind: string): number => person.events.filter((e) => e.type === 'message' && e.message.about?.kind === kind).length;
  await sendForged(bob!, roomId, (t) => ({ type: 'edit', time: Date.now(), target: t, text: 'forged by bob' }), target);
  await until(() => folded(alice!, 'edit') === 1, 'alice receives the forged edit');
  await sendForged(bob!, roomId, (t) => ({ type: 'delete', time: Date.now(), target: t, text: '' }), target);
  await until(() => folded(alice!, 'delete') === 1, 'alice receives the forged delete');
  await alice!.client.send(roomId, 'after');
  await until(() => bob!.texts(roomId).includes('after'), 'bob is past both forgeries');
  for (const person of [alice!, bob!]) {
    const m = byRef(person, roomId, ref)!;
    assert.equal({ text: m.text, deleted: m.deleted, edits: m.edits }, { text: 'the plan', deleted: false, edits: [] }, `alice's message keeps its text at ${person.name}`);
  }
  // The author's own edit still works after the forgeries.
  await alice!.client.edit(roomId, ref, 'the new plan');
  await until(() => byRef(bob!, roomId, ref)?.text === 'the new plan', 'alice edits her own message');
});

test('V-122 V-123: a relay with a member’s chain keys cannot delete in the author’s name (BAD_SIGNATURE); the author’s delete wipes the text from every keystore', async () => {
  const { people: [alice, bob, mallory], roomId } = await relay.gather('alice', 'bob', 'mallory');
  await alice!.client.send(roomId, 'keep this');
  await until(() => bob!.texts(roomId).includes('keep this'), 'bob reads alice');
  const ref = alice!.client.messages(roomId).find((m) => m.text === 'keep this')!.ref!;
  const aliceSign = fromHex(alice!.client.identity(roomId));
  // Mallory holds Alice's chain (every member does): the relay seals a delete of Alice's message
  // under Alice's next-but-one key, names Alice as sender, and can only sign it with Mallory's key.
  const keys = await mallory!.secrets(roomId);
  const last = sent(alice!).at(-1)!;
  const index = nextIndex(keys, keys.epoch, aliceSign) + 1;
  const forged = await forgeMessage({
    roomId: keys.roomId, epoch: keys.epoch, sender: aliceSign, counter: last.counter + 2, index, prevHash: new Uint8Array(SIZE.hash),
    seenSeq: 0, seenHash: new Uint8Array(SIZE.hash), signer: keys.me.sign, key: chainKeyAt(keys, keys.epoch, aliceSign, index)!, text: '',
    content: { type: 'delete', time: Date.now(), target: { sender: aliceSign, counter: Number(ref.split(':')[1]) }, text: '' },
  });
  let injected = false;
  bob!.tap.script = script({ toClient: (f) => (f.type === 'deliver' && !injected ? ((injected = true), [f, deliver(keys.roomId, f.seq + 1, forged)]) : [f]) });
  await alice!.client.send(roomId, 'trigger');
  await until(() => bob!.warnings('BAD_SIGNATURE').length > 0, 'bob refuses the forged delete');
  assert.equal({ text: byRef(bob!, roomId, ref)!.text, deleted: byRef(bob!, roomId, ref)!.deleted }, { text: 'keep this', deleted: false });

  // Alice's own delete: the text leaves Bob's and Mallory's saved keystores.
  bob!.tap.script = script({});
  await alice!.client.deleteMessage(roomId, ref);
  for (const person of [alice!, mallory!]) {
    await until(() => byRef(person, roomId, ref)?.deleted === true && !person.savedSnapshot().includes('keep this'), `${person.name}: deleted and gone from the keystore`);
  }
});

test.run();
