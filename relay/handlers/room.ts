// createRoom: the genesis event must satisfy the membership rules and carry the owner's signature.
// The creator is not bound by this; it authenticates as the owner afterwards like any member.
// Quotas come first (V-115, V-116): a token when the operator requires one, then the address's
// rooms this hour, so a refused request costs no signature check and no store write.
import { SottoError } from '../../protocol/errors.js';
import { nextRoster, verifyEventSignature } from '../../protocol/membership/roster.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { RelayContext, Requester } from '../context.js';
import { quotaReached } from '../quota-refusal.js';
import { checkRoomToken } from '../room-token.js';

type CreateRoom = Extract<ClientFrame, { type: 'createRoom' }>;

async function requireQuota(ctx: RelayContext, session: Requester, f: CreateRoom): Promise<void> {
  const now = ctx.now();
  if (ctx.roomTokenSecret !== undefined) {
    try {
      if (f.roomToken === undefined) throw new SottoError('ROOM_TOKEN_REQUIRED');
      checkRoomToken(ctx.roomTokenSecret, f.roomToken, now);
    } catch (error) {
      quotaReached(ctx, 'room-token');
      throw error;
    }
  }
  if (!(await ctx.roomCreations.take(session.address, now))) {
    quotaReached(ctx, 'room-creation');
    throw new SottoError('ROOM_CREATION_LIMITED', `at most ${ctx.config.roomsPerAddressPerHour} rooms per hour from one address`);
  }
}

export async function handleCreateRoom(ctx: RelayContext, session: Requester, f: CreateRoom): Promise<void> {
  await requireQuota(ctx, session, f);
  const genesis = f.genesis;
  const roster = nextRoster(undefined, genesis);
  await verifyEventSignature(ctx.suite, genesis);
  await ctx.store.createRoom({
    roomId: genesis.roomId,
    owner: genesis.subjectSign,
    ownerEnc: genesis.subjectEnc,
    settings: roster.settings,
    genesis: genesis.bytes,
    headHash: roster.headHash,
    now: ctx.now(),
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
}
