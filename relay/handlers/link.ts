// linkListen / linkPost / linkUnlisten: the device-link mailbox (docs/protocol.md §8.7.1). No room
// binding: the new device is in no room yet. The relay learns a box address (a hash) and sealed
// bytes. A post goes to this process's listeners at once and to the other relay processes over the
// bus, whose listeners hear it from their own copy of the box (V-192).
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import type { RelayContext, Requester } from '../context.js';

type LinkListen = Extract<ClientFrame, { type: 'linkListen' }>;
type LinkPost = Extract<ClientFrame, { type: 'linkPost' }>;
type LinkUnlisten = Extract<ClientFrame, { type: 'linkUnlisten' }>;

export function handleLinkListen(ctx: RelayContext, session: Requester, f: LinkListen): Promise<void> {
  const held = ctx.linkBoxes.listen(session, f.box);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  for (const data of held) session.send(encodeRelayFrame({ type: 'linkData', box: f.box, data }));
  return Promise.resolve();
}

export function handleLinkUnlisten(ctx: RelayContext, session: Requester, f: LinkUnlisten): Promise<void> {
  ctx.linkBoxes.unlisten(session, f.box);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  return Promise.resolve();
}

export function handleLinkPost(ctx: RelayContext, session: Requester, f: LinkPost): Promise<void> {
  const { index, listeners } = ctx.linkBoxes.post(f.box, f.data);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: index }));
  pushLinkData(listeners, f.box, f.data);
  ctx.bus.publishLinkPost(f.box, f.data);
  return Promise.resolve();
}

/** Hears the posts other relay processes took, for this process's copies and listeners; returns the unsubscribe. */
export function relayLinkPosts(ctx: RelayContext): () => void {
  return ctx.bus.subscribeLinkPosts((box, data) => pushLinkData(ctx.linkBoxes.heard(box, data), box, data));
}

function pushLinkData(listeners: readonly Requester[], box: Uint8Array, data: Uint8Array): void {
  if (listeners.length === 0) return;
  const frame = encodeRelayFrame({ type: 'linkData', box, data });
  for (const listener of listeners) listener.send(frame);
}
