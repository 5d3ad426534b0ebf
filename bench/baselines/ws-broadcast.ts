// The ceiling: a bare `ws` server doing the relay's fan-out and nothing else. A client names its
// room in the URL (/?room=7); every binary message it sends goes as it is to the room's other
// members. No encryption, no access control, no storage, no acknowledgement.
// Run as its own process; prints {"port": n} on stdout once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server, clientTracking: false, perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });

wss.on('connection', (ws, request) => {
  const room = new URL(request.url ?? '/', 'http://bench.invalid').searchParams.get('room') ?? '';
  let members = rooms.get(room);
  if (members === undefined) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const peer of members) if (peer !== ws) peer.send(data, { binary: isBinary });
  });
  ws.on('close', () => members.delete(ws));
  ws.on('error', () => ws.terminate());
});

server.listen(0, process.env['BENCH_HOST'] ?? '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
