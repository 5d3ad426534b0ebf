// Checkpoints as rosters (protocol/membership/checkpoint.ts): the joiner's trust in one comes only
// from the owner key its link names (V-39), and the rules continue from it as from any roster.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { createInvite, verifyInviteInfo } from '../../../protocol/client/invite.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { buildCheckpoint, requireSameRoster, rosterFromCheckpoint } from '../../../protocol/membership/checkpoint.js';
import { applyEvent, type Roster } from '../../../protocol/membership/roster.js';
import { decodeCheckpoint } from '../../../protocol/wire/checkpoint.js';
import { parseInviteLink } from '../../../protocol/wire/invite.js';
import type { MemberEvent } from '../../../protocol/wire/membership.js';
import { expectSottoError } from '../crypto/expect-error.js';

const suite = nobleSuite;

interface World {
  readonly owner: MemberKeys;
  readonly admin: MemberKeys;
  readonly events: MemberEvent[];
  readonly rosters: Roster[];
}

/** Genesis, an admin added, then its role flipped `flips` times: rosters[n - 1] is at length n. */
async function world(flips: number): Promise<World> {
  const [owner, admin] = await Promise.all([generateMemberKeys(suite), generateMemberKeys(suite)]);
  const events = [await genesisEvent(owner.sign, owner.enc.publicKey, randomBytes(16), undefined)];
  const rosters = [await applyEvent(suite, undefined, events[0]!)];
  const step = async (event: MemberEvent): Promise<void> => {
    events.push(event);
    rosters.push(await applyEvent(suite, rosters[rosters.length - 1], event));
  };
  const subject = { subjectSign: admin.sign.publicKey, subjectEnc: admin.enc.publicKey };
  await step(await nextEvent(owner.sign, rosters[0]!, { kind: 'add', ...subject, role: 'admin', invitePublicKey: randomBytes(32) }));
  for (let i = 0; i < flips; i++) {
    await step(await nextEvent(owner.sign, rosters[rosters.length - 1]!, { kind: 'role', ...subject, role: i % 2 === 0 ? 'member' : 'admin' }));
  }
  return { owner, admin, events, rosters };
}

test('checkpoint: a roster round-trips through its checkpoint and the rules continue from it', async () => {
  const w = await world(3);
  const at = w.rosters[2]!;
  const roster = rosterFromCheckpoint(await buildCheckpoint(w.owner.sign, at));
  assert.equal(roster, at);
  requireSameRoster(await buildCheckpoint(w.owner.sign, at), at);
  let next = roster;
  for (const event of w.events.slice(3)) next = await applyEvent(suite, next, event);
  assert.equal(next, w.rosters[w.rosters.length - 1]);
});

test('checkpoint: the joiner accepts only the link owner’s checkpoint and a tail that extends it', async () => {
  const w = await world(4);
  const head = w.rosters[w.rosters.length - 1]!;
  const created = await createInvite(suite, w.owner.sign, head, Date.now() + 3600_000);
  const link = parseInviteLink(`https://sotto.example/#/join/${created.linkPayload}`);
  const at = 3;
  const checkpoint = await buildCheckpoint(w.owner.sign, w.rosters[at - 1]!);
  const tail = w.events.slice(at);
  const verified = await verifyInviteInfo(suite, link, created.invite, checkpoint, tail);
  assert.equal(verified.roster, head);

  // Signed by the admin (a member the relay could pick): not the link's owner.
  const byAdmin = await buildCheckpoint(w.admin.sign, w.rosters[at - 1]!);
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, byAdmin, tail), 'BAD_CHAIN');
  // A relay's own owner: the roster it states names another owner than the link.
  const stranger = await generateMemberKeys(suite);
  const members = [...w.rosters[at - 1]!.members.values()].map((m) => (m.role === 'owner' ? { ...m, sign: stranger.sign.publicKey } : m));
  const theirs = await buildCheckpoint(stranger.sign, { ...w.rosters[at - 1]!, members: new Map(members.map((m) => [toHex(m.sign), m])) });
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, theirs, tail), 'BAD_CHAIN');
  // The owner's checkpoint with its signature altered.
  const forged = checkpoint.bytes.slice();
  forged[forged.length - 1]! ^= 1;
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, decodeCheckpoint(forged), tail), 'BAD_SIGNATURE');
  // For another room.
  const elsewhere = await buildCheckpoint(w.owner.sign, { ...w.rosters[at - 1]!, roomId: randomBytes(16) });
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, elsewhere, tail), 'ROOM_MISMATCH');
  // A tail that does not start where the checkpoint ends, or skips an event.
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, checkpoint, w.events.slice(at + 1)), 'BAD_CHAIN');
  await expectSottoError(() => verifyInviteInfo(suite, link, created.invite, checkpoint, w.events.slice(at - 1)), 'BAD_CHAIN');
});

test('checkpoint: the relay’s comparison refuses any other settings, key, role or addedAt', async () => {
  const w = await world(1);
  const roster = w.rosters[w.rosters.length - 1]!;
  const other = await world(1);
  for (const changed of [
    { ...roster, settings: { ...roster.settings, rotateEveryMessages: roster.settings.rotateEveryMessages + 1 } },
    other.rosters[other.rosters.length - 1]!,
    w.rosters[1]!, // the admin's role before the flip
  ]) {
    await expectSottoError(async () => requireSameRoster(await buildCheckpoint(w.owner.sign, changed), roster), 'BAD_CHECKPOINT');
  }
});

test.run();
