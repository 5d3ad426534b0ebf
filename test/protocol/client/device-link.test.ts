// The device link's two ends (protocol/client/device-link.ts, docs/protocol.md §8.7.1) with the
// mailbox played by the test, so it can be a relay that rewrites, swaps, replays or reorders posts.
// Each attack is refused with BAD_LINK before anything of it is used (V-143), and the existing
// device sends nothing before both confirmations (V-144). Written before the code: on the old tree
// protocol/client/device-link.ts did not exist and there was no way to link a device at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { ExistingDeviceLink, NewDeviceLink, type LinkPost } from '../../../protocol/client/device-link.js';
import { encodeDeviceLinkPayload, parseDeviceLink, type LinkRoomKeys } from '../../../protocol/wire/device-link.js';
import { expectSottoError } from '../crypto/expect-error.js';

const suite = nobleSuite;
const rooms = [{ roomId: randomBytes(16), name: 'Team' }, { roomId: randomBytes(16), name: 'Family' }];

function keysFor(roomId: Uint8Array): LinkRoomKeys {
  return { roomId, sign: randomBytes(32), enc: randomBytes(32) };
}

async function started(): Promise<{ fresh: NewDeviceLink; existing: ExistingDeviceLink; offer: LinkPost }> {
  const fresh = await NewDeviceLink.start(suite);
  const { link: existing, offer } = await ExistingDeviceLink.start(suite, `https://sotto.example/#/link/${fresh.payload}`, 'Alice', rooms);
  return { fresh, existing, offer };
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = out[at]! ^ 1;
  return out;
}

test('link: both devices show one code; the accept carries only public keys; room, history, done arrive in order', async () => {
  const { fresh, existing, offer } = await started();
  assert.ok(bytesEqual(offer.box, fresh.box), 'the offer goes to the new device’s mailbox');
  assert.not.ok(toHex(offer.data).includes(toHex(parseDeviceLink(fresh.payload))), 'the link key never travels');
  const got = await fresh.receive(offer.data);
  assert.is(got?.kind, 'offer');
  assert.is(fresh.code, existing.code);
  assert.match(existing.code, /^\d{6}$/);
  const accept = fresh.accept([keysFor(rooms[0]!.roomId)]);
  assert.ok(bytesEqual(accept.box, existing.replyBox));
  assert.is(existing.receive(accept.data)?.kind, 'accept');
  assert.is(existing.ready, undefined, 'nothing before our own person confirms');
  existing.confirm();
  assert.is(existing.ready?.length, 1);
  const history = existing.send({ kind: 'history', history: { roomId: rooms[0]!.roomId, total: 1, entries: [{ seq: 3, sender: randomBytes(32), time: 1, counter: 2, kind: 'text', deleted: false, text: 'hi' }] } });
  const done = existing.send({ kind: 'done' });
  assert.is((await fresh.receive(history.data))?.kind, 'history');
  assert.is(await fresh.receive(history.data), undefined, 'a post served again is a duplicate, not used twice');
  assert.is((await fresh.receive(done.data))?.kind, 'done');
  assert.ok(bytesEqual(fresh.deviceSecret(rooms[0]!.roomId), existing.deviceSecret(rooms[0]!.roomId)));
  assert.not.ok(bytesEqual(fresh.deviceSecret(rooms[0]!.roomId), fresh.deviceSecret(rooms[1]!.roomId)));
});

test('V-143: a relay that rewrites the offer, or swaps in its own ephemeral key, is detected: BAD_LINK', async () => {
  const { fresh, offer } = await started();
  await expectSottoError(() => fresh.receive(flip(offer.data, 40)), 'BAD_LINK', 'a flipped ciphertext byte');
  await expectSottoError(() => fresh.receive(flip(offer.data, 3)), 'BAD_LINK', 'a flipped ephemeral key byte');
  // A relay making its own offer has to guess N: it only ever saw H(N) as the mailbox address.
  const relayMade = await ExistingDeviceLink.start(suite, encodeDeviceLinkPayload(randomBytes(32)), 'Mallory', rooms);
  await expectSottoError(() => fresh.receive(relayMade.offer.data), 'BAD_LINK', 'an offer made without the link key');
  assert.is((await fresh.receive(offer.data))?.kind, 'offer', 'the real offer still opens: nothing was taken from the fakes');
});

test('V-143: after the offer, a second offer, a reordered, replayed-elsewhere or reflected post is BAD_LINK', async () => {
  const { fresh, existing, offer } = await started();
  await fresh.receive(offer.data);
  const second = await ExistingDeviceLink.start(suite, fresh.payload, 'Alice', rooms);
  await expectSottoError(() => fresh.receive(second.offer.data), 'BAD_LINK', 'a second offer on a spent link');
  const accept = fresh.accept([keysFor(rooms[1]!.roomId)]);
  await expectSottoError(() => fresh.receive(accept.data), 'BAD_LINK', 'our own accept reflected back');
  existing.receive(accept.data);
  existing.confirm();
  const first = existing.send({ kind: 'done' });
  const later = existing.send({ kind: 'done' });
  await expectSottoError(() => fresh.receive(later.data), 'BAD_LINK', 'a post before the one in front of it');
  await fresh.receive(first.data);
  await expectSottoError(() => fresh.receive(flip(later.data, 10)), 'BAD_LINK', 'an altered post');
  // The same post under another link: its transcript differs, so it opens nowhere else.
  const other = await started();
  await other.fresh.receive(other.offer.data);
  await expectSottoError(() => other.fresh.receive(later.data), 'BAD_LINK', 'a post of another link');
});

test('V-144: someone holding the link can offer, but shows another code; the existing device adds only after both confirm', async () => {
  const fresh = await NewDeviceLink.start(suite);
  const real = await ExistingDeviceLink.start(suite, fresh.payload, 'Alice', rooms);
  const thief = await ExistingDeviceLink.start(suite, fresh.payload, 'Alice', rooms);
  await fresh.receive(thief.offer.data);
  assert.is.not(fresh.code, real.link.code, 'the person sees two different codes and stops');
  // The real device never hears an accept that was made for the thief's channel.
  const accept = fresh.accept([keysFor(rooms[0]!.roomId)]);
  assert.not.ok(bytesEqual(accept.box, real.link.replyBox));
  await expectSottoError(() => real.link.receive(accept.data), 'BAD_LINK', 'the thief’s accept at the real device');
  real.link.confirm();
  assert.is(real.link.ready, undefined, 'confirmed here, but no accept: nothing is added');
  assert.throws(() => real.link.send({ kind: 'done' }), /not confirmed/);
  const unoffered = await started();
  await unoffered.fresh.receive(unoffered.offer.data);
  assert.throws(() => unoffered.fresh.accept([keysFor(randomBytes(16))]), /not offered/);
});

test('cancel on the existing device: the new device opens it as a cancel on the link; nothing is sent or added after it', async () => {
  const { fresh, existing, offer } = await started();
  await fresh.receive(offer.data);
  existing.receive(fresh.accept([keysFor(rooms[0]!.roomId)]).data);
  existing.confirm();
  const cancel = existing.cancel();
  assert.ok(bytesEqual(cancel.box, fresh.box), 'to the new device’s mailbox');
  assert.is((await fresh.receive(cancel.data))?.kind, 'cancel');
  assert.ok(existing.cancelled);
  assert.is(existing.ready, undefined, 'a cancelled link adds nothing');
  await expectSottoError(async () => existing.send({ kind: 'done' }), 'BAD_LINK', 'nothing is sent after a cancel');
});

test.run();
