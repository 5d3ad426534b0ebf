// Invites: the token T stays in the link; the relay learns only the public half of a key derived
// from it, so it can check possession of T without ever holding T.
import { SottoError } from '../errors.js';
import { bytesEqual, utf8 } from '../bytes.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { signRecord, verifyRecord } from '../crypto/signing.js';
import type { SigningKey, Suite } from '../crypto/suite.js';
import { LABEL } from '../labels.js';
import { decodeInvite, encodeInviteLinkPayload, encodeInviteUnsigned, type Invite, type InviteLink } from '../wire/invite.js';
import type { MemberEvent } from '../wire/membership.js';
import { isAdmin, memberOf, replayLog, type Member, type Roster } from '../membership/roster.js';
import { verifyCheckpoint } from '../membership/checkpoint.js';
import type { Checkpoint } from '../wire/checkpoint.js';

export async function inviteKeyFromToken(suite: Suite, token: Uint8Array, roomId: Uint8Array): Promise<SigningKey> {
  return suite.signingKeyFromSeed(hkdfSha256(token, roomId, utf8(LABEL.inviteKey), 32));
}

export interface CreatedInvite {
  readonly token: Uint8Array;
  readonly invite: Invite;
  /** The fragment payload: `#/join/<payload>`. */
  readonly linkPayload: string;
}

export async function createInvite(
  suite: Suite,
  issuer: SigningKey,
  roster: Roster,
  expiresAt: number,
): Promise<CreatedInvite> {
  const token = randomBytes(32);
  const inviteKey = await inviteKeyFromToken(suite, token, roster.roomId);
  const unsigned = encodeInviteUnsigned({ roomId: roster.roomId, invitePublicKey: inviteKey.publicKey, issuer: issuer.publicKey, expiresAt });
  const invite = decodeInvite(await signRecord(issuer, 'sigInvite', unsigned));
  return { token, invite, linkPayload: encodeInviteLinkPayload({ roomId: roster.roomId, ownerSign: roster.owner, token }) };
}

export interface VerifiedInvite {
  readonly roster: Roster;
  readonly issuer: Member;
  readonly inviteKey: SigningKey;
  readonly invite: Invite;
}

/**
 * The joiner's check of what the relay served for a link: the log must be rooted in the owner key
 * from the link (the trust anchor) — from the genesis, or from a checkpoint that key signed (§8.4) —
 * the invite signed by a current owner/admin, and its key the one derived from the link's token. A
 * relay that substitutes any key fails here.
 */
export async function verifyInviteInfo(
  suite: Suite,
  link: InviteLink,
  invite: Invite,
  checkpoint: Checkpoint | undefined,
  events: readonly MemberEvent[],
  now = Date.now(),
): Promise<VerifiedInvite> {
  if (checkpoint !== undefined && !bytesEqual(checkpoint.roomId, link.roomId)) throw new SottoError('ROOM_MISMATCH', 'checkpoint is for another room');
  const start = checkpoint === undefined ? undefined : await verifyCheckpoint(suite, checkpoint, link.ownerSign);
  const roster = await replayLog(suite, events, link.ownerSign, start);
  if (!bytesEqual(roster.roomId, link.roomId) || !bytesEqual(invite.roomId, link.roomId)) {
    throw new SottoError('ROOM_MISMATCH', 'invite info is for another room');
  }
  const inviteKey = await inviteKeyFromToken(suite, link.token, link.roomId);
  if (!bytesEqual(inviteKey.publicKey, invite.invitePublicKey)) throw new SottoError('BAD_INVITE_PROOF', 'invite key differs from the link');
  if (!isAdmin(roster, invite.issuer)) throw new SottoError('NOT_ADMIN', 'invite issuer');
  await verifyRecord(suite, invite.issuer, 'sigInvite', invite.signed, invite.signature, 'invite');
  if (invite.expiresAt <= now) throw new SottoError('INVITE_EXPIRED');
  return { roster, issuer: memberOf(roster, invite.issuer)!, inviteKey, invite };
}
