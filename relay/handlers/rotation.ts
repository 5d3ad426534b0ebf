// rotate: a new epoch key sealed to exactly the current roster, by any current member (protocol 2:
// a member whose epoch has run out must be able to start the next one itself, or the room stalls
// while no admin is online). The same checks run for the rotation an add or a removal carries
// (membership.ts), against the roster after the change.
import { bytesEqual, toHex } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { memberOf, type Roster } from '../../protocol/membership/roster.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { Rotation } from '../../protocol/wire/rotation.js';
import { requireKeyOrRestore } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import { loadRoster } from '../room-state.js';
import type { NewRotation } from '../store/store.js';

type Rotate = Extract<ClientFrame, { type: 'rotate' }>;

/** Checks `rotation` as the next epoch after `currentEpoch` for `roster`; returns what the store keeps. */
export async function checkRotation(ctx: RelayContext, roster: Roster, currentEpoch: number, rotation: Rotation): Promise<NewRotation> {
  if (!bytesEqual(rotation.roomId, roster.roomId)) throw new SottoError('ROOM_MISMATCH', 'rotation for another room');
  if (memberOf(roster, rotation.issuer) === undefined) throw new SottoError('NOT_MEMBER', 'rotation issuer');
  await verifyRecord(ctx.suite, rotation.issuer, 'sigRotation', rotation.signed, rotation.signature, 'rotation');
  if (rotation.epoch !== currentEpoch + 1) throw new SottoError('STALE_EPOCH', `rotation to ${rotation.epoch}, room at ${currentEpoch}`);
  if (rotation.logLength !== roster.length || !bytesEqual(rotation.rosterHash, roster.headHash)) {
    throw new SottoError('BAD_ROTATION', 'rotation names another roster');
  }
  const named = new Set<string>();
  for (const entry of rotation.entries) {
    const key = toHex(entry.member);
    if (named.has(key)) throw new SottoError('BAD_ROTATION', 'a member appears twice');
    if (!roster.members.has(key)) throw new SottoError('BAD_ROTATION', 'an entry is for a non-member');
    named.add(key);
  }
  if (named.size !== roster.members.size) throw new SottoError('BAD_ROTATION', 'a member has no entry');
  return { epoch: rotation.epoch, bytes: rotation.bytes, members: rotation.entries.map((e) => e.member) };
}

export async function handleRotate(ctx: RelayContext, session: Requester, f: Rotate): Promise<void> {
  const rotation = f.rotation;
  requireKeyOrRestore(session, rotation.roomId, rotation.issuer, ctx.restorePoints.get(rotation.roomId) !== undefined);
  const { room, roster } = await loadRoster(ctx.store, rotation.roomId);
  const stored = await checkRotation(ctx, roster, room.epoch, rotation);
  await ctx.store.addRotation(rotation.roomId, roster.length, stored);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: rotation.epoch }));
  ctx.bus.publish(rotation.roomId, {
    type: 'push', to: { role: 'member', exceptSession: session.id }, frames: [encodeRelayFrame({ type: 'rotation', roomId: rotation.roomId, rotation })],
  });
}
