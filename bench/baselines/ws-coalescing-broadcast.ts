// The fair ceiling for Sotto's relay: the bare `ws` fan-out of ws-broadcast.ts, but each recipient's
// deliveries within one event-loop tick leave as ONE WebSocket message, cut exactly where Sotto's
// relay cuts them (relay/outbox.ts with the relay's default message limit and Noise's frame limit),
// each payload behind a u32 length as in Sotto's frame stream. What it leaves out is everything
// Sotto adds: the Noise seal, the ACL, the store, the acknowledgement and the rotations.
// Run as its own process; prints {"port": n} on stdout once listening.
import type { WebSocket } from 'ws';
import { DEFAULT_NOISE_TRANSPORT_OPTIONS } from '../../protocol/noise/index.js';
import { resolveConfig } from '../../relay/config.js';
import { Outbox } from '../../relay/outbox.js';
import { serveWsRooms } from './ws-room-server.js';

const { maxMessageBytes } = resolveConfig();

/** A recipient and what it has been given this tick. */
interface Member {
  readonly ws: WebSocket;
  outbox: Outbox | undefined;
}

let pending: Member[] = [];

/** Each batch as one message: u32 length then payload, for every payload in it. */
function flush(): void {
  const members = pending;
  pending = [];
  for (const member of members) {
    const outbox = member.outbox!;
    member.outbox = undefined;
    for (const batch of outbox.take()) {
      const message = Buffer.allocUnsafe(batch.reduce((n, frame) => n + 4 + frame.length, 0));
      let at = 0;
      for (const frame of batch) {
        message.writeUInt32BE(frame.length, at);
        message.set(frame, at + 4);
        at += 4 + frame.length;
      }
      member.ws.send(message, { binary: true });
    }
  }
}

function deliver(member: Member, payload: Uint8Array): void {
  if (member.outbox === undefined) {
    member.outbox = new Outbox(maxMessageBytes, DEFAULT_NOISE_TRANSPORT_OPTIONS.maxFramesPerMessage);
    if (pending.length === 0) setImmediate(flush);
    pending.push(member);
  }
  member.outbox.push(payload);
}

serveWsRooms((ws): Member => ({ ws, outbox: undefined }), (from, members, data) => {
  const payload = data as Buffer;
  for (const peer of members) if (peer !== from) deliver(peer, payload);
});
