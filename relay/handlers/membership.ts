// appendEvent: one membership change, checked with the shared roster rules and committed with a
// compare-and-set on the log length. Every add and every removal is a commit: the event and the
// rotation that starts the next epoch apply in one transaction, so no key ever reaches a joiner the
// log does not name and no removed member holds a key of the epoch after (docs/protocol.md §8). An
// add also carries the joiner's welcome, stored with it. A leave makes the room wait for a rotation.
// A member's key update is a commit too, its rotation made by the new key (§8.5).
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { removedKeys } from '../../protocol/membership/persons.js';
import { memberOf, nextRoster, verifyEventSignature } from '../../protocol/membership/roster.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireKeyOrRestore } from '../acl.js';
import { Binding } from '../binding.js';
import type { RelayContext, Requester } from '../context.js';
import { loadRoster } from '../room-state.js';
import type { MemberChange, NewRotation } from '../store/store.js';
import { checkRotation } from './rotation.js';

type AppendEvent = Extract<ClientFrame, { type: 'appendEvent' }>;

export async function handleAppendEvent(ctx: RelayContext, session: Requester, f: AppendEvent): Promise<void> {
  const { event, rotation, welcome } = f;
  const roomId = event.roomId;
  const binding = requireKeyOrRestore(session, roomId, event.issuer, ctx.restorePoints.get(roomId) !== undefined);
  const { room, roster } = await loadRoster(ctx.store, roomId);
  const next = nextRoster(roster, event);
  await verifyEventSignature(ctx.suite, event);
  const commits = event.kind === 'add' || event.kind === 'remove' || event.kind === 'update' || event.kind === 'device';
  if (commits !== (rotation !== undefined)) {
    throw new SottoError('BAD_ROTATION', commits ? `an ${event.kind} must carry the next rotation` : `a ${event.kind} carries no rotation`);
  }
  if ((event.kind === 'add') !== (welcome !== undefined)) {
    throw new SottoError('JOIN_STATE', event.kind === 'add' ? 'an add must carry the welcome' : 'only an add carries a welcome');
  }
  let storedRotation: NewRotation | undefined;
  if (rotation !== undefined) {
    // An update's rotation is made by the member's new key: the old one is no member of the roster after.
    const rotationIssuer = event.kind === 'update' ? event.update!.sign : event.issuer;
    if (!bytesEqual(rotation.issuer, rotationIssuer)) throw new SottoError('SENDER_MISMATCH', 'rotation and event issuers differ');
    storedRotation = await checkRotation(ctx, next, room.epoch, rotation);
  }

  let change: MemberChange;
  switch (event.kind) {
    case 'add': {
      const join = await ctx.store.getJoin(roomId, event.subjectSign);
      if (join === undefined) throw new SottoError('JOIN_NOT_FOUND', 'no pending join for the subject');
      if (!bytesEqual(join.joinerEnc, event.subjectEnc) || !bytesEqual(join.invitePublicKey, event.invitePublicKey!)) {
        throw new SottoError('JOIN_STATE', 'subject keys or invite differ from the pending join');
      }
      // Only the invite's issuer holds the token the welcome key comes from, and it must be the
      // one admitting: another admin's add would leave the joiner a welcome it cannot open.
      if (!bytesEqual(join.issuer, event.issuer) || !bytesEqual(welcome!.issuer, event.issuer)) {
        throw new SottoError('JOIN_NOT_FOUND', 'the join is for another issuer');
      }
      if (!bytesEqual(welcome!.joinerSign, event.subjectSign) || !bytesEqual(welcome!.invitePublicKey, join.invitePublicKey)
        || !bytesEqual(welcome!.roomId, roomId)) {
        throw new SottoError('JOIN_STATE', 'the welcome is for another join');
      }
      await verifyRecord(ctx.suite, welcome!.issuer, 'sigWelcome', welcome!.signed, welcome!.signature, 'welcome');
      change = {
        kind: 'add', sign: event.subjectSign, enc: event.subjectEnc, role: event.role, invitePublicKey: join.invitePublicKey, welcome: welcome!.bytes,
      };
      break;
    }
    case 'remove':
    case 'leave':
      // One device, or every device of a person (§8.7, V-142): whom the rules took out.
      change = { kind: 'remove', signs: removedKeys(roster, next) };
      break;
    case 'role':
      change = { kind: 'role', signs: [...next.members.values()].filter((m) => m.addedAt === memberOf(next, event.subjectSign)!.addedAt).map((m) => m.sign), role: event.role };
      break;
    case 'device': {
      const device = memberOf(next, event.subjectSign)!;
      change = { kind: 'device', sign: device.sign, enc: device.enc, role: device.role, addedAt: device.addedAt };
      break;
    }
    case 'history':
      change = { kind: 'history', history: event.history! };
      break;
    case 'update':
      change = { kind: 'update', sign: event.subjectSign, newSign: event.update!.sign, newEnc: event.update!.enc };
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
  // The session proved the old key and the update proves the new one: it goes on as the new key,
  // and every other binding of the old key (a thief's, say) is dropped below (§8.5).
  // Only the member's own session moves to the new key: on a restored relay another member may hand
  // back the update the backup lost (§10.1), and must stay bound as itself.
  if (event.kind === 'update' && binding.isKey(event.subjectSign)) session.bind(roomId, Binding.of(event.update!.sign, 'member'));
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: next.length }));

  const others = { role: 'member', exceptSession: session.id } as const;
  // The joiner's sessions become member sessions first, so the pushes below reach them too.
  if (event.kind === 'add') ctx.bus.publish(roomId, { type: 'promote', key: event.subjectSign });
  // The removed or leaving member still hears the event, then loses its bindings everywhere; the
  // rotation it has no entry in goes out after.
  ctx.bus.publish(roomId, { type: 'push', to: others, frames: [encodeRelayFrame({ type: 'event', roomId, event })] });
  if (event.kind === 'update') ctx.bus.publish(roomId, { type: 'unbind', keys: [event.subjectSign] });
  if (change.kind === 'remove') ctx.bus.publish(roomId, { type: 'unbind', keys: change.signs });
  if (rotation !== undefined) {
    ctx.bus.publish(roomId, { type: 'push', to: others, frames: [encodeRelayFrame({ type: 'rotation', roomId, rotation })] });
  }
  if (welcome !== undefined) {
    ctx.bus.publish(roomId, {
      type: 'push', to: { role: 'member', key: welcome.joinerSign }, frames: [encodeRelayFrame({ type: 'welcomeReady', roomId, welcome })],
    });
  }
}
