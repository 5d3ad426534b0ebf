// A person's devices in the membership log (docs/protocol.md §8.7, V-140, V-142): a `device` event
// admits new keys as a device of its signer's person; a sibling removes one device, an admin of
// another person removes them all. Written before the rules: on the old code a `device` event was
// BAD_VALUE (unknown kind) and a remove took exactly its subject, so every test here failed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { devicesOf, MAX_DEVICES_PER_PERSON } from '../../../protocol/membership/persons.js';
import { applyEvent, memberOf, type Roster } from '../../../protocol/membership/roster.js';
import type { EventKind, Role } from '../../../protocol/wire/membership.js';
import { expectSottoError } from '../crypto/expect-error.js';

const suite = nobleSuite;

interface Room {
  readonly owner: MemberKeys;
  readonly admin: MemberKeys;
  readonly alice: MemberKeys;
  readonly bob: MemberKeys;
  roster: Roster;
}

function keys(): Promise<MemberKeys> {
  return generateMemberKeys(suite);
}

function step(roster: Roster, issuer: MemberKeys, kind: EventKind, subject: MemberKeys, role: Role): Promise<Roster> {
  return nextEvent(issuer.sign, roster, {
    kind, subjectSign: subject.sign.publicKey, subjectEnc: subject.enc.publicKey, role,
    ...(kind === 'add' ? { invitePublicKey: randomBytes(32) } : {}),
  }).then((event) => applyEvent(suite, roster, event));
}

/** owner, an admin, and two members, Alice and Bob, each with one device. */
async function room(): Promise<Room> {
  const [owner, admin, alice, bob] = await Promise.all([keys(), keys(), keys(), keys()]);
  let roster = await applyEvent(suite, undefined, await genesisEvent(owner.sign, owner.enc.publicKey, randomBytes(16), undefined));
  roster = await step(roster, owner, 'add', admin, 'admin');
  roster = await step(roster, owner, 'add', alice, 'member');
  roster = await step(roster, owner, 'add', bob, 'member');
  return { owner, admin, alice, bob, roster };
}

test('V-140: a device event admits new keys as a device of its signer’s person, with its role and addedAt', async () => {
  const r = await room();
  const phone = await keys();
  const after = await step(r.roster, r.alice, 'device', phone, 'member');
  const alice = memberOf(after, r.alice.sign.publicKey)!;
  const device = memberOf(after, phone.sign.publicKey)!;
  assert.is(device.addedAt, alice.addedAt);
  assert.is(device.role, 'member');
  assert.equal(devicesOf(after, alice.addedAt).map((m) => m.sign), [r.alice.sign.publicKey, phone.sign.publicKey]);
  // The owner's other device is an admin: the owner key stays one key (V-19, the links' anchor).
  const ownerLaptop = await keys();
  await expectSottoError(() => step(r.roster, r.owner, 'device', ownerLaptop, 'owner'), 'BAD_EVENT', 'a second owner key');
  const withLaptop = await step(r.roster, r.owner, 'device', ownerLaptop, 'admin');
  assert.is(memberOf(withLaptop, ownerLaptop.sign.publicKey)!.addedAt, 0);
  assert.equal(withLaptop.owner, r.owner.sign.publicKey);
});

test('V-140: a device event with another role, keys in use, a non-member signer or too many devices is refused', async () => {
  const r = await room();
  const phone = await keys();
  await expectSottoError(() => step(r.roster, r.alice, 'device', phone, 'admin'), 'BAD_EVENT', 'a member’s device as admin');
  await expectSottoError(() => step(r.roster, r.alice, 'device', r.bob, 'member'), 'BAD_EVENT', 'another member’s keys');
  const stranger = await keys();
  await expectSottoError(() => step(r.roster, stranger, 'device', phone, 'member'), 'NOT_MEMBER', 'a non-member links');
  const reusedEnc: MemberKeys = { ...(await keys()), enc: r.bob.enc };
  await expectSottoError(() => step(r.roster, r.alice, 'device', reusedEnc, 'member'), 'BAD_EVENT', 'an encryption key in use');
  let roster = r.roster;
  for (let i = 1; i < MAX_DEVICES_PER_PERSON; i++) roster = await step(roster, r.alice, 'device', await keys(), 'member');
  await expectSottoError(() => step(roster, r.alice, 'device', phone, 'member'), 'BAD_EVENT', 'one device too many');
});

test('V-142: a device removes a sibling, whatever its role, never itself; nobody else’s device that way', async () => {
  const r = await room();
  const phone = await keys();
  const linked = await step(r.roster, r.alice, 'device', phone, 'member');
  const after = await step(linked, phone, 'remove', r.alice, 'member');
  assert.is(memberOf(after, r.alice.sign.publicKey), undefined);
  assert.ok(memberOf(after, phone.sign.publicKey) !== undefined, 'the other device stays');
  assert.ok(memberOf(after, r.bob.sign.publicKey) !== undefined);
  await expectSottoError(() => step(linked, phone, 'remove', phone, 'member'), 'BAD_EVENT', 'a device removing itself');
  await expectSottoError(() => step(linked, phone, 'remove', r.bob, 'member'), 'NOT_ADMIN', 'a member removing another person');
  const laptop = await keys();
  const ownerLinked = await step(r.roster, r.owner, 'device', laptop, 'admin');
  await expectSottoError(() => step(ownerLinked, laptop, 'remove', r.owner, 'owner'), 'BAD_EVENT', 'the owner key removed by its sibling');
  const ownerAlone = await step(ownerLinked, r.owner, 'remove', laptop, 'admin');
  assert.is(memberOf(ownerAlone, laptop.sign.publicKey), undefined);
});

test('V-142: an admin removing a person, a leave and a role change take every device of the person', async () => {
  const r = await room();
  const phone = await keys();
  const linked = await step(r.roster, r.alice, 'device', phone, 'member');
  for (const [issuer, kind] of [[r.admin, 'remove'], [phone, 'leave']] as const) {
    const subject = kind === 'leave' ? phone : r.alice;
    const after = await step(linked, issuer, kind, subject, 'member');
    assert.is(memberOf(after, r.alice.sign.publicKey), undefined, `${kind}: first device`);
    assert.is(memberOf(after, phone.sign.publicKey), undefined, `${kind}: second device`);
    assert.is(after.members.size, 3, `${kind}: owner, admin, Bob`);
  }
  const promoted = await step(linked, r.owner, 'role', phone, 'admin');
  assert.is(memberOf(promoted, r.alice.sign.publicKey)!.role, 'admin');
  assert.is(memberOf(promoted, phone.sign.publicKey)!.role, 'admin');
  // The owner's person is never removed, demoted, nor leaves through a sibling device.
  const laptop = await keys();
  const ownerLinked = await step(r.roster, r.owner, 'device', laptop, 'admin');
  await expectSottoError(() => step(ownerLinked, laptop, 'leave', laptop, 'admin'), 'BAD_EVENT', 'the owner’s sibling leaving');
  await expectSottoError(() => step(ownerLinked, r.owner, 'role', laptop, 'member'), 'BAD_EVENT', 'demoting the owner’s sibling');
});

test.run();
