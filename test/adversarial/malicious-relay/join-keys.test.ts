// Protocol 2's join against a malicious relay and a stolen invite link: no key reaches anyone the
// signed log does not name, a joiner's first epoch is the one its own add starts, and a joiner reads
// nothing sent before it (issue 14, problems 1–3).
//
// How each was checked against protocol 1 (commit 6b94eb2): the first three tests use only the
// client's public API, the tap and the keystore, and were run unchanged against that commit's code,
// where each fails as its comment says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { messageKey, openMessage } from '../../../protocol/client/message-crypto.js';
import type { ClientFrame, RelayFrame } from '../../../protocol/wire/frames.js';
import type { MessageRecord } from '../../../protocol/wire/message.js';
import { HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { script } from './tap.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

/** The records `person` handed the relay to send, in order. */
function sent(person: Person): MessageRecord[] {
  return person.tap.fromClient
    .filter((f): f is Extract<ClientFrame, { type: 'send' }> => f.type === 'send')
    .map((f) => f.message);
}

/** Whether any epoch key in `reader`'s keystore opens `record`: what a thief or a colluding member could read. */
async function readableBy(reader: Person, roomId: string, record: MessageRecord): Promise<boolean> {
  const keys = await reader.secrets(roomId);
  const epoch = keys?.epochs.get(record.epoch);
  if (epoch === undefined) return false;
  try {
    await openMessage(relay.suite, record, messageKey(epoch.key.expose(), record.roomId, record.epoch, record.sender));
    return true;
  } catch {
    return false;
  }
}

function listed(person: Person, roomId: string, sign: string): boolean {
  return person.client.members(roomId).some((m) => m.sign === sign);
}

// Protocol 1: the welcome carried the epoch key before any log entry named the joiner, so a holder
// of the link who never confirmed read the epoch unseen (readable, listed by nobody).
test('a stolen invite link used by a joiner who never confirms: whoever holds a key is in every member list', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  const ghost = await relay.person('ghost');
  ghost.tap.script = script({ toRelay: (f) => (f.type === 'joinConfirm' ? [] : [f]) });
  const { link } = await alice!.client.createInvite(roomId);
  await ghost.client.join(link, 'Ghost');
  await until(() => ghost.tap.fromRelay.some((f) => f.type === 'welcomeReady'), 'the welcome reached the ghost');
  await bob!.client.send(roomId, 'for members only');
  const record = sent(bob!).at(-1)!;
  const sign = ghost.client.identity(roomId);
  await settle();
  const readable = await readableBy(ghost, roomId, record);
  assert.ok(!readable || (listed(alice!, roomId, sign) && listed(bob!, roomId, sign)), 'the ghost reads the room while no member list shows it');
});

// Protocol 1: the joiner was handed the current epoch's key, and a sync served it the epoch's
// earlier messages, which it showed.
test('a joiner reads nothing sent before its add, from the relay’s store or its own keys', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('alice', 'bob');
  for (const text of ['before 1', 'before 2', 'before 3']) await bob!.client.send(roomId, text);
  const earlier = sent(bob!).slice(-3);
  const dave = await relay.person('dave');
  await relay.admit(alice!, dave, roomId);
  await bob!.client.send(roomId, 'after');
  await until(() => dave.texts(roomId).includes('after'), 'dave reads what comes after his add');
  assert.equal(dave.texts(roomId).filter((t) => t.startsWith('before')), []);
  for (const record of earlier) assert.not.ok(await readableBy(dave, roomId, record), `dave's keys open message ${record.counter}`);
});

// Protocol 1: the relay held Dave's welcome (made before Carol's removal, under a key Carol held),
// let the removal and Dave's add through and withheld the rotations: Dave sent under Carol's key.
// Protocol 2: Dave's key is the one his own add started; a removal his log shows after it makes that
// epoch known-stale, so Dave waits for the new key instead of sending.
test('a joiner never sends under a key a member its log shows removed still holds', async () => {
  const { people: [alice, bob, carol], roomId } = await relay.gather('alice', 'bob', 'carol');
  const dave = await relay.person('dave');
  let held: Extract<RelayFrame, { type: 'welcomeReady' }> | undefined;
  let withhold = true;
  // From the moment it holds the welcome, the relay also withholds every rotation from Dave.
  dave.tap.script = script({
    toClient: (f) => {
      if (!withhold) return [f];
      if (f.type === 'welcomeReady') {
        held = f;
        return [];
      }
      return f.type === 'rotation' && held !== undefined ? [] : [f];
    },
  });
  const { link } = await alice!.client.createInvite(roomId);
  await dave.client.join(link, 'Dave');
  await until(() => held !== undefined, 'the relay holds dave’s welcome');
  await alice!.client.remove(roomId, carol!.client.identity(roomId));
  dave.tap.inject(held!);
  await until(() => dave.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'dave admitted');
  await until(() => !dave.client.members(roomId).some((m) => m.sign === carol!.client.identity(roomId)), 'dave’s log shows carol removed');
  const hello = dave.client.send(roomId, 'hello').catch(() => undefined);
  await settle(500);
  for (const record of sent(dave)) assert.not.ok(await readableBy(carol!, roomId, record), 'carol reads what dave sent');
  // Honest forwarding again: dave fetches the new epoch and his message goes out under it.
  withhold = false;
  dave.tap.drop();
  await hello;
  await until(() => bob!.texts(roomId).includes('hello'), 'bob reads dave’s message');
  for (const record of sent(dave)) assert.not.ok(await readableBy(carol!, roomId, record), 'carol reads what dave sent');
});

test.run();
