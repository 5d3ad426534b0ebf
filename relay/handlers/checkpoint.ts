// checkpoint: the owner stores a signed snapshot of the roster at the log head, which joiners start
// from instead of the genesis (docs/protocol.md §8.4). The relay holds the roster only for the head,
// so it takes a checkpoint of the head alone, and only one that states exactly that roster: it never
// hands a joiner a checkpoint its own members table contradicts.
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { requireSameRoster } from '../../protocol/membership/checkpoint.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import { loadRoster } from '../room-state.js';

type CheckpointFrame = Extract<ClientFrame, { type: 'checkpoint' }>;

export async function handleCheckpoint(ctx: RelayContext, session: Requester, f: CheckpointFrame): Promise<void> {
  const { checkpoint } = f;
  const roomId = checkpoint.roomId;
  requireBoundKey(session, roomId, 'member', checkpoint.issuer);
  const { roster } = await loadRoster(ctx.store, roomId);
  // Owner only: the owner key in the invite link is all a joiner can check it against (V-46).
  if (!bytesEqual(checkpoint.issuer, roster.owner)) throw new SottoError('NOT_OWNER', 'only the owner makes checkpoints');
  await verifyRecord(ctx.suite, checkpoint.issuer, 'sigCheckpoint', checkpoint.signed, checkpoint.signature, 'checkpoint');
  if (checkpoint.logLength !== roster.length || !bytesEqual(checkpoint.headHash, roster.headHash)) {
    throw new SottoError('BAD_CHAIN', `checkpoint of log length ${checkpoint.logLength}, log at ${roster.length}`);
  }
  requireSameRoster(checkpoint, roster);
  // A compare-and-set on the log length: an event appended since loadRoster makes this BAD_CHAIN.
  await ctx.store.putCheckpoint(roomId, { logLength: checkpoint.logLength, bytes: checkpoint.bytes });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: checkpoint.logLength }));
}
