// A malicious relay against a device link (docs/protocol.md §8.7.1, V-143), through real
// SottoClients: the relay carries every link post, so it can rewrite the offer, swap in its own
// ephemeral key, alter the new device's accept or a history post. Each is BAD_LINK on the device
// that reads it, the link stops there, and nothing the tampered post carried is used: no code is
// shown for a forged offer, no device is added for a forged accept, no altered history is shown.
// Checked against a link channel that silently drops a post that does not open (LinkChannel.open
// returning undefined instead of BAD_LINK): the altered accept then went unnoticed (the test timed
// out waiting for BAD_LINK, the link just stalled); the forged offers and the altered history were
// still caught, by the offer check and by the numbering of the posts after the dropped one.
// The relay can also lie about the room the link adds the device to (V-145): without the new
// device's check of its log and its rotation entry (#takeRoom's checks removed), a room whose
// rotation the relay altered was taken anyway, and a withheld device add failed only later, for
// another reason (KEY_MISSING).
// History beyond texts (§8.6.1, V-190): before it, the untouched link's phone showed Bob's file as
// a bare name with no reference, the reply without its quote, the reaction and the edit as lines
// of their own, so its test failed at its first check. The reordered and replayed history posts
// were refused before too (the channel's numbering and keys, V-143): those tests pin that the
// richer history rides the same channel.
// One link at a time (V-196): before it, the protocol client took a second start while a link ran
// (only the web worker refused it), so its test failed at its first check: the second
// linkAsNewDevice on the phone returned a payload, the first link's mailbox went on being heard
// under a link that was gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientEvent } from '../../../protocol/client/client-events.js';
import { errorName } from '../../../protocol/client/client-context.js';
import type { RelayFrame } from '../../../protocol/wire/frames.js';
import { flipBit } from './forge.js';
import { HostileRelay, settle, until, type Person } from './hostile-relay.js';
import { script } from './tap.js';

type LinkData = Extract<RelayFrame, { type: 'linkData' }>;

let relay: HostileRelay;
let alice: Person;
let bob: Person;
let roomId: string;

test.before(async () => {
  // Alice's one connection listens on a new reply mailbox per link, one link per test.
  relay = await HostileRelay.start({ maxLinkBoxesPerSession: 16 });
  ({ people: [alice, bob], roomId } = await relay.gather('alice', 'bob'));
  for (const text of ['one', 'two', 'three']) await bob.client.send(roomId, text);
  await until(() => alice.texts(roomId).includes('three'), 'alice has the history');
  // A history beyond texts (§8.6.1): a file, a reply, a reaction, an edit, a delete.
  const ref = (text: string): string => bob.client.messages(roomId).find((m) => m.text === text)!.ref!;
  await bob.client.sendAttachment(roomId, FILE);
  await bob.client.reply(roomId, ref('one'), 're: one');
  await bob.client.react(roomId, ref('two'), '👍');
  await bob.client.edit(roomId, ref('three'), 'three, edited');
  await bob.client.send(roomId, 'oops');
  await bob.client.deleteMessage(roomId, ref('oops'));
  await until(() => alice.client.messages(roomId).some((m) => m.deleted), 'alice has the whole history');
});

const FILE = { bytes: new TextEncoder().encode('the notes'), name: 'notes.txt', mediaType: 'text/plain' };

test.after(async () => {
  await relay.close();
});

function linkEvents(person: Person): Extract<ClientEvent, { type: 'link' }>[] {
  return person.events.filter((e): e is Extract<ClientEvent, { type: 'link' }> => e.type === 'link');
}

/** Why the first link that failed on `person` since its `from`th link event failed. */
function failedWith(person: Person, from = 0): string | undefined {
  return linkEvents(person).slice(from).find((e) => e.state === 'failed')?.error;
}

/** The relay rewrites link posts reaching `person` with `alter` (only the `nth` one, counted from 0). */
function tamperLinkData(person: Person, nth: number, alter: (frame: LinkData) => LinkData): void {
  let seen = 0;
  person.tap.script = script({ toClient: (f) => [f.type === 'linkData' && seen++ === nth ? alter(f) : f] });
}

/** Starts a link from alice's device to `phone`; returns the code alice's device shows. */
async function startLink(phone: Person): Promise<string> {
  const payload = await phone.client.linkAsNewDevice('alice');
  return alice.client.linkNewDevice(`https://sotto.example/#/link/${payload}`, [roomId]);
}

async function offerArrives(phone: Person, code: string): Promise<void> {
  await until(() => linkEvents(phone).some((e) => e.state === 'offer'), 'the offer on the new device');
  assert.is(linkEvents(phone).find((e) => e.state === 'offer')!.code, code);
}

const membersBefore = (): number => bob.client.members(roomId).length;

test('V-143: a relay that rewrites the offer: BAD_LINK on the new device, no code shown, nothing added', async () => {
  const before = membersBefore();
  const phone = await relay.person('alice-phone');
  tamperLinkData(phone, 0, (f) => ({ ...f, data: flipBit(f.data, f.data.length - 5) }));
  await startLink(phone);
  await until(() => failedWith(phone) !== undefined, 'the new device refuses the offer');
  assert.is(failedWith(phone), 'BAD_LINK');
  assert.not.ok(linkEvents(phone).some((e) => e.state === 'offer'), 'no code shown');
  alice.client.confirmLink();
  await settle();
  assert.is(membersBefore(), before, 'no device added');
  assert.is(phone.client.rooms().length, 0);
  // Alice's device still waits for an accept that cannot come: her person cancels it (V-196).
  await alice.client.cancelLink();
});

test('V-143: a relay that swaps in its own ephemeral key: BAD_LINK, it cannot make an offer the new device opens', async () => {
  const phone = await relay.person('alice-phone');
  const relayKey = (await relay.suite.ephemeralAgreementKey()).publicKey;
  tamperLinkData(phone, 0, (f) => {
    const data = f.data.slice();
    data.set(relayKey, 0);
    return { ...f, data };
  });
  await startLink(phone);
  await until(() => failedWith(phone) !== undefined, 'the new device refuses the offer');
  assert.is(failedWith(phone), 'BAD_LINK');
  assert.not.ok(linkEvents(phone).some((e) => e.state === 'offer'), 'no code shown');
  alice.client.confirmLink();
  await alice.client.cancelLink();
});

test('V-143: a relay that alters the new device’s accept: BAD_LINK on the existing device, which adds no device', async () => {
  const before = membersBefore();
  const phone = await relay.person('alice-phone');
  tamperLinkData(alice, 0, (f) => ({ ...f, data: flipBit(f.data, f.data.length - 1) }));
  const from = linkEvents(alice).length;
  const code = await startLink(phone);
  await offerArrives(phone, code);
  alice.client.confirmLink();
  await phone.client.acceptLink();
  await until(() => failedWith(alice, from) !== undefined, 'the existing device refuses the accept');
  alice.tap.script = script({});
  assert.is(failedWith(alice, from), 'BAD_LINK');
  await settle();
  assert.is(membersBefore(), before, 'no device added');
  assert.is(phone.client.rooms().length, 0, 'the new device took no room');
});

test('V-143: a relay that alters a history post: BAD_LINK on the new device, nothing of that post shown', async () => {
  const phone = await relay.person('alice-phone');
  // Posts to the new device: the offer (0), the room (1), then the history (2).
  tamperLinkData(phone, 2, (f) => ({ ...f, data: flipBit(f.data, 10) }));
  const code = await startLink(phone);
  await offerArrives(phone, code);
  alice.client.confirmLink();
  await phone.client.acceptLink();
  await until(() => failedWith(phone) !== undefined, 'the new device refuses the history post');
  assert.is(failedWith(phone), 'BAD_LINK');
  assert.not.ok(phone.texts(roomId).some((t) => ['one', 'two', 'three'].includes(t)), 'no altered history shown');
});

/** A whole link to `phone`, the code compared, until it ends on the new device. */
async function linkThrough(phone: Person): Promise<void> {
  const code = await startLink(phone);
  await offerArrives(phone, code);
  alice.client.confirmLink();
  await phone.client.acceptLink();
  await until(() => linkEvents(phone).some((e) => e.state === 'done' || e.state === 'failed'), 'the link ends on the new device');
}

test('V-145: a relay that withholds the device add from the new device’s log: the new device takes no room', async () => {
  const phone = await relay.person('alice-phone');
  phone.tap.script = script({ toClient: (f) => (f.type === 'event' && f.event.kind === 'device' ? [] : [f]) });
  await linkThrough(phone);
  assert.is(failedWith(phone), 'BAD_CHAIN');
  assert.is(phone.client.rooms().length, 0);
});

test('V-145: a relay that alters the device add’s rotation: the new device takes no room', async () => {
  const phone = await relay.person('alice-phone');
  phone.tap.script = script({
    toClient: (f) => [f.type === 'rotation' ? { ...f, rotation: { ...f.rotation, bytes: flipBit(f.rotation.bytes, f.rotation.bytes.length - 80) } } : f],
  });
  await linkThrough(phone);
  assert.is(failedWith(phone), 'OPEN_FAILED');
  assert.is(phone.client.rooms().length, 0);
});

/** The relay reorders or replaces posts reaching `person`: `alter` sees each linkData frame with its number. */
function rewriteLinkData(person: Person, alter: (frame: LinkData, nth: number) => LinkData[]): void {
  let seen = 0;
  person.tap.script = script({ toClient: (f) => (f.type === 'linkData' ? alter(f, seen++) : [f]) });
}

/** Posts to the new device, in order: the offer (0), the room (1), the history (2), done (3). */
const HISTORY_POST = 2;

test('V-143: a relay that delivers the history before the room post: BAD_LINK, none of it shown', async () => {
  const phone = await relay.person('alice-phone');
  let held: LinkData | undefined;
  rewriteLinkData(phone, (f, nth) => {
    if (nth === 1) {
      held = f;
      return [];
    }
    return nth === HISTORY_POST ? [f, held!] : [f];
  });
  await linkThrough(phone);
  assert.is(failedWith(phone), 'BAD_LINK');
  assert.is(phone.client.rooms().length, 0, 'no room taken, so no history either');
});

// A cancelled link used to keep its mailboxes heard for their 10 minutes (a connection hears at most
// 4): without cancelLink and linkUnlisten there was no way to free them.
test('V-192: a link cancelled on the new device ends on both devices, adds nothing, and both stop listening to its mailboxes', async () => {
  const before = membersBefore();
  const phone = await relay.person('alice-phone');
  const unlistened: string[] = [];
  const watch = (who: string) => script({ toRelay: (f) => {
    if (f.type === 'linkUnlisten') unlistened.push(who);
    return [f];
  } });
  phone.tap.script = watch('phone');
  alice.tap.script = watch('alice');
  try {
    const code = await startLink(phone);
    await offerArrives(phone, code);
    await phone.client.cancelLink();
    await until(() => failedWith(phone) !== undefined && linkEvents(alice).at(-1)?.state === 'failed', 'both devices end the link');
    assert.is(failedWith(phone), 'LINK_CANCELLED');
    assert.is(linkEvents(alice).at(-1)?.error, 'LINK_CANCELLED', 'the other device says why too');
    await until(() => unlistened.length === 2, 'each device frees its mailbox');
    assert.equal(unlistened.sort(), ['alice', 'phone']);
    assert.throws(() => alice.client.confirmLink(), /BAD_LINK/, 'alice’s device holds no link to confirm');
    await settle();
    assert.is(membersBefore(), before, 'no device added');
    assert.is(phone.client.rooms().length, 0);
  } finally {
    alice.tap.script = script({});
  }
});

const failure = (run: Promise<unknown>): Promise<string> => run.then(() => 'started', (error: unknown) => errorName(error));
const linkUrl = (payload: string): string => `https://sotto.example/#/link/${payload}`;

test('V-196: a second link while one is going is LINK_OPEN on either end, two starts in one tick too; the first goes on and links its device', async () => {
  const before = membersBefore();
  const phone = await relay.person('alice-phone');
  const tablet = await relay.person('alice-tablet');
  const payload = await phone.client.linkAsNewDevice('alice');
  assert.is(await failure(phone.client.linkAsNewDevice('alice')), 'LINK_OPEN', 'the new device refuses a second link of its own');
  const code = await alice.client.linkNewDevice(linkUrl(payload), [roomId]);
  // The tablet's two starts in one tick: one link, one refusal.
  const starts = await Promise.all([tablet.client.linkAsNewDevice('alice'), tablet.client.linkAsNewDevice('alice')].map((p) => p.then((text) => text, (error: unknown) => `error ${errorName(error)}`)));
  assert.is(starts.filter((s) => s === 'error LINK_OPEN').length, 1, `one of two starts in one tick is refused: ${starts.join(', ')}`);
  const tabletPayload = starts.find((s) => !s.startsWith('error '))!;
  assert.is(await failure(alice.client.linkNewDevice(linkUrl(tabletPayload), [roomId])), 'LINK_OPEN', 'the existing device refuses a second link');
  assert.is(await failure(alice.client.linkAsNewDevice('alice')), 'LINK_OPEN', 'nor does it start the other end meanwhile');
  await offerArrives(phone, code);
  alice.client.confirmLink();
  await phone.client.acceptLink();
  await until(() => linkEvents(phone).some((e) => e.state === 'done') && linkEvents(alice).at(-1)?.state === 'done', 'the first link completes on both devices');
  await until(() => membersBefore() === before + 1, 'the first link added its device');
  assert.ok(phone.client.rooms().some((r) => r.roomId === roomId && r.status === 'member'));
  assert.not.ok(linkEvents(tablet).some((e) => e.state === 'offer'), 'nothing of the refused link reached the tablet');
  // Once the first link ended, the next one starts.
  const tabletCode = await alice.client.linkNewDevice(linkUrl(tabletPayload), [roomId]);
  await offerArrives(tablet, tabletCode);
  await tablet.client.cancelLink();
  await until(() => linkEvents(alice).at(-1)?.state === 'failed', 'the cancelled link ends on alice’s device');
});

let earlierHistory: LinkData | undefined;

test('untouched, the same relay links a device with its history: replies, reactions, edits, deletes and files resolve there', async () => {
  const phone = await relay.person('alice-phone');
  rewriteLinkData(phone, (f, nth) => {
    if (nth === HISTORY_POST) earlierHistory = f;
    return [f];
  });
  await linkThrough(phone);
  assert.not.ok(linkEvents(phone).some((e) => e.state === 'failed'));
  const shown = phone.client.messages(roomId);
  const at = (text: string) => shown.find((m) => m.text === text)!;
  assert.equal(shown.filter((m) => m.sharedBy !== undefined).map((m) => m.text), ['one', 'two', 'three, edited', 'notes.txt', 're: one', ''], 'each listed once, as alice shows it');
  assert.equal(at('three, edited').edits.map((e) => e.text), ['three']);
  assert.equal(at('two').reactions.map((r) => [r.emoji, r.count]), [['👍', 1]]);
  const quote = at('re: one').replyTo;
  assert.ok(quote !== undefined && !('missing' in quote) && quote.text === 'one', 'the reply resolves to its message');
  assert.ok(shown.some((m) => m.deleted), 'the deleted message shows deleted');
  assert.not.ok(JSON.stringify(shown).includes('oops'));
  // The file key came with the history: the phone fetches and opens the file.
  assert.equal(await phone.client.fetchAttachment(roomId, at('notes.txt').attachment!), FILE.bytes);
  // The phone names the message its history brought by the counter Bob signed: Bob resolves it.
  await phone.client.reply(roomId, at('one').ref!, 'from the phone');
  await until(() => bob.texts(roomId).includes('from the phone'), 'bob has the phone’s reply');
  const reply = bob.client.messages(roomId).find((m) => m.text === 'from the phone')!.replyTo;
  assert.ok(reply !== undefined && !('missing' in reply) && reply.text === 'one');
});

test('V-143: a relay that replays an earlier link’s history post in a new link: BAD_LINK, nothing of it shown', async () => {
  assert.ok(earlierHistory !== undefined, 'the untouched link’s history post was seen');
  const phone = await relay.person('alice-phone');
  rewriteLinkData(phone, (f, nth) => [nth === HISTORY_POST ? { ...f, data: earlierHistory!.data } : f]);
  await linkThrough(phone);
  assert.is(failedWith(phone), 'BAD_LINK');
  assert.not.ok(phone.texts(roomId).includes('three, edited'));
});

test.run();
