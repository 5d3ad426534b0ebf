// The join exchange (docs/protocol.md §8): joinRequest (unauthenticated, proven with the
// invite key), welcome (issuer → joiner) and joinConfirm (joiner → issuer). The relay checks each
// step's signer and state, stores it, and pushes it to the other side's bound sessions.
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { labeled, verifyRecord } from '../../protocol/crypto/signing.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import type { PendingJoin } from '../store/store.js';
import { requireUsable } from './invite.js';

type JoinRequestFrame = Extract<ClientFrame, { type: 'joinRequest' }>;
type WelcomeFrame = Extract<ClientFrame, { type: 'welcome' }>;
type JoinConfirmFrame = Extract<ClientFrame, { type: 'joinConfirm' }>;

export async function handleJoinRequest(ctx: RelayContext, session: Requester, f: JoinRequestFrame): Promise<void> {
  const request = f.request;
  const now = ctx.now();
  // Lockouts come first and hold even for a correct proof, so guessing gains nothing while locked.
  if (await ctx.addressLockout.isLocked(session.address, now)) throw new SottoError('INVITE_LOCKED');
  const found = await ctx.store.getInvite(request.roomId, request.invitePublicKey);
  if (found !== undefined && found.lockedUntil > now) throw new SottoError('INVITE_LOCKED');
  const invite = await requireUsable(ctx, request.roomId, found);
  const proof = labeled('sigJoinRequest', request.signed);
  if (!(await ctx.suite.verify(request.invitePublicKey, proof, request.inviteSignature))) {
    await ctx.addressLockout.recordFailure(session.address, now);
    await ctx.store.recordInviteFailure(request.roomId, request.invitePublicKey, {
      now, maxFailures: ctx.config.inviteMaxFailures, lockoutMs: ctx.config.inviteLockoutSeconds * 1000,
    });
    throw new SottoError('BAD_INVITE_PROOF');
  }
  await verifyRecord(ctx.suite, request.joinerSign, 'sigJoinRequest', request.signed, request.joinerSignature, 'join request');
  if ((await ctx.store.getMember(request.roomId, request.joinerSign)) !== undefined) {
    throw new SottoError('BAD_EVENT', 'joiner key is already a member');
  }
  await ctx.store.claimInvite({
    roomId: request.roomId, invitePublicKey: request.invitePublicKey, joinerSign: request.joinerSign,
    joinerEnc: request.joinerEnc, request: request.bytes, now,
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  ctx.bus.publish(request.roomId, {
    type: 'push', to: { role: 'member', key: invite.issuer }, frames: [encodeRelayFrame({ type: 'joinPending', roomId: request.roomId, request })],
  });
}

export async function handleWelcome(ctx: RelayContext, session: Requester, f: WelcomeFrame): Promise<void> {
  const welcome = f.welcome;
  requireBoundKey(session, welcome.roomId, 'member', welcome.issuer);
  const join = await findJoin(ctx, welcome.roomId, welcome.joinerSign, welcome.invitePublicKey);
  // Only the invite's issuer holds the token the welcome key is derived from.
  if (!bytesEqual(join.issuer, welcome.issuer)) throw new SottoError('JOIN_NOT_FOUND', 'the join is for another issuer');
  await verifyRecord(ctx.suite, welcome.issuer, 'sigWelcome', welcome.signed, welcome.signature, 'welcome');
  await ctx.store.putJoinStep(welcome.roomId, welcome.invitePublicKey, welcome.joinerSign, 'welcome', welcome.bytes);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  ctx.bus.publish(welcome.roomId, {
    type: 'push', to: { role: 'joiner', key: welcome.joinerSign }, frames: [encodeRelayFrame({ type: 'welcomeReady', roomId: welcome.roomId, welcome })],
  });
}

export async function handleJoinConfirm(ctx: RelayContext, session: Requester, f: JoinConfirmFrame): Promise<void> {
  const confirm = f.confirm;
  requireBoundKey(session, confirm.roomId, 'joiner', confirm.joinerSign);
  const join = await findJoin(ctx, confirm.roomId, confirm.joinerSign, confirm.invitePublicKey);
  await verifyRecord(ctx.suite, confirm.joinerSign, 'sigJoinConfirm', confirm.signed, confirm.signature, 'join confirm');
  await ctx.store.putJoinStep(confirm.roomId, confirm.invitePublicKey, confirm.joinerSign, 'confirm', confirm.bytes);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  ctx.bus.publish(confirm.roomId, {
    type: 'push', to: { role: 'member', key: join.issuer }, frames: [encodeRelayFrame({ type: 'joinConfirmed', roomId: confirm.roomId, confirm })],
  });
}

async function findJoin(ctx: RelayContext, roomId: Uint8Array, joinerSign: Uint8Array, invitePublicKey: Uint8Array): Promise<PendingJoin> {
  const join = await ctx.store.getJoin(roomId, joinerSign);
  if (join === undefined || !bytesEqual(join.invitePublicKey, invitePublicKey)) throw new SottoError('JOIN_NOT_FOUND');
  return join;
}
