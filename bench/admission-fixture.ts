// A room of n members about to admit one more, built through the protocol's own functions so the
// add-commit and welcome cases time exactly the records a real client would meet: a signed log
// (genesis, then one owner-signed add per member), a live invite and the joiner's join request.
// Platform-neutral like the cases, so the browser page builds it too.
import { genesisEvent, nextEvent } from '../protocol/client/events.js';
import { createInvite, inviteKeyFromToken } from '../protocol/client/invite.js';
import { buildJoinRequest } from '../protocol/client/join.js';
import { generateMemberKeys, type MemberKeys } from '../protocol/client/member-keys.js';
import { randomBytes } from '../protocol/crypto/random.js';
import type { Suite } from '../protocol/crypto/suite.js';
import { memberOf, nextRoster, type Roster } from '../protocol/membership/roster.js';
import type { JoinRequest } from '../protocol/wire/join.js';
import { DEFAULT_SETTINGS, type MemberEvent } from '../protocol/wire/membership.js';
import { SIZE } from '../protocol/wire/types.js';

export interface AdmissionFixture {
  readonly owner: MemberKeys;
  readonly joiner: MemberKeys;
  /** The log as the relay serves it to the joiner: genesis and n − 1 adds. */
  readonly events: readonly MemberEvent[];
  /** The roster after `events`: n members, the owner first. */
  readonly roster: Roster;
  /** A display name per member, as the issuer's client holds them for the welcome. */
  readonly names: ReadonlyMap<string, string>;
  readonly token: Uint8Array;
  readonly request: JoinRequest;
  /** The joiner's secret J, as both ends hold it after the request. */
  readonly joiningKey: Uint8Array;
  /** The owner's init secret of the current epoch: the psk of the current members' entries (§6). */
  readonly initSecret: Uint8Array;
}

/**
 * Built with `suite`: every key the timed steps use belongs to it (a WebCrypto key is not a noble
 * key). Ed25519 signatures are deterministic, so which suite signs the log does not change its bytes.
 */
export async function admissionFixture(suite: Suite, members: number): Promise<AdmissionFixture> {
  const owner = await generateMemberKeys(suite);
  const roomId = randomBytes(SIZE.roomId);
  const events: MemberEvent[] = [await genesisEvent(owner.sign, owner.enc.publicKey, roomId, DEFAULT_SETTINGS)];
  let roster = nextRoster(undefined, events[0]!);
  for (let i = 1; i < members; i++) {
    // Only the public halves of the other members appear in the log; their encryption keys are real
    // X25519 keys so sealing to them is what it is in a room of people.
    const enc = (await suite.agreementKeyFromSecret(randomBytes(32))).publicKey;
    const add = await nextEvent(owner.sign, roster, { kind: 'add', subjectSign: randomBytes(32), subjectEnc: enc, role: 'member', invitePublicKey: randomBytes(32) });
    roster = nextRoster(roster, add);
    events.push(add);
  }
  const names = new Map([...roster.members.keys()].map((sign, i) => [sign, `member ${i}`]));
  const created = await createInvite(suite, owner.sign, roster, Date.now() + 3_600_000);
  const joiner = await generateMemberKeys(suite);
  const verified = { roster, issuer: memberOf(roster, owner.sign.publicKey)!, inviteKey: await inviteKeyFromToken(suite, created.token, roomId), invite: created.invite };
  const { request, joiningKey } = await buildJoinRequest(suite, verified, joiner);
  return { owner, joiner, events, roster, names, token: created.token, request, joiningKey, initSecret: randomBytes(32) };
}
