// Client-side checks of what the relay serves: the join steps, rotations and messages refuse every
// substitution a relay could try. docs/protocol.md §11 and docs/threat-model.md cite these names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import type { Suite } from '../../../protocol/crypto/suite.js';
import { nextEvent } from '../../../protocol/client/events.js';
import { createInvite, inviteKeyFromToken, verifyInviteInfo } from '../../../protocol/client/invite.js';
import { openJoinRequest, openWelcome } from '../../../protocol/client/join.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { openMessage, verifyAhead } from '../../../protocol/client/message-crypto.js';
import { messageKeyAt } from '../../helpers/keystore-reader.js';
import { applyEvent, replayLog } from '../../../protocol/membership/roster.js';
import { buildRotation, checkRotationRoster, openRotation, verifyRotationSignature } from '../../../protocol/client/rotation.js';
import { checkSenderChain } from '../../../protocol/client/sender-chain.js';
import { initSecret, joinSecret } from '../../../protocol/client/epoch-keys.js';
import { decodeInviteLinkPayload } from '../../../protocol/wire/invite.js';
import { decodeJoinRequest, decodeWelcome } from '../../../protocol/wire/join.js';
import { decodeMessage } from '../../../protocol/wire/message.js';
import { decodeRotation } from '../../../protocol/wire/rotation.js';
import { fixturePsk, ownFixturePsk, room, suite } from '../wire/fixtures.js';
import { expectSottoError } from '../crypto/expect-error.js';

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 1;
  return copy;
}

// ——— invite ———

test('invite: log rooted in another owner than the link names', async () => {
  const r = await room();
  const token = randomBytes(32);
  const stranger = await generateMemberKeys(suite);
  await expectSottoError(() => verifyInviteInfo(suite, { roomId: r.roomId, ownerSign: stranger.sign.publicKey, token }, r.invite, undefined, [r.genesis]), 'BAD_CHAIN');
});

test('invite: invite key differs from the one the link’s token derives', async () => {
  const r = await room();
  await expectSottoError(() => verifyInviteInfo(suite, { roomId: r.roomId, ownerSign: r.owner.sign.publicKey, token: randomBytes(32) }, r.invite, undefined, [r.genesis]),
    'BAD_INVITE_PROOF');
});

test('invite: invite for another room, expired, or issued by a non-admin is refused', async () => {
  const r = await room();
  const link = { roomId: randomBytes(16), ownerSign: r.owner.sign.publicKey, token: randomBytes(32) };
  await expectSottoError(() => verifyInviteInfo(suite, link, r.invite, undefined, [r.genesis]), 'ROOM_MISMATCH');
  const roster = await replayLog(suite, [r.genesis, r.add]);
  const own = await createInvite(suite, r.owner.sign, roster, Date.now() + 60_000);
  const ownLink = decodeInviteLinkPayload(own.linkPayload);
  await verifyInviteInfo(suite, ownLink, own.invite, undefined, [r.genesis, r.add]);
  await expectSottoError(() => verifyInviteInfo(suite, ownLink, own.invite, undefined, [r.genesis, r.add], own.invite.expiresAt), 'INVITE_EXPIRED');
  // The joiner is a plain member: its invite verifies as a signature but not as an admission right.
  const byMember = await createInvite(suite, r.joiner.sign, roster, Date.now() + 60_000);
  await expectSottoError(() => verifyInviteInfo(suite, decodeInviteLinkPayload(byMember.linkPayload), byMember.invite, undefined, [r.genesis, r.add]), 'NOT_ADMIN');
});

// ——— join ———

test('join: a request for another invite is BAD_INVITE_PROOF', async () => {
  const r = await room();
  const otherInvite = await inviteKeyFromToken(suite, randomBytes(32), r.roomId);
  await expectSottoError(() => openJoinRequest(suite, r.request, r.owner.enc, otherInvite), 'BAD_INVITE_PROOF');
});

test('join: a request with a forged signature is BAD_SIGNATURE', async () => {
  const r = await room();
  const inviteKey = { publicKey: r.request.invitePublicKey, sign: (): Promise<Uint8Array> => Promise.reject(new Error('unused')) };
  const invOff = r.request.signed.length;
  await expectSottoError(() => openJoinRequest(suite, decodeJoinRequest(flip(r.request.bytes, invOff)), r.owner.enc, inviteKey), 'BAD_SIGNATURE');
  await expectSottoError(() => openJoinRequest(suite, decodeJoinRequest(flip(r.request.bytes, invOff + 64)), r.owner.enc, inviteKey), 'BAD_SIGNATURE');
});

test('join: the joining key opens only for the issuer and the exact request', async () => {
  const r = await room();
  const inviteKey = { publicKey: r.request.invitePublicKey, sign: (): Promise<Uint8Array> => Promise.reject(new Error('unused')) };
  const stranger = await generateMemberKeys(suite);
  await expectSottoError(() => openJoinRequest(suite, r.request, stranger.enc, inviteKey), 'OPEN_FAILED');
});

test('join: a welcome from someone other than the invite issuer is refused', async () => {
  const r = await room();
  await expectSottoError(() => openWelcome(suite, r.welcome, r.joiner.sign.publicKey, randomBytes(32), randomBytes(32)), 'BAD_SIGNATURE');
  // Right issuer named, signature broken.
  await expectSottoError(() => openWelcome(suite, decodeWelcome(flip(r.welcome.bytes, r.welcome.bytes.length - 1)), r.owner.sign.publicKey,
    randomBytes(32), randomBytes(32)), 'BAD_SIGNATURE');
});

test('join: a welcome under the wrong joining key or token is TAMPERED', async () => {
  const r = await room();
  await expectSottoError(() => openWelcome(suite, r.welcome, r.owner.sign.publicKey, randomBytes(32), randomBytes(32)), 'TAMPERED');
});

// ——— rotation ———

test('rotation: entries must be exactly the roster it names', async () => {
  const r = await room();
  const before = await replayLog(suite, [r.genesis]);
  const roster = await applyEvent(suite, before, r.add);
  checkRotationRoster(r.rotation, roster);
  await verifyRotationSignature(suite, r.rotation);
  // Made for the roster before the add: names another roster.
  await expectSottoError(() => checkRotationRoster(r.rotation, before), 'BAD_ROTATION');
  // Missing a member: the joiner is left out of a rotation for the two-member roster.
  const outsider = await generateMemberKeys(suite);
  const withStranger = await applyEvent(suite, before, await nextEvent(r.owner.sign, before, {
    kind: 'add', subjectSign: outsider.sign.publicKey, subjectEnc: outsider.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32),
  }));
  const rotation = await buildRotation(suite, r.owner.sign, withStranger, 1, randomBytes(32), fixturePsk);
  await expectSottoError(() => checkRotationRoster({ ...rotation, entries: rotation.entries.slice(0, 1) }, withStranger), 'BAD_ROTATION');
  await expectSottoError(() => checkRotationRoster({ ...rotation, entries: [rotation.entries[0]!, rotation.entries[0]!] }, withStranger), 'BAD_ROTATION');
  await expectSottoError(() => checkRotationRoster({ ...rotation, roomId: randomBytes(16) }, withStranger), 'ROOM_MISMATCH');
  // Any member may rotate (V-71), a stranger may not.
  checkRotationRoster({ ...rotation, issuer: outsider.sign.publicKey }, withStranger);
  const stranger = await generateMemberKeys(suite);
  await expectSottoError(() => checkRotationRoster({ ...rotation, issuer: stranger.sign.publicKey }, withStranger), 'NOT_MEMBER');
  await expectSottoError(() => verifyRotationSignature(suite, decodeRotation(flip(rotation.bytes, rotation.bytes.length - 1))), 'BAD_SIGNATURE');
});

test('rotation: a member without an entry cannot read the new epoch', async () => {
  const r = await room();
  const removed = await generateMemberKeys(suite);
  await expectSottoError(() => openRotation(r.rotation, removed, ownFixturePsk(removed)), 'KEY_MISSING');
  const key = await openRotation(r.rotation, r.joiner, ownFixturePsk(r.joiner));
  assert.is(toHex(key), toHex(await openRotation(r.rotation, r.owner, ownFixturePsk(r.owner))));
  // An entry is sealed to its member's key and context: swapping entries does not open.
  const swapped = { ...r.rotation, entries: r.rotation.entries.map((e, i, all) => ({ member: e.member, sealedKey: all[1 - i]!.sealedKey })) };
  await expectSottoError(() => openRotation(swapped, r.joiner, ownFixturePsk(r.joiner)), 'OPEN_FAILED');
});

test('V-92: a rotation entry opens only with its member’s key and its psk: the key alone (a stolen keystore) or the psk alone (a removed member) opens nothing', async () => {
  const r = await room();
  // The psk of the joiner's entry is the join secret, the owner's the previous epoch's init secret.
  await expectSottoError(() => openRotation(r.rotation, r.joiner, new Uint8Array(0)), 'OPEN_FAILED');
  await expectSottoError(() => openRotation(r.rotation, r.joiner, ownFixturePsk(r.owner)), 'OPEN_FAILED');
  // A removed member holding the psk but not the joiner's key: its own keys do not open the entry.
  const removed = await generateMemberKeys(suite);
  await expectSottoError(() => openRotation(r.rotation, { sign: r.joiner.sign, enc: removed.enc }, ownFixturePsk(r.joiner)), 'OPEN_FAILED');
  assert.is((await openRotation(r.rotation, r.joiner, ownFixturePsk(r.joiner))).length, 32);
  // The init secret chains epochs: I_e comes from K_e, a join secret from J and T, each its own.
  const [k, j, t] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  assert.is.not(toHex(initSecret(k, r.roomId, 1)), toHex(initSecret(k, r.roomId, 2)));
  assert.is.not(toHex(joinSecret(j, t)), toHex(joinSecret(t, j)));
});

test('rotation: one fresh ephemeral key serves every entry, each entry its own box', async () => {
  const r = await room();
  const roster = await applyEvent(suite, await replayLog(suite, [r.genesis]), r.add);
  const first = await buildRotation(suite, r.owner.sign, roster, 1, randomBytes(32), fixturePsk);
  const second = await buildRotation(suite, r.owner.sign, roster, 2, randomBytes(32), fixturePsk);
  const ephemerals = (rotation: typeof first): string[] => rotation.entries.map((e) => toHex(e.sealedKey.subarray(0, 32)));
  assert.is(new Set(ephemerals(first)).size, 1, 'one ephemeral within a rotation');
  assert.is.not(ephemerals(first)[0], ephemerals(second)[0], 'a new one for the next rotation');
  assert.is.not(toHex(first.entries[0]!.sealedKey), toHex(first.entries[1]!.sealedKey));
  assert.is(toHex(await openRotation(first, r.joiner, ownFixturePsk(r.joiner))), toHex(await openRotation(first, r.owner, ownFixturePsk(r.owner))));
});

// ——— messages ———

test('message: a forged signature is BAD_SIGNATURE', async () => {
  const r = await room();
  const key = messageKeyAt(randomBytes(32), r.roomId, 1, r.joiner.sign.publicKey);
  await expectSottoError(() => openMessage(suite, decodeMessage(flip(r.message.bytes, r.message.bytes.length - 1)), key), 'BAD_SIGNATURE');
  // Another member named as sender: the signature is not theirs.
  const relabeled = r.message.bytes.slice();
  relabeled.set(r.owner.sign.publicKey, 22);
  await expectSottoError(() => openMessage(suite, decodeMessage(relabeled), key), 'BAD_SIGNATURE');
});

test('message: a signature checked ahead is the one openMessage awaits, once; a forged one still fails', async () => {
  const r = await room();
  const key = messageKeyAt(await openRotation(r.rotation, r.owner, ownFixturePsk(r.owner)), r.roomId, 1, r.joiner.sign.publicKey);
  let checks = 0;
  const counting: Suite = { ...suite, verify: (...args) => (checks++, suite.verify(...args)) };
  const record = decodeMessage(r.message.bytes);
  verifyAhead(counting, record);
  verifyAhead(counting, record);
  assert.is(checks, 1, 'one check per record, however often asked');
  assert.equal(await openMessage(counting, record, key), await openMessage(suite, r.message, key));
  assert.is(checks, 1, 'the check started ahead is the one awaited');
  await openMessage(counting, record, key);
  assert.is(checks, 2, 'taken by the first open: a second open checks again');
  const forged = decodeMessage(flip(r.message.bytes, r.message.bytes.length - 1));
  verifyAhead(counting, forged);
  await expectSottoError(() => openMessage(counting, forged, key), 'BAD_SIGNATURE');
});

test('message: the wrong epoch key is TAMPERED', async () => {
  const r = await room();
  await expectSottoError(() => openMessage(suite, r.message, messageKeyAt(randomBytes(32), r.roomId, 1, r.joiner.sign.publicKey)), 'TAMPERED');
});

test('message: per-sender chain verdicts', async () => {
  const r = await room();
  const m = r.message; // counter 1
  assert.equal(checkSenderChain(undefined, m), { kind: 'first' });
  assert.equal(checkSenderChain({ counter: 0, hash: m.prevHash }, m), { kind: 'next' });
  assert.equal(checkSenderChain({ counter: 0, hash: randomBytes(32) }, m), { kind: 'fork' });
  assert.equal(checkSenderChain({ counter: 1, hash: m.prevHash }, m), { kind: 'stale' });
  assert.equal(checkSenderChain({ counter: 5, hash: m.prevHash }, { ...m, counter: 9 }), { kind: 'gap', hole: { from: 6, to: 8 } });
});

test.run();
