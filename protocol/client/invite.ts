// Invites: the token T stays in the link; the relay learns only the public half of a key derived
// from it, so it can check possession of T without ever holding T.
import { SottoError } from '../errors.js';
import { bytesEqual, utf8 } from '../bytes.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { signRecord, verifyRecord } from '../crypto/signing.js';
import type { SigningKey, Suite } from '../crypto/suite.js';
import { LABEL } from '../labels.js';
import { concat } from '../bytes.js';
import {
  decodeInvite, encodeInviteHints, encodeInviteLinkPayload, encodeInviteUnsigned, parseInviteLink,
  type Invite, type InviteHints, type InviteLink,
} from '../wire/invite.js';
import type { MemberEvent } from '../wire/membership.js';
import { isAdmin, memberOf, replayLog, type Member, type Roster } from '../membership/roster.js';
import { verifyCheckpoint } from '../membership/checkpoint.js';
import type { Checkpoint } from '../wire/checkpoint.js';

export async function inviteKeyFromToken(suite: Suite, token: Uint8Array, roomId: Uint8Array): Promise<SigningKey> {
  return suite.signingKeyFromSeed(hkdfSha256(token, roomId, utf8(LABEL.inviteKey), 32));
}

/**
 * A link with hints carries T0; the invite's token is T = HKDF(T0, roomId, label ‖ 0x00 ‖ hints)
 * (V-100). Everything after — the invite key, the welcome and confirm keys — uses T, so a hint
 * edited by whoever passed the link on derives another invite key, which the relay does not hold
 * and verifyInviteInfo refuses: the names shown before joining are the inviter's.
 */
export function tokenFromLink(linkToken: Uint8Array, roomId: Uint8Array, hints: InviteHints): Uint8Array {
  return hkdfSha256(linkToken, roomId, concat(utf8(LABEL.inviteToken), new Uint8Array([0]), encodeInviteHints(hints)), 32);
}

/** Parses a link (full URL, fragment or payload) and resolves its token: T, with or without hints. */
export function readInviteLink(text: string): InviteLink {
  const link = parseInviteLink(text);
  if (link.hints === undefined) return link;
  return { ...link, token: tokenFromLink(link.token, link.roomId, link.hints) };
}

export interface CreatedInvite {
  readonly token: Uint8Array;
  readonly invite: Invite;
  /** The fragment payload: `#/join/<payload>`. */
  readonly linkPayload: string;
}

/** `hints` (the room's and the inviter's names) go into the link, bound to its token; without, an 81-byte link. */
export async function createInvite(
  suite: Suite,
  issuer: SigningKey,
  roster: Roster,
  expiresAt: number,
  hints?: InviteHints,
): Promise<CreatedInvite> {
  const linkToken = randomBytes(32);
  const token = hints === undefined ? linkToken : tokenFromLink(linkToken, roster.roomId, hints);
  const inviteKey = await inviteKeyFromToken(suite, token, roster.roomId);
  const unsigned = encodeInviteUnsigned({ roomId: roster.roomId, invitePublicKey: inviteKey.publicKey, issuer: issuer.publicKey, expiresAt });
  const invite = decodeInvite(await signRecord(issuer, 'sigInvite', unsigned));
  const linkPayload = encodeInviteLinkPayload({ roomId: roster.roomId, ownerSign: roster.owner, token: linkToken, hints });
  return { token, invite, linkPayload };
}

/** What the landing page shows before "Join room" (Joiner.preview). */
export interface InvitePreview {
  /** Hex. */
  readonly roomId: string;
  /** From the link's hints, through safeName; undefined for a link without hints. */
  readonly roomName: string | undefined;
  readonly inviterName: string | undefined;
  /** The issuer's key fingerprint, from the signed invite (checked against the owner-rooted log). */
  readonly inviterFingerprint: string;
  readonly inviterRole: 'owner' | 'admin';
  /** From the signed invite, ms. */
  readonly expiresAt: number;
  /** People in the room, each once however many devices they have (§8.7). */
  readonly people: number;
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
