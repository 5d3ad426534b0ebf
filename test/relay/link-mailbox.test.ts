// The relay's device-link mailbox (docs/protocol.md §8.7.1, V-146), with the two ends of a real link
// (protocol/client/device-link.ts) talking through it: posts reach listeners in order, a late
// listener gets what the box holds, the bounds hold, and nothing the relay handles carries the link's
// key. Written before the frames existed (the relay answered UNKNOWN_TYPE).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { nobleSuite } from '../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { ExistingDeviceLink, NewDeviceLink, type LinkPost } from '../../protocol/client/device-link.js';
import { encodeClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { parseDeviceLink } from '../../protocol/wire/device-link.js';
import type { RawClient } from '../helpers/raw-client.js';
import { InProcessRelay } from './in-process-relay.js';
import { expectOk, outcome } from './fixtures.js';

let served: InProcessRelay;

test.before(async () => {
  served = await InProcessRelay.start('link-mailbox', { maxLinkBoxesPerSession: 2, linkBoxMaxPosts: 10 });
});

test.after(async () => {
  await served.close();
});

function connect(): Promise<RawClient> {
  return served.connect();
}

async function post(client: RawClient, p: LinkPost): Promise<void> {
  expectOk(await client.request({ type: 'linkPost', rid: client.nextRid(), box: p.box, data: p.data }), 'post');
}

async function next(client: RawClient): Promise<Uint8Array> {
  const frame = await client.waitForType('linkData');
  return frame.data;
}

test('V-146: a whole link through the relay: offer, accept, room data in order; the link key is in no frame', async () => {
  const fresh = await NewDeviceLink.start(nobleSuite);
  const newDevice = await connect();
  const oldDevice = await connect();
  expectOk(await newDevice.request({ type: 'linkListen', rid: newDevice.nextRid(), box: fresh.box }), 'listen');
  const rooms = [{ roomId: randomBytes(16), name: 'Team' }];
  const { link, offer } = await ExistingDeviceLink.start(nobleSuite, fresh.payload, 'Alice', rooms);
  expectOk(await oldDevice.request({ type: 'linkListen', rid: oldDevice.nextRid(), box: link.replyBox }), 'listen for the reply');
  await post(oldDevice, offer);
  const sent: Uint8Array[] = [encodeClientFrame({ type: 'linkPost', rid: 0, box: offer.box, data: offer.data })];
  assert.is((await fresh.receive(await next(newDevice)))?.kind, 'offer');
  assert.is(fresh.code, link.code);
  const accept = fresh.accept([{ roomId: rooms[0]!.roomId, sign: randomBytes(32), enc: randomBytes(32) }]);
  await post(newDevice, accept);
  sent.push(encodeClientFrame({ type: 'linkPost', rid: 0, box: accept.box, data: accept.data }));
  assert.is(link.receive(await next(oldDevice))?.kind, 'accept');
  link.confirm();
  for (let i = 0; i < 3; i++) {
    const history = link.send({ kind: 'history', history: { roomId: rooms[0]!.roomId, total: 3, entries: [{ seq: i + 1, sender: randomBytes(32), time: i, counter: i + 1, kind: 'text', deleted: false, text: `m${i}` }] } });
    await post(oldDevice, history);
    sent.push(encodeClientFrame({ type: 'linkPost', rid: 0, box: history.box, data: history.data }));
  }
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) {
    const message = await fresh.receive(await next(newDevice));
    if (message?.kind === 'history') texts.push(...message.history.entries.map((e) => e.text));
  }
  assert.equal(texts, ['m0', 'm1', 'm2']);
  // A listener that comes late (a reload) gets the box from the start; the channel drops repeats.
  const again = await connect();
  expectOk(await again.request({ type: 'linkListen', rid: again.nextRid(), box: fresh.box }), 'listen again');
  assert.is(await fresh.receive(await next(again)), undefined, 'the offer, served again, is a duplicate');
  const linkKey = toHex(parseDeviceLink(fresh.payload));
  for (const bytes of sent) assert.not.ok(toHex(bytes).includes(linkKey), 'the link key never reaches the relay');
});

test('V-146: a session hears a bounded number of boxes; a box holds a bounded number of posts', async () => {
  const client = await connect();
  expectOk(await client.request({ type: 'linkListen', rid: client.nextRid(), box: randomBytes(32) }), 'first');
  expectOk(await client.request({ type: 'linkListen', rid: client.nextRid(), box: randomBytes(32) }), 'second');
  assert.is(outcome(await client.request({ type: 'linkListen', rid: client.nextRid(), box: randomBytes(32) })), 'RATE_LIMITED');
  const box = randomBytes(32);
  for (let i = 0; i < 10; i++) expectOk(await client.request({ type: 'linkPost', rid: client.nextRid(), box, data: randomBytes(64) }), `post ${i}`);
  const full: RelayFrame = await client.request({ type: 'linkPost', rid: client.nextRid(), box, data: randomBytes(64) });
  assert.is(outcome(full), 'RATE_LIMITED');
});

// Before linkUnlisten a connection held its 4 slots for the boxes' 10 minutes, cancelled links and
// all. Against the relay without the frame's handler (the case taken out of dispatch.ts) the
// unlisten got no answer and this test timed out.
test('V-192: linkUnlisten frees the slot: the box pushes nothing more to that session, and another box can be heard', async () => {
  const client = await connect();
  const poster = await connect();
  const [first, second, third] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  expectOk(await client.request({ type: 'linkListen', rid: client.nextRid(), box: first }), 'first');
  expectOk(await client.request({ type: 'linkListen', rid: client.nextRid(), box: second }), 'second');
  assert.is(outcome(await client.request({ type: 'linkListen', rid: client.nextRid(), box: third })), 'RATE_LIMITED', 'both slots taken');
  expectOk(await client.request({ type: 'linkUnlisten', rid: client.nextRid(), box: first }), 'unlisten');
  expectOk(await client.request({ type: 'linkUnlisten', rid: client.nextRid(), box: randomBytes(32) }), 'a box it never heard: no error');
  expectOk(await client.request({ type: 'linkListen', rid: client.nextRid(), box: third }), 'the freed slot');
  expectOk(await poster.request({ type: 'linkPost', rid: poster.nextRid(), box: first, data: randomBytes(64) }), 'post to the unheard box');
  const heard = randomBytes(64);
  expectOk(await poster.request({ type: 'linkPost', rid: poster.nextRid(), box: third, data: heard }), 'post to the heard box');
  const pushed = await client.waitForType('linkData');
  assert.equal([toHex(pushed.box), toHex(pushed.data)], [toHex(third), toHex(heard)], 'only the box still heard pushes');
  assert.equal(client.take((f) => f.type === 'linkData'), []);
});

test.run();
