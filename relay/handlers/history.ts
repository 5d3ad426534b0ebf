// sync: a member catches up on the log, the rotations sealed to it and the messages of epochs it
// may read, in that order (each needs the one before), then syncDone. A page stops at maxSyncBytes
// or `limit` messages with more = true; the client asks again from what it received.
import { SottoError } from '../../protocol/errors.js';
import { encodeDeliver, encodeDropped, encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { decodeMemberEvent } from '../../protocol/wire/membership.js';
import { decodeRotation } from '../../protocol/wire/rotation.js';
import { requireBinding } from '../acl.js';
import type { RelayContext, Requester } from '../context.js';

type Sync = Extract<ClientFrame, { type: 'sync' }>;

const MESSAGE_CHUNK = 64;
/** Events read per store call: a log of 100,000 events is paged, never loaded whole per page. */
const EVENT_CHUNK = 1024;

export async function handleSync(ctx: RelayContext, session: Requester, f: Sync): Promise<void> {
  const { roomId } = f;
  const binding = requireBinding(session, roomId, 'member');
  const member = await ctx.store.getMember(roomId, binding.sign);
  if (member === undefined) throw new SottoError('NOT_MEMBER');

  const frames: Uint8Array[] = [];
  let bytes = 0;
  // The first frame always goes, so a page makes progress whatever the budget.
  const fits = (frame: Uint8Array): boolean => {
    if (frames.length > 0 && bytes + frame.length > ctx.config.maxSyncBytes) return false;
    frames.push(frame);
    bytes += frame.length;
    return true;
  };
  const more = await (async (): Promise<boolean> => {
    for (let from = f.logFrom; ;) {
      const events = await ctx.store.getEvents(roomId, from, EVENT_CHUNK);
      for (const event of events) {
        if (!fits(encodeRelayFrame({ type: 'event', roomId, event: decodeMemberEvent(event) }))) return true;
        from++;
      }
      if (events.length < EVENT_CHUNK) break;
    }
    for (const rotation of await ctx.store.getRotations(roomId, Math.max(f.epochFrom, member.joinEpoch), binding.sign)) {
      if (!fits(encodeRelayFrame({ type: 'rotation', roomId, rotation: decodeRotation(rotation) }))) return true;
    }
    // Fetched in chunks, so a page that stops at the byte budget never loaded the rest.
    let after = f.seqFrom;
    let sent = 0;
    for (;;) {
      const n = Math.min(f.limit - sent, MESSAGE_CHUNK);
      const rows = await ctx.store.getMessages(roomId, after, member.joinEpoch, n + 1);
      for (const row of rows.slice(0, n)) {
        // A message its author deleted is served as the author's tombstone (§9.1.1).
        if (!fits(row.dropped ? encodeDropped(row.bytes) : encodeDeliver(roomId, row.seq, row.bytes))) return true;
        sent++;
        after = row.seq;
      }
      if (rows.length <= n) return false;
      if (sent === f.limit) return true;
    }
  })();
  // The page waits for this connection's pace (V-118), before the counts are read: pushes during
  // the wait are as if they came during the reads above.
  await session.paceSync(bytes);
  // Read last, so the counts cover everything sent above; anything newer arrives as a push.
  const room = await ctx.store.getRoom(roomId);
  if (room === undefined) throw new SottoError('ROOM_NOT_FOUND');
  for (const frame of frames) session.send(frame);
  session.send(encodeRelayFrame({ type: 'syncDone', rid: f.rid, roomId, logLength: room.logLength, epoch: room.epoch, lastSeq: room.lastSeq, more }));
}
