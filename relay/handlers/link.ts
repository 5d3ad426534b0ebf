// linkListen / linkPost: the device-link mailbox (docs/protocol.md §8.7.1). No room binding: the
// new device is in no room yet. The relay learns a box address (a hash) and sealed bytes.
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { RelayContext, Requester } from '../context.js';

type LinkListen = Extract<ClientFrame, { type: 'linkListen' }>;
type LinkPost = Extract<ClientFrame, { type: 'linkPost' }>;

export function handleLinkListen(ctx: RelayContext, session: Requester, f: LinkListen): Promise<void> {
  const held = ctx.linkBoxes.listen(session, f.box);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  for (const data of held) session.send(encodeRelayFrame({ type: 'linkData', box: f.box, data }));
  return Promise.resolve();
}

export function handleLinkPost(ctx: RelayContext, session: Requester, f: LinkPost): Promise<void> {
  const { index, listeners } = ctx.linkBoxes.post(f.box, f.data);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: index }));
  const frame = encodeRelayFrame({ type: 'linkData', box: f.box, data: f.data });
  for (const listener of listeners) listener.send(frame);
  return Promise.resolve();
}
