// A `ws` WebSocket set up as the client seam expects: binary frames as ArrayBuffers, and no
// permessage-deflate (compressing ciphertext gains nothing and adds a side channel).
import WebSocket from 'ws';

/** Returned as the `ws` type (it fits SocketLike) so Node callers can still terminate() it. */
export function openNodeSocket(url: string): WebSocket {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.binaryType = 'arraybuffer';
  return socket;
}
