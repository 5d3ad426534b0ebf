// registerInvite (an owner or admin publishes an invite key) and getInvite (anyone holding the link
// fetches the invite and the membership log it must verify before joining: the room's latest
// checkpoint and the events after it, never more than one frame).
import { SottoError } from '../../protocol/errors.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { decodeInvite } from '../../protocol/wire/invite.js';
import { decodeMemberEvent } from '../../protocol/wire/membership.js';
import { decodeCheckpoint } from '../../protocol/wire/checkpoint.js';
import { LIMIT } from '../../protocol/wire/types.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import type { InviteState } from '../store/store.js';

type RegisterInvite = Extract<ClientFrame, { type: 'registerInvite' }>;
type GetInvite = Extract<ClientFrame, { type: 'getInvite' }>;

const DAY_MS = 24 * 3600 * 1000;

export async function handleRegisterInvite(ctx: RelayContext, session: Requester, f: RegisterInvite): Promise<void> {
  const invite = f.invite;
  requireBoundKey(session, invite.roomId, 'member', invite.issuer);
  await requireIssuerAdmin(ctx, invite.roomId, invite.issuer, 'NOT_ADMIN');
  await verifyRecord(ctx.suite, invite.issuer, 'sigInvite', invite.signed, invite.signature, 'invite');
  const now = ctx.now();
  if (invite.expiresAt <= now) throw new SottoError('INVITE_EXPIRED', 'expiry is in the past');
  if (invite.expiresAt > now + ctx.config.maxInviteLifetimeDays * DAY_MS) {
    throw new SottoError('BAD_VALUE', `invites may last at most ${ctx.config.maxInviteLifetimeDays} days`);
  }
  await ctx.store.putInvite({
    roomId: invite.roomId, invitePublicKey: invite.invitePublicKey, issuer: invite.issuer, expiresAt: invite.expiresAt, bytes: invite.bytes,
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
}

export async function handleGetInvite(ctx: RelayContext, session: Requester, f: GetInvite): Promise<void> {
  const invite = await requireUsable(ctx, f.roomId, await ctx.store.getInvite(f.roomId, f.invitePublicKey));
  const stored = await ctx.store.getCheckpoint(f.roomId);
  // One more than a frame may list, to tell a log that fits from one that does not without reading it all.
  const events = await ctx.store.getEvents(f.roomId, stored?.logLength ?? 0, LIMIT.listItems + 1);
  const tooLong = (): SottoError => new SottoError('LOG_TOO_LONG', stored === undefined
    ? 'the membership log does not fit one frame and the owner has made no checkpoint'
    : `the membership log after the checkpoint at ${stored.logLength} does not fit one frame`);
  if (events.length > LIMIT.listItems) throw tooLong();
  const frame = encodeRelayFrame({
    type: 'inviteInfo', rid: f.rid, invite: decodeInvite(invite.bytes),
    checkpoint: stored === undefined ? undefined : decodeCheckpoint(stored.bytes), events: events.map(decodeMemberEvent),
  });
  // Refused here with a reason rather than as FRAME_TOO_LARGE from the session (V-49).
  if (frame.length > ctx.config.maxFrameBytes) throw tooLong();
  session.send(frame);
}

/** The invite if a join could still use it: it exists, is unexpired and unclaimed, and its issuer may still admit. */
export async function requireUsable(ctx: RelayContext, roomId: Uint8Array, invite: InviteState | undefined): Promise<InviteState> {
  if (invite === undefined) throw new SottoError('INVITE_NOT_FOUND');
  if (invite.expiresAt <= ctx.now()) throw new SottoError('INVITE_EXPIRED');
  if (invite.claimedBy !== undefined) throw new SottoError('INVITE_USED');
  // An issuer who was removed or demoted can no longer admit anyone, so its invites are dead.
  await requireIssuerAdmin(ctx, roomId, invite.issuer, 'INVITE_NOT_FOUND');
  return invite;
}

async function requireIssuerAdmin(ctx: RelayContext, roomId: Uint8Array, issuer: Uint8Array, otherwise: 'NOT_ADMIN' | 'INVITE_NOT_FOUND'): Promise<void> {
  const member = await ctx.store.getMember(roomId, issuer);
  if (member?.role !== 'owner' && member?.role !== 'admin') throw new SottoError(otherwise, 'invite issuer');
}
