// attachPut / attachGet: the relay keeps an attachment's encrypted chunks for the members of its
// room (docs/protocol.md §9.2). It sees ciphertext only — the name, type, key and hash travel inside
// the end-to-end encrypted message — so it checks who asks, the order and the sizes, nothing else.
import { encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { LIMIT } from '../../protocol/wire/types.js';
import { ATTACHMENT_CHUNK, chunkCount } from '../../protocol/wire/attachment-ref.js';
import { requireBinding } from '../acl.js';
import type { RelayConfig } from '../config.js';
import type { RelayContext, Requester } from '../context.js';

type AttachPut = Extract<ClientFrame, { type: 'attachPut' }>;
type AttachGet = Extract<ClientFrame, { type: 'attachGet' }>;

/** The ciphertext an attachment of the configured plaintext limit takes: every chunk adds its tag. */
export function maxAttachmentCiphertext(config: Pick<RelayConfig, 'maxAttachmentBytes'>): number {
  return config.maxAttachmentBytes + chunkCount(config.maxAttachmentBytes) * (LIMIT.attachmentChunk - ATTACHMENT_CHUNK);
}

/** V-135, V-136, V-137: a member of the room adds the next chunk of an attachment it started. */
export async function handleAttachPut(ctx: RelayContext, session: Requester, f: AttachPut): Promise<void> {
  const binding = requireBinding(session, f.roomId, 'member');
  const stored = await ctx.store.putAttachmentChunk({
    roomId: f.roomId, attachmentId: f.attachmentId, uploader: binding.sign, index: f.index, last: f.last, bytes: f.chunk, now: ctx.now(),
    maxAttachmentBytes: maxAttachmentCiphertext(ctx.config), maxRoomBytes: ctx.config.maxRoomAttachmentBytes,
  });
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: stored }));
}

/** V-138: a member of the room reads a chunk of a finished attachment. */
export async function handleAttachGet(ctx: RelayContext, session: Requester, f: AttachGet): Promise<void> {
  requireBinding(session, f.roomId, 'member');
  const chunk = await ctx.store.getAttachmentChunk(f.roomId, f.attachmentId, f.index);
  session.send(encodeRelayFrame({ type: 'attachChunk', rid: f.rid, index: f.index, last: chunk.last, chunk: chunk.bytes }));
}
