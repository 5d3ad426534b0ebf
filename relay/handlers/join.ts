// The join exchange (docs/protocol.md §8.2): joinRequest (unauthenticated, proven with the invite
// key), pushed to the invite's issuer; the issuer's add carries the welcome (membership.ts); the
// joiner's joinConfirm says the welcome arrived, so the relay stops pushing it. A join request sent
// again byte for byte after it claimed its invite is answered as the first was (V-110): its answer
// may have been lost with a relay process or a database connection, and the joiner cannot tell.
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { labeled, verifyRecord } from '../../protocol/crypto/signing.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import { requireUsable } from './invite.js';

type JoinRequestFrame = Extract<ClientFrame, { type: 'joinRequest' }>;
type JoinConfirmFrame = Extract<ClientFrame, { type: 'joinConfirm' }>;

export async function handleJoinRequest(ctx: RelayContext, session: Requester, f: JoinRequestFrame): Promise<void> {
  const request = f.request;
  const now = ctx.now();
  const found = await ctx.store.getInvite(request.roomId, request.invitePublicKey);
  // A request repeated byte for byte was proven when it claimed the invite (V-110): no lockout applies.
  if (await answeredAgain(ctx, session, f, found?.claimedBy)) return;
  const invite = await requireUsable(ctx, request.roomId, found);
  const proof = labeled('sigJoinRequest', request.signed);
  if (!(await ctx.suite.verify(request.invitePublicKey, proof, request.inviteSignature))) {
    // Lockouts refuse bad proofs only (V-119). A proof is a signature by the key the link's token
    // derives, so no number of failures brings a forger closer, while a lock that also refused a
    // correct proof let anyone who knew the invite key (or shared the joiner's address) keep the
    // real joiner out. While locked, a failure is refused without being stored again.
    if (invite.lockedUntil > now || (await ctx.addressLockout.isLocked(session.address, now))) throw new SottoError('INVITE_LOCKED');
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

/**
 * V-110: the invite is claimed by this request's joiner key with these very bytes (both signatures
 * were checked when it claimed): ok again, and the issuer is told again while the join waits.
 * Anything else about a claimed invite stays INVITE_USED.
 */
async function answeredAgain(ctx: RelayContext, session: Requester, f: JoinRequestFrame, claimedBy: Uint8Array | undefined): Promise<boolean> {
  const request = f.request;
  if (claimedBy === undefined || !bytesEqual(claimedBy, request.joinerSign)) return false;
  const join = await ctx.store.getJoin(request.roomId, request.joinerSign);
  if (join === undefined || !bytesEqual(join.request, request.bytes)) return false;
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  if (join.welcome === undefined) {
    ctx.bus.publish(request.roomId, {
      type: 'push', to: { role: 'member', key: join.issuer }, frames: [encodeRelayFrame({ type: 'joinPending', roomId: request.roomId, request })],
    });
  }
  return true;
}

export async function handleJoinConfirm(ctx: RelayContext, session: Requester, f: JoinConfirmFrame): Promise<void> {
  const confirm = f.confirm;
  // By now the add has made the joiner a member: the welcome only ever comes with it.
  requireBoundKey(session, confirm.roomId, 'member', confirm.joinerSign);
  const join = await ctx.store.getJoin(confirm.roomId, confirm.joinerSign);
  if (join === undefined || !bytesEqual(join.invitePublicKey, confirm.invitePublicKey)) throw new SottoError('JOIN_NOT_FOUND');
  await verifyRecord(ctx.suite, confirm.joinerSign, 'sigJoinConfirm', confirm.signed, confirm.signature, 'join confirm');
  await ctx.store.confirmJoin(confirm.roomId, confirm.invitePublicKey, confirm.joinerSign, confirm.bytes);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
}
