// The plaintext inside a message: a typed, timestamped body padded so the ciphertext length says
// little about the content.
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { LIMIT } from './types.js';
import { decodeHistoryShare, encodeHistoryShare, type HistoryShare } from './history-share.js';
import { decodeRefPayload, encodeRefPayload, MAX_REACTION_BYTES, REF_OVERHEAD, type MessageRef } from './message-ref.js';
import { decodeAttachmentRef, encodeAttachmentRef, type AttachmentRef } from './attachment-ref.js';

export const CONTENT_TYPE = { text: 1, profile: 2, roomName: 3, history: 4, reply: 5, reaction: 6, edit: 7, delete: 8, attachment: 9 } as const;
export type ContentType = keyof typeof CONTENT_TYPE;
const TYPE_BY_CODE = new Map<number, ContentType>(
  (Object.keys(CONTENT_TYPE) as ContentType[]).map((name) => [CONTENT_TYPE[name], name]),
);

/** A text message, a display name (profile) or the room's name. */
export interface TextContent {
  readonly type: 'text' | 'profile' | 'roomName';
  readonly time: number; // sender's clock, ms
  /** text: the message; profile: display name; roomName: the room's name. */
  readonly text: string;
}

/** Earlier messages re-sealed for one joiner by the member who added it (§8.6). */
export interface HistoryContent {
  readonly type: 'history';
  readonly time: number;
  readonly share: HistoryShare;
}

/** Content that names another message (§9.1, message-ref.ts). */
export type RefKind = 'reply' | 'reaction' | 'edit' | 'delete';

/** A reply (text quoting `target`), a reaction to it, a new text for it, or its deletion (§9.1). */
export interface RefContent {
  readonly type: RefKind;
  readonly time: number;
  readonly target: MessageRef;
  /** reply, edit: the text; reaction: the emoji, empty when withdrawn; delete: empty. */
  readonly text: string;
}

/** A file or image: its reference (key, hash, name), the ciphertext being on the relay (§9.2). */
export interface AttachmentContent {
  readonly type: 'attachment';
  readonly time: number;
  readonly attachment: AttachmentRef;
}

export type Content = TextContent | HistoryContent | RefContent | AttachmentContent;

/** Padding bucket: plaintext lengths are rounded up to a multiple of this. */
export const PAD_BUCKET = 256;
/** Longest text a message may carry (leaves room for the header, padding and tag); a history share's bytes too. */
export const MAX_TEXT_BYTES = LIMIT.messageCiphertext - PAD_BUCKET - 64;
/** Names (display and room) are short by design: they are shown in lists. */
export const MAX_NAME_BYTES = 256;

function isRef(type: ContentType): type is RefKind {
  return type === 'reply' || type === 'reaction' || type === 'edit' || type === 'delete';
}

/** The longest text a content type carries (a ref content's besides the target it names). */
export function maxTextBytes(type: ContentType): number {
  switch (type) {
    case 'text':
    case 'history':
      return MAX_TEXT_BYTES;
    case 'reply':
    case 'edit':
      return MAX_TEXT_BYTES - REF_OVERHEAD;
    case 'reaction':
      return MAX_REACTION_BYTES;
    case 'delete':
      return 0;
    case 'attachment':
      return 4 * MAX_NAME_BYTES;
    default:
      return MAX_NAME_BYTES;
  }
}

function maxBytes(type: ContentType): number {
  return isRef(type) ? REF_OVERHEAD + maxTextBytes(type) : maxTextBytes(type);
}

function encodePayload(c: Content): Uint8Array {
  if (c.type === 'history') return encodeHistoryShare(c.share);
  if (c.type === 'attachment') return encodeAttachmentRef(c.attachment);
  if ('target' in c) {
    if (utf8(c.text).length > maxTextBytes(c.type)) throw new SottoError('FIELD_TOO_LARGE', `${c.type} is too long`);
    return encodeRefPayload(c);
  }
  return utf8(c.text);
}

export function encodeContent(c: Content): Uint8Array {
  const payload = encodePayload(c);
  if (payload.length > maxBytes(c.type)) throw new SottoError('FIELD_TOO_LARGE', `${c.type} is too long`);
  const body = new Writer(64 + payload.length);
  body.u8(CONTENT_TYPE[c.type]).u64(c.time).var32(payload);
  const padded = Math.ceil(body.length / PAD_BUCKET) * PAD_BUCKET;
  return body.raw(new Uint8Array(padded - body.length)).finish();
}

export function decodeContent(plaintext: Uint8Array): Content {
  const r = new Reader(plaintext);
  const type = TYPE_BY_CODE.get(r.u8('content type'));
  if (type === undefined) throw new SottoError('BAD_VALUE', 'unknown content type');
  const time = r.u64('time');
  const payload = r.var32(maxBytes(type), 'content text');
  let content: Content;
  if (type === 'history') {
    content = { type, time, share: decodeHistoryShare(payload, MAX_TEXT_BYTES) };
  } else if (isRef(type)) {
    content = { type, time, ...decodeRefPayload(payload, maxTextBytes(type)) };
  } else if (type === 'attachment') {
    content = { type, time, attachment: decodeAttachmentRef(payload) };
  } else {
    let text: string;
    try {
      text = fromUtf8(payload);
    } catch {
      throw new SottoError('BAD_UTF8', 'content text');
    }
    content = { type, time, text };
  }
  // Padding must be zeros up to the next bucket boundary, so one plaintext has exactly one encoding.
  if (plaintext.length !== Math.ceil(r.offset / PAD_BUCKET) * PAD_BUCKET) throw new SottoError('BAD_VALUE', 'padding length');
  const padding = r.fixed(r.remaining, 'padding');
  for (const byte of padding) if (byte !== 0) throw new SottoError('BAD_VALUE', 'non-zero padding');
  return content;
}
