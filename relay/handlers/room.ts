// createRoom: the genesis event must satisfy the membership rules and carry the owner's signature.
// The creator is not bound by this; it authenticates as the owner afterwards like any member.
import { nextRoster, verifyEventSignature } from '../../protocol/membership/roster.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { RelayContext, Requester } from '../context.js';

type CreateRoom = Extract<ClientFrame, { type: 'createRoom' }>;

export async function handleCreateRoom(ctx: RelayContext, session: Requester, f: CreateRoom): Promise<void> {
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
