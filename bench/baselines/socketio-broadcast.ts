// A plain Socket.IO room broadcast: the same fan-out as ws-broadcast.ts, through Socket.IO's rooms
// (the default in-memory adapter) and its packet encoding. WebSocket transport only, so no
// long-polling handshake is measured. A client names its room in the handshake query (?room=7)
// and emits 'm' with one binary argument; the server re-emits it to the room's other members.
// Run as its own process; prints {"port": n} on stdout once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server, {
  transports: ['websocket'], perMessageDeflate: false, serveClient: false, maxHttpBufferSize: 2 * 1024 * 1024,
});

io.on('connection', (socket) => {
  const room = String(socket.handshake.query['room'] ?? '');
  void socket.join(room);
  socket.on('m', (payload: Buffer) => {
    socket.to(room).emit('m', payload);
  });
});

server.listen(0, process.env['BENCH_HOST'] ?? '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
