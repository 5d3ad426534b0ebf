// The fair ceiling for Sotto's relay: the bare `ws` fan-out of ws-broadcast.ts, but each recipient's
// deliveries within one event-loop tick leave as ONE WebSocket message, cut exactly where Sotto's
// relay cuts them (relay/outbox.ts with the relay's default message limit and Noise's frame limit),
// each payload behind a u32 length as in Sotto's frame stream. What it leaves out is everything
// Sotto adds: the Noise seal, the ACL, the store, the acknowledgement and the rotations.
// Run as its own process; prints {"port": n} on stdout once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_NOISE_TRANSPORT_OPTIONS } from '../../protocol/noise/index.js';
import { resolveConfig } from '../../relay/config.js';
import { Outbox } from '../../relay/outbox.js';

const { maxMessageBytes } = resolveConfig();

/** A recipient and what it has been given this tick. */
interface Member {
  readonly ws: WebSocket;
  outbox: Outbox | undefined;
}

const rooms = new Map<string, Set<Member>>();
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

const server = createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server, clientTracking: false, perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });

wss.on('connection', (ws, request) => {
  const room = new URL(request.url ?? '/', 'http://bench.invalid').searchParams.get('room') ?? '';
  let members = rooms.get(room);
  if (members === undefined) rooms.set(room, (members = new Set()));
  const self: Member = { ws, outbox: undefined };
  members.add(self);
  ws.on('message', (data) => {
    const payload = data as Buffer;
    for (const peer of members) if (peer !== self) deliver(peer, payload);
  });
  ws.on('close', () => members.delete(self));
  ws.on('error', () => ws.terminate());
});

server.listen(0, process.env['BENCH_HOST'] ?? '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
