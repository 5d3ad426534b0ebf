// The ceiling: a bare `ws` server doing the relay's fan-out and nothing else. A client names its
// room in the URL (/?room=7); every binary message it sends goes as it is to the room's other
// members, each delivery its own WebSocket message. No encryption, no access control, no storage,
// no acknowledgement. Run as its own process; prints {"port": n} on stdout once listening.
import type { WebSocket } from 'ws';
import { serveWsRooms } from './ws-room-server.js';

serveWsRooms((ws: WebSocket) => ws, (from, members, data, isBinary) => {
  for (const peer of members) if (peer !== from) peer.send(data, { binary: isBinary });
});
