// appendEvent: one membership change, checked with the shared roster rules and committed with a
// compare-and-set on the log length. A removal carries the rotation that shuts the removed member
// out, applied in the same transaction; a leave makes the room wait for one.
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { nextRoster, verifyEventSignature } from '../../protocol/membership/roster.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import { loadRoster } from '../room-state.js';
import type { MemberChange, NewRotation } from '../store/store.js';
import { checkRotation } from './rotation.js';

type AppendEvent = Extract<ClientFrame, { type: 'appendEvent' }>;

export async function handleAppendEvent(ctx: RelayContext, session: Requester, f: AppendEvent): Promise<void> {
  const { event, rotation } = f;
  const roomId = event.roomId;
  requireBoundKey(session, roomId, 'member', event.issuer);
  const { room, roster } = await loadRoster(ctx.store, roomId);
  const next = nextRoster(roster, event);
  await verifyEventSignature(ctx.suite, event);
  if (rotation !== undefined && event.kind !== 'remove') throw new SottoError('BAD_ROTATION', 'only a removal carries a rotation');

  let change: MemberChange;
  let storedRotation: NewRotation | undefined;
  switch (event.kind) {
    case 'add': {
      const join = await ctx.store.getJoin(roomId, event.subjectSign);
      if (join === undefined) throw new SottoError('JOIN_NOT_FOUND', 'no pending join for the subject');
      if (!bytesEqual(join.joinerEnc, event.subjectEnc) || !bytesEqual(join.invitePublicKey, event.invitePublicKey!)) {
        throw new SottoError('JOIN_STATE', 'subject keys or invite differ from the pending join');
      }
      if (join.welcome === undefined || join.confirm === undefined) throw new SottoError('JOIN_STATE', 'the join is not confirmed');
      change = { kind: 'add', sign: event.subjectSign, enc: event.subjectEnc, role: event.role, invitePublicKey: join.invitePublicKey };
      break;
    }
    case 'remove':
      if (rotation === undefined) throw new SottoError('BAD_ROTATION', 'a removal must carry the next rotation');
      if (!bytesEqual(rotation.issuer, event.issuer)) throw new SottoError('SENDER_MISMATCH', 'rotation and event issuers differ');
      storedRotation = await checkRotation(ctx, next, room.epoch, rotation);
      change = { kind: 'remove', sign: event.subjectSign };
      break;
    case 'leave':
      change = { kind: 'remove', sign: event.subjectSign };
      break;
    case 'role':
      change = { kind: 'role', sign: event.subjectSign, role: event.role };
      break;
    case 'create':
      throw new SottoError('BAD_EVENT', 'create after genesis'); // nextRoster already refuses this
  }

  await ctx.store.appendEvent({
    roomId,
    expectedLength: roster.length,
    event: event.bytes,
    headHash: next.headHash,
    change,
    ...(storedRotation === undefined ? {} : { rotation: storedRotation }),
    markRotationPending: event.kind === 'leave',
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: next.length }));

  const others = { role: 'member', exceptSession: session.id } as const;
  if (event.kind === 'add') ctx.bus.publish(roomId, { type: 'promote', key: event.subjectSign });
  // The removed or leaving member still hears the event, then loses its bindings everywhere.
  ctx.bus.publish(roomId, { type: 'push', to: others, frames: [encodeRelayFrame({ type: 'event', roomId, event })] });
  if (event.kind === 'remove' || event.kind === 'leave') ctx.bus.publish(roomId, { type: 'unbind', keys: [event.subjectSign] });
  if (rotation !== undefined) {
    ctx.bus.publish(roomId, { type: 'push', to: others, frames: [encodeRelayFrame({ type: 'rotation', roomId, rotation })] });
  }
}
