// Cuts a connection that sends no request within the headers timeout. headersTimeout only starts
// with a request's first byte, so a connection that never sends one would hold its socket forever.
// server.timeout would cut it too, but then every socket keeps its Timeout object after ws lifts
// the timeout on upgrade (Node keeps it after setTimeout(0)): ~150 B per idle WebSocket. Here each
// connection's timer is dropped, object and all, when its first request or upgrade arrives or the
// socket closes, and an HTTP request gets the idle timeout server.timeout would have given it.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

function destroy(socket: Duplex): void {
  socket.destroy();
}

export function cutSilentConnections(server: Server, timeoutMs: number): void {
  const timers = new WeakMap<Duplex, NodeJS.Timeout>();
  // One function for every socket (`this`), so that it can be taken off again.
  function stop(this: Duplex): void {
    clearTimeout(timers.get(this));
    timers.delete(this);
    this.off('close', stop);
  }
  server.on('connection', (socket: Duplex) => {
    timers.set(socket, setTimeout(destroy, timeoutMs, socket).unref());
    // A socket closed before its first request must not be held by the timer until it fires.
    socket.on('close', stop);
  });
  // Prepended, so the timer is gone before the relay's own listeners run.
  server.prependListener('request', (request) => {
    stop.call(request.socket);
    request.socket.setTimeout(timeoutMs);
  });
  server.prependListener('upgrade', (_request, socket: Duplex) => stop.call(socket));
}
