// What the two bare `ws` baselines share: an HTTP server with a WebSocketServer on it, a client
// naming its room in the URL (/?room=7), a set of members per room, and the {"port": n} line the
// bench waits for. Each baseline says only what a member is and how a message reaches the others.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export function serveWsRooms<M>(member: (ws: WebSocket) => M, onMessage: (from: M, members: ReadonlySet<M>, data: RawData, isBinary: boolean) => void): void {
  const rooms = new Map<string, Set<M>>();
  const server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, clientTracking: false, perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });
  wss.on('connection', (ws, request) => {
    const room = new URL(request.url ?? '/', 'http://bench.invalid').searchParams.get('room') ?? '';
    let members = rooms.get(room);
    if (members === undefined) rooms.set(room, (members = new Set()));
    const self = member(ws);
    members.add(self);
    ws.on('message', (data, isBinary) => onMessage(self, members, data, isBinary));
    ws.on('close', () => members.delete(self));
    ws.on('error', () => ws.terminate());
  });
  server.listen(0, process.env['BENCH_HOST'] ?? '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
