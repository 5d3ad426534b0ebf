// send: the hot path. The relay checks who may send, not what was sent: message signatures are the
// recipients' to verify. A session's consecutive sends share one store transaction (the relay's
// group commit then carries many sessions' runs at once). Each stored message is pushed to the room
// as soon as the commit is written (a crash of the relay can no longer undo it), and each send is
// answered — ack with its seq, or refusal — in the order asked, only once the commit is durable
// (at synchronous=FULL: fsynced). A relay that dies in between has pushed a message it never
// acknowledged: the sender resends it, it gets its stored seq, and recipients drop the copy they
// hold at that seq (docs/protocol.md §9).
import { SottoError } from '../../protocol/errors.js';
import { encodeDeliver, encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { requireBinding } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';
import { quotaReached } from '../quota-refusal.js';
import type { AppendOutcome, NewMessage } from '../store/store.js';

export type Send = Extract<ClientFrame, { type: 'send' }>;

/** Why the relay will not store `f` for this session, or undefined when it may. */
function refusal(ctx: RelayContext, session: Requester, f: Send): unknown {
  try {
    const binding = requireBinding(session, f.message.roomId, 'member');
    if (!binding.isKey(f.message.sender)) throw new SottoError('SENDER_MISMATCH');
    if (f.message.bytes.length > ctx.config.maxMessageRecordBytes) {
      quotaReached(ctx, 'message-size');
      throw new SottoError('MESSAGE_TOO_LARGE', `at most ${ctx.config.maxMessageRecordBytes} bytes`);
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

export async function handleSends(ctx: RelayContext, session: Requester, frames: readonly Send[]): Promise<void> {
  const refusals = frames.map((f) => refusal(ctx, session, f));
  const now = ctx.now();
  const toStore: NewMessage[] = [];
  frames.forEach(({ message }, i) => {
    if (refusals[i] === undefined) {
      // After a restore, a message of an epoch the backup had not reached yet may come back (V-102).
      const oldestEpoch = ctx.restorePoints.get(message.roomId)?.epoch;
      toStore.push({
        roomId: message.roomId, epoch: message.epoch, sender: message.sender, counter: message.counter, bytes: message.bytes, now,
        ...(oldestEpoch === undefined ? {} : { oldestEpoch }),
      });
    }
  });
  // Pushes once, from the store's early notice or, for a store without one, after the answer.
  let pushed = false;
  const push = (outcomes: readonly AppendOutcome[]): void => {
    if (pushed) return;
    pushed = true;
    let next = 0;
    frames.forEach((f, i) => {
      if (refusals[i] !== undefined) return;
      const outcome = outcomes[next++];
      if (outcome === undefined || !outcome.ok) return;
      if (!outcome.duplicate) ctx.metrics.messagesIn++;
      // A resend after a lost ack is pushed again: the process that committed it may have died before
      // its push went out (scale-out), and clients drop a record they already hold at that seq.
      ctx.bus.publish(f.message.roomId, {
        type: 'push', to: { role: 'member', exceptSession: session.id }, frames: [encodeDeliver(f.message.roomId, outcome.seq, f.message.bytes)],
      });
    });
  };
  let outcomes: AppendOutcome[] = [];
  let failure: unknown;
  if (toStore.length > 0) {
    try {
      outcomes = await ctx.store.appendMessages(toStore, push);
      push(outcomes);
    } catch (error) {
      failure = error;
    }
  }
  let next = 0;
  frames.forEach((f, i) => {
    const refused = refusals[i];
    if (refused !== undefined) return session.refuse(f.rid, refused, f.type);
    const outcome = outcomes[next++];
    if (outcome === undefined) return session.refuse(f.rid, failure, f.type);
    if (!outcome.ok) {
      if (outcome.error.errorName === 'ROOM_FULL') quotaReached(ctx, 'room-bytes');
      return session.refuse(f.rid, outcome.error, f.type);
    }
    session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: outcome.seq }));
  });
}
