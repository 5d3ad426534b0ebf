// drop: the author of a deleted message asks the relay to replace its ciphertext by the author's
// signed tombstone (docs/protocol.md §9.1.1, V-153). The relay learns nothing it did not hold: the
// tombstone repeats the stored record's header fields and hash. It takes one only from the session
// bound as the message's sender, checks the signature, and the store checks the tombstone describes
// the stored record exactly, so no member drops another's message and the relay keeps, for every
// member that syncs later, the author's own word for the seq it no longer serves.
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBoundKey } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';

type Drop = Extract<ClientFrame, { type: 'drop' }>;

export async function handleDrop(ctx: RelayContext, session: Requester, f: Drop): Promise<void> {
  const t = f.tombstone;
  const binding = requireBoundKey(session, t.roomId, 'member', t.sender);
  await verifyRecord(ctx.suite, t.sender, 'sigTombstone', t.signed, t.signature, 'tombstone');
  await ctx.store.dropMessage({
    roomId: t.roomId, sender: binding.sign, tombstone: t.bytes, attachmentId: f.attachmentId.some((b) => b !== 0) ? f.attachmentId : undefined,
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
}
