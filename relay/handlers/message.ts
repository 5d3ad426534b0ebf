// send: the hot path. The relay checks who may send, not what was sent: message signatures are the
// recipients' to verify. The ack carries the seq and goes out only after the commit.
import { bytesEqual } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { encodeDeliver, encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBinding } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';

type Send = Extract<ClientFrame, { type: 'send' }>;

export async function handleSend(ctx: RelayContext, session: Requester, f: Send): Promise<void> {
  const message = f.message;
  const binding = requireBinding(session, message.roomId, 'member');
  if (!bytesEqual(binding.sign, message.sender)) throw new SottoError('SENDER_MISMATCH');
  const seq = await ctx.store.appendMessage(message.roomId, message.epoch, message.bytes, ctx.now());
  ctx.metrics.messagesIn++;
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: seq }));
  ctx.bus.publish(message.roomId, {
    type: 'push', to: { role: 'member', exceptSession: session.id }, frames: [encodeDeliver(message.roomId, seq, message.bytes)],
  });
}
