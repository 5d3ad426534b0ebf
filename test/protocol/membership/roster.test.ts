// The membership-log rules (protocol/membership/roster.ts), used by the relay and every client: one
// named negative test per rule. docs/protocol.md §11 cites these names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { genesisEvent, nextEvent, signEvent, updateEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { applyEvent, eventHash, memberOf, nextRoster, replayLog, ZERO_HASH, type Roster } from '../../../protocol/membership/roster.js';
import { decodeMemberEvent, keyUpdateProofBytes, type MemberEvent, type Role } from '../../../protocol/wire/membership.js';
import { labeled } from '../../../protocol/crypto/signing.js';
import { expectSottoError } from '../crypto/expect-error.js';

const suite = nobleSuite;

interface World {
  readonly roomId: Uint8Array;
  readonly owner: MemberKeys;
  readonly admin: MemberKeys;
  readonly admin2: MemberKeys;
  readonly member: MemberKeys;
  readonly outsider: MemberKeys;
  readonly events: MemberEvent[];
  /** owner + admin + admin2 + member */
  readonly roster: Roster;
}

async function add(roster: Roster, issuer: MemberKeys, subject: MemberKeys, role: Role): Promise<MemberEvent> {
  return nextEvent(issuer.sign, roster, {
    kind: 'add', subjectSign: subject.sign.publicKey, subjectEnc: subject.enc.publicKey, role, invitePublicKey: randomBytes(32),
  });
}

async function world(): Promise<World> {
  const roomId = randomBytes(16);
  const [owner, admin, admin2, member, outsider] = await Promise.all([0, 1, 2, 3, 4].map(() => generateMemberKeys(suite)));
  const events: MemberEvent[] = [await genesisEvent(owner!.sign, owner!.enc.publicKey, roomId, undefined)];
  let roster = await applyEvent(suite, undefined, events[0]!);
  for (const [subject, role] of [[admin!, 'admin'], [admin2!, 'admin'], [member!, 'member']] as const) {
    const event = await add(roster, owner!, subject, role);
    events.push(event);
    roster = await applyEvent(suite, roster, event);
  }
  return { roomId, owner: owner!, admin: admin!, admin2: admin2!, member: member!, outsider: outsider!, events, roster };
}

function subjectOf(keys: MemberKeys): { subjectSign: Uint8Array; subjectEnc: Uint8Array } {
  return { subjectSign: keys.sign.publicKey, subjectEnc: keys.enc.publicKey };
}

// ——— positive ———

test('roster: a log of every event kind replays to the expected roster', async () => {
  const w = await world();
  let roster = w.roster;
  const events = [...w.events];
  const step = async (event: MemberEvent): Promise<void> => {
    roster = await applyEvent(suite, roster, event);
    events.push(event);
  };
  await step(await nextEvent(w.owner.sign, roster, { kind: 'role', ...subjectOf(w.member), role: 'admin' }));
  await step(await nextEvent(w.owner.sign, roster, { kind: 'remove', ...subjectOf(w.admin2), role: 'admin' }));
  await step(await nextEvent(w.member.sign, roster, { kind: 'leave', ...subjectOf(w.member), role: 'admin' }));
  await step(await nextEvent(w.admin.sign, roster, { kind: 'add', ...subjectOf(w.outsider), role: 'member', invitePublicKey: randomBytes(32) }));
  const replayed = await replayLog(suite, events, w.owner.sign.publicKey);
  assert.is(replayed.length, 8);
  assert.is(toHex(replayed.headHash), toHex(eventHash(events[7]!)));
  assert.equal([...replayed.members.values()].map((m) => m.role).sort(), ['admin', 'member', 'owner']);
  assert.equal(replayed.settings, { rotateEveryMessages: 100, rotateAfterSeconds: 604800, history: { mode: 'join', count: 0 } });
});

// ——— the chain ———

test('roster: the log must start with create', async () => {
  const w = await world();
  const first = await signEvent(w.owner.sign, {
    roomId: w.roomId, index: 0, prevHash: ZERO_HASH, kind: 'add', time: 0, issuer: w.owner.sign.publicKey, ...subjectOf(w.owner), role: 'owner',
    invitePublicKey: randomBytes(32),
  });
  await expectSottoError(() => nextRoster(undefined, first), 'BAD_CHAIN');
  await expectSottoError(() => replayLog(suite, []), 'BAD_CHAIN');
});

test('roster: create after genesis is refused', async () => {
  const w = await world();
  const again = await nextEvent(w.owner.sign, w.roster, { kind: 'create', ...subjectOf(w.owner), role: 'owner' });
  await expectSottoError(() => nextRoster(w.roster, again), 'BAD_EVENT');
});

test('roster: genesis not signed by its owner subject is refused', async () => {
  const w = await world();
  const genesis = await signEvent(w.admin.sign, {
    roomId: w.roomId, index: 0, prevHash: ZERO_HASH, kind: 'create', time: 0, issuer: w.admin.sign.publicKey, ...subjectOf(w.owner), role: 'owner',
  });
  await expectSottoError(() => nextRoster(undefined, genesis), 'BAD_EVENT');
  const notOwner = await signEvent(w.owner.sign, {
    roomId: w.roomId, index: 0, prevHash: ZERO_HASH, kind: 'create', time: 0, issuer: w.owner.sign.publicKey, ...subjectOf(w.owner), role: 'admin',
  });
  await expectSottoError(() => nextRoster(undefined, notOwner), 'BAD_EVENT');
  const linked = await signEvent(w.owner.sign, {
    roomId: w.roomId, index: 0, prevHash: randomBytes(32), kind: 'create', time: 0, issuer: w.owner.sign.publicKey, ...subjectOf(w.owner), role: 'owner',
  });
  await expectSottoError(() => nextRoster(undefined, linked), 'BAD_CHAIN');
});

test('roster: prevHash mismatch', async () => {
  const w = await world();
  const event = await signEvent(w.owner.sign, {
    roomId: w.roomId, index: w.roster.length, prevHash: eventHash(w.events[1]!), kind: 'add', time: 0, issuer: w.owner.sign.publicKey,
    ...subjectOf(w.outsider), role: 'member', invitePublicKey: randomBytes(32),
  });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_CHAIN');
});

test('roster: index gap', async () => {
  const w = await world();
  for (const index of [w.roster.length + 1, w.roster.length - 1]) {
    const event = await signEvent(w.owner.sign, {
      roomId: w.roomId, index, prevHash: w.roster.headHash, kind: 'add', time: 0, issuer: w.owner.sign.publicKey,
      ...subjectOf(w.outsider), role: 'member', invitePublicKey: randomBytes(32),
    });
    await expectSottoError(() => nextRoster(w.roster, event), 'BAD_CHAIN');
  }
});

test('roster: event for another room', async () => {
  const w = await world();
  const event = await signEvent(w.owner.sign, {
    roomId: randomBytes(16), index: w.roster.length, prevHash: w.roster.headHash, kind: 'add', time: 0, issuer: w.owner.sign.publicKey,
    ...subjectOf(w.outsider), role: 'member', invitePublicKey: randomBytes(32),
  });
  await expectSottoError(() => nextRoster(w.roster, event), 'ROOM_MISMATCH');
});

test('roster: bad signature', async () => {
  const w = await world();
  const event = await add(w.roster, w.owner, w.outsider, 'member');
  const forged = event.bytes.slice();
  forged[forged.length - 1]! ^= 1;
  await expectSottoError(() => applyEvent(suite, w.roster, decodeMemberEvent(forged)), 'BAD_SIGNATURE');
  // Signed by someone other than the named issuer.
  const impostor = await signEvent(w.member.sign, {
    roomId: w.roomId, index: w.roster.length, prevHash: w.roster.headHash, kind: 'add', time: 0, issuer: w.owner.sign.publicKey,
    ...subjectOf(w.outsider), role: 'member', invitePublicKey: randomBytes(32),
  });
  await expectSottoError(() => applyEvent(suite, w.roster, impostor), 'BAD_SIGNATURE');
});

test('roster: log rooted in another owner', async () => {
  const w = await world();
  await expectSottoError(() => replayLog(suite, w.events, w.member.sign.publicKey), 'BAD_CHAIN');
  const roster = await replayLog(suite, w.events, w.owner.sign.publicKey);
  assert.is(roster.length, w.events.length);
});

test('roster: issuer who is not a member', async () => {
  const w = await world();
  const event = await add(w.roster, w.outsider, w.outsider, 'member');
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_MEMBER');
});

// ——— add ———

test('roster: non-admin cannot add', async () => {
  const w = await world();
  await expectSottoError(async () => nextRoster(w.roster, await add(w.roster, w.member, w.outsider, 'member')), 'NOT_ADMIN');
});

test('roster: admin adds admin', async () => {
  const w = await world();
  await expectSottoError(async () => nextRoster(w.roster, await add(w.roster, w.admin, w.outsider, 'admin')), 'NOT_OWNER');
  // An admin may add a plain member.
  assert.is(nextRoster(w.roster, await add(w.roster, w.admin, w.outsider, 'member')).members.size, 5);
});

test('roster: add existing member', async () => {
  const w = await world();
  await expectSottoError(async () => nextRoster(w.roster, await add(w.roster, w.owner, w.member, 'member')), 'BAD_EVENT');
});

test('roster: add a second owner', async () => {
  const w = await world();
  await expectSottoError(async () => nextRoster(w.roster, await add(w.roster, w.owner, w.outsider, 'owner')), 'BAD_EVENT');
});

test('roster: add reusing a member’s encryption key', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, {
    kind: 'add', subjectSign: w.outsider.sign.publicKey, subjectEnc: w.member.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32),
  });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
});

// ——— remove ———

test('roster: remove owner', async () => {
  const w = await world();
  const event = await nextEvent(w.admin.sign, w.roster, { kind: 'remove', ...subjectOf(w.owner), role: 'owner' });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
  const self = await nextEvent(w.owner.sign, w.roster, { kind: 'remove', ...subjectOf(w.owner), role: 'owner' });
  await expectSottoError(() => nextRoster(w.roster, self), 'BAD_EVENT');
});

test('roster: admin removes admin', async () => {
  const w = await world();
  const event = await nextEvent(w.admin.sign, w.roster, { kind: 'remove', ...subjectOf(w.admin2), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_OWNER');
});

test('roster: non-admin cannot remove', async () => {
  const w = await world();
  const event = await nextEvent(w.member.sign, w.roster, { kind: 'remove', ...subjectOf(w.admin), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_ADMIN');
});

test('roster: remove a non-member', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, { kind: 'remove', ...subjectOf(w.outsider), role: 'member' });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_MEMBER');
});

test('roster: subject encryption key differs from the member’s', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, {
    kind: 'remove', subjectSign: w.member.sign.publicKey, subjectEnc: w.outsider.enc.publicKey, role: 'member',
  });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
});

test('roster: remove or leave naming another role than the subject holds', async () => {
  const w = await world();
  const remove = await nextEvent(w.owner.sign, w.roster, { kind: 'remove', ...subjectOf(w.member), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, remove), 'BAD_EVENT');
  const leave = await nextEvent(w.member.sign, w.roster, { kind: 'leave', ...subjectOf(w.member), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, leave), 'BAD_EVENT');
});

// ——— leave ———

test('roster: leave signed by another', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, { kind: 'leave', ...subjectOf(w.member), role: 'member' });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
});

test('roster: owner cannot leave', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, { kind: 'leave', ...subjectOf(w.owner), role: 'owner' });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
});

// ——— role ———

test('roster: role change by admin', async () => {
  const w = await world();
  const event = await nextEvent(w.admin.sign, w.roster, { kind: 'role', ...subjectOf(w.member), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_OWNER');
});

test('roster: role change to or from owner', async () => {
  const w = await world();
  const promote = await nextEvent(w.owner.sign, w.roster, { kind: 'role', ...subjectOf(w.admin), role: 'owner' });
  await expectSottoError(() => nextRoster(w.roster, promote), 'BAD_EVENT');
  const demote = await nextEvent(w.owner.sign, w.roster, { kind: 'role', ...subjectOf(w.owner), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, demote), 'BAD_EVENT');
});

test('roster: role change of a non-member', async () => {
  const w = await world();
  const event = await nextEvent(w.owner.sign, w.roster, { kind: 'role', ...subjectOf(w.outsider), role: 'admin' });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_MEMBER');
});

// ——— history setting (§8.6) ———

test('V-93: a history event is an owner’s or admin’s statement about itself, with a setting in range; it changes the roster’s setting', async () => {
  const w = await world();
  const history = { mode: 'last', count: 50 } as const;
  const byAdmin = await nextEvent(w.admin.sign, w.roster, { kind: 'history', ...subjectOf(w.admin), role: 'admin', history });
  const after = nextRoster(w.roster, byAdmin);
  assert.equal(after.settings.history, history);
  assert.equal(after.members, w.roster.members);
  assert.equal(decodeMemberEvent(byAdmin.bytes).history, history);
  const byMember = await nextEvent(w.member.sign, w.roster, { kind: 'history', ...subjectOf(w.member), role: 'member', history });
  await expectSottoError(() => nextRoster(w.roster, byMember), 'NOT_ADMIN');
  const aboutAnother = await nextEvent(w.admin.sign, w.roster, { kind: 'history', ...subjectOf(w.member), role: 'member', history });
  await expectSottoError(() => nextRoster(w.roster, aboutAnother), 'BAD_EVENT');
  const wrongRole = await nextEvent(w.admin.sign, w.roster, { kind: 'history', ...subjectOf(w.admin), role: 'owner', history });
  await expectSottoError(() => nextRoster(w.roster, wrongRole), 'BAD_EVENT');
  for (const bad of [{ mode: 'last', count: 0 }, { mode: 'last', count: 10_001 }, { mode: 'all', count: 5 }, { mode: 'join', count: 1 }] as const) {
    await expectSottoError(() => nextEvent(w.owner.sign, w.roster, { kind: 'history', ...subjectOf(w.owner), role: 'owner', history: bad }), 'BAD_VALUE');
  }
  // A genesis from before the setting (two rotation limits only) reads as the default.
  const legacy = encodeLegacyGenesis(w.events[0]!);
  assert.equal(decodeMemberEvent(legacy).settings!.history, { mode: 'join', count: 0 });
});

/** The genesis with its create body cut back to the two rotation limits, signature bytes kept as they are. */
function encodeLegacyGenesis(genesis: MemberEvent): Uint8Array {
  const bodyAt = genesis.signed.length - 2 - 13;
  const out = new Uint8Array(genesis.bytes.length - 5);
  out.set(genesis.bytes.subarray(0, bodyAt));
  new DataView(out.buffer).setUint16(bodyAt, 8);
  out.set(genesis.bytes.subarray(bodyAt + 2, bodyAt + 2 + 8), bodyAt + 2);
  out.set(genesis.signature, bodyAt + 10);
  return out;
}

// ——— key updates (§8.5) ———

test('roster: a key update re-keys the member, keeping its role and admission; the old key is out', async () => {
  const w = await world();
  const next = await generateMemberKeys(suite);
  const update = await updateEvent(w.admin.sign, next, w.roster);
  const after = await applyEvent(suite, w.roster, update);
  assert.is(memberOf(after, w.admin.sign.publicKey), undefined);
  const rekeyed = memberOf(after, next.sign.publicKey)!;
  assert.equal({ role: rekeyed.role, addedAt: rekeyed.addedAt }, { role: 'admin', addedAt: memberOf(w.roster, w.admin.sign.publicKey)!.addedAt });
  assert.is(toHex(rekeyed.enc), toHex(next.enc.publicKey));
  assert.is(after.members.size, w.roster.members.size);
  // Anything the old key signs after its update is a non-member's.
  const late = await nextEvent(w.admin.sign, after, { kind: 'remove', ...subjectOf(w.member), role: 'member' });
  await expectSottoError(() => nextRoster(after, late), 'NOT_MEMBER');
});

test('roster: the owner’s key update moves the owner; the log stays rooted in each owner key it had', async () => {
  const w = await world();
  const next = await generateMemberKeys(suite);
  const update = await updateEvent(w.owner.sign, next, w.roster);
  const events = [...w.events, update];
  const after = await replayLog(suite, events, w.owner.sign.publicKey);
  assert.is(toHex(after.owner), toHex(next.sign.publicKey));
  await replayLog(suite, events, next.sign.publicKey);
  await expectSottoError(() => replayLog(suite, events, w.outsider.sign.publicKey), 'BAD_CHAIN');
});

test('roster: an update signed by another member than its subject', async () => {
  const w = await world();
  const next = await generateMemberKeys(suite);
  const proof = await next.sign.sign(labeled('sigKeyUpdate', keyUpdateProofBytes(w.roomId, w.roster.length, w.roster.headHash, w.member.sign.publicKey, next.sign.publicKey, next.enc.publicKey)));
  const event = await nextEvent(w.owner.sign, w.roster, {
    kind: 'update', ...subjectOf(w.member), role: 'member', update: { sign: next.sign.publicKey, enc: next.enc.publicKey, proof },
  });
  await expectSottoError(() => nextRoster(w.roster, event), 'BAD_EVENT');
});

test('roster: an update to keys already in the room', async () => {
  const w = await world();
  const fresh = await generateMemberKeys(suite);
  const signTaken = await updateEvent(w.member.sign, { ...fresh, sign: w.admin.sign }, w.roster);
  await expectSottoError(() => nextRoster(w.roster, signTaken), 'BAD_EVENT');
  const same = await updateEvent(w.member.sign, { ...fresh, sign: w.member.sign }, w.roster);
  await expectSottoError(() => nextRoster(w.roster, same), 'BAD_EVENT');
  const encTaken = await updateEvent(w.member.sign, { ...fresh, enc: w.admin.enc }, w.roster);
  await expectSottoError(() => nextRoster(w.roster, encTaken), 'BAD_EVENT');
});

test('roster: an update naming another role than its subject holds', async () => {
  const w = await world();
  const update = await updateEvent(w.member.sign, await generateMemberKeys(suite), w.roster);
  const wrongRole = await nextEvent(w.member.sign, w.roster, { kind: 'update', ...subjectOf(w.member), role: 'admin', update: update.update! });
  await expectSottoError(() => nextRoster(w.roster, wrongRole), 'BAD_EVENT');
});

test('roster: an update whose new key did not prove it for this position', async () => {
  const w = await world();
  const next = await generateMemberKeys(suite);
  const other = await generateMemberKeys(suite);
  const good = await updateEvent(w.member.sign, next, w.roster);
  // Proof by another key than the one named.
  const foreign = await updateEvent(w.member.sign, { ...next, sign: other.sign }, w.roster);
  const unproven = await nextEvent(w.member.sign, w.roster, { kind: 'update', ...subjectOf(w.member), role: 'member', update: { ...foreign.update!, sign: next.sign.publicKey } });
  await expectSottoError(() => applyEvent(suite, w.roster, unproven), 'BAD_SIGNATURE');
  // A proof made for another log position, replayed here.
  const moved = await applyEvent(suite, w.roster, await nextEvent(w.owner.sign, w.roster, { kind: 'role', ...subjectOf(w.admin2), role: 'member' }));
  const replayed = await nextEvent(w.member.sign, moved, { kind: 'update', ...subjectOf(w.member), role: 'member', update: good.update! });
  await expectSottoError(() => applyEvent(suite, moved, replayed), 'BAD_SIGNATURE');
});

test('roster: an update of a non-member', async () => {
  const w = await world();
  const event = await updateEvent(w.outsider.sign, await generateMemberKeys(suite), { ...w.roster, members: new Map([...w.roster.members, [toHex(w.outsider.sign.publicKey), { sign: w.outsider.sign.publicKey, enc: w.outsider.enc.publicKey, role: 'member', addedAt: 1 }]]) });
  await expectSottoError(() => nextRoster(w.roster, event), 'NOT_MEMBER');
});

test.run();
