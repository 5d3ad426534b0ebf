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
  const { seq, duplicate } = await ctx.store.appendMessage({
    roomId: message.roomId, epoch: message.epoch, sender: message.sender, counter: message.counter, bytes: message.bytes, now: ctx.now(),
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: seq }));
  // A resend after a lost ack is pushed again: the process that committed it may have died before
  // its push went out (scale-out), and clients drop a record they already hold at that seq.
  if (!duplicate) ctx.metrics.messagesIn++;
  ctx.bus.publish(message.roomId, {
    type: 'push', to: { role: 'member', exceptSession: session.id }, frames: [encodeDeliver(message.roomId, seq, message.bytes)],
  });
}
