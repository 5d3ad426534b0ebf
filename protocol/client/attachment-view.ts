// An attachment as a message view carries it: plain JSON (hex and numbers), so it is saved with
// the history like the rest of the view and crosses to a UI as data. The key stays in the worker:
// web/worker/client-port.ts passes on everything but `key`.
import { fromHex, toHex } from '../bytes.js';
import type { AttachmentRef } from '../wire/attachment-ref.js';
import type { AttachmentContent, Content, RefContent, TextContent } from '../wire/content.js';

export interface AttachmentView {
  readonly id: string;
  readonly key: string;
  readonly hash: string;
  readonly size: number;
  readonly name: string;
  readonly mediaType: string;
}

export function attachmentView(ref: AttachmentRef): AttachmentView {
  return { id: toHex(ref.id), key: toHex(ref.key), hash: toHex(ref.hash), size: ref.size, name: ref.name, mediaType: ref.mediaType };
}

export function attachmentRefOf(view: AttachmentView): AttachmentRef {
  return { id: fromHex(view.id), key: fromHex(view.key), hash: fromHex(view.hash), size: view.size, name: view.name, mediaType: view.mediaType };
}

/** What a listed message says: its text, or an attachment's file name (for previews and search). */
export function listedText(content: TextContent | RefContent | AttachmentContent): string {
  return content.type === 'attachment' ? content.attachment.name : content.text;
}

/** The view's attachment field for `content`, none for a text. */
export function attachmentField(content: Content): { attachment?: AttachmentView } {
  return content.type === 'attachment' ? { attachment: attachmentView(content.attachment) } : {};
}
