// ping: a liveness round trip through the encrypted channel (WebSocket pings cannot prove the
// transport keys still work).
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { RelayContext, Requester } from '../context.js';

type Ping = Extract<ClientFrame, { type: 'ping' }>;

export function handlePing(_ctx: RelayContext, session: Requester, f: Ping): Promise<void> {
  session.send(encodeRelayFrame({ type: 'pong', rid: f.rid }));
  return Promise.resolve();
}
