// The plaintext inside a message: a typed, timestamped body padded so the ciphertext length says
// little about the content.
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { LIMIT } from './types.js';

export const CONTENT_TYPE = { text: 1, profile: 2, roomName: 3 } as const;
export type ContentType = keyof typeof CONTENT_TYPE;
const TYPE_BY_CODE = new Map<number, ContentType>(
  (Object.keys(CONTENT_TYPE) as ContentType[]).map((name) => [CONTENT_TYPE[name], name]),
);

export interface Content {
  readonly type: ContentType;
  readonly time: number; // sender's clock, ms
  /** text: the message; profile: display name; roomName: the room's name. */
  readonly text: string;
}

/** Padding bucket: plaintext lengths are rounded up to a multiple of this. */
export const PAD_BUCKET = 256;
/** Longest text a message may carry (leaves room for the header, padding and tag). */
export const MAX_TEXT_BYTES = LIMIT.messageCiphertext - PAD_BUCKET - 64;
/** Names (display and room) are short by design: they are shown in lists. */
export const MAX_NAME_BYTES = 256;

export function encodeContent(c: Content): Uint8Array {
  const body = new Writer(64 + c.text.length * 3);
  body.u8(CONTENT_TYPE[c.type]).u64(c.time).var32(utf8(c.text));
  const limit = c.type === 'text' ? MAX_TEXT_BYTES : MAX_NAME_BYTES;
  if (body.length - 13 > limit) throw new SottoError('FIELD_TOO_LARGE', `${c.type} is too long`);
  const padded = Math.ceil(body.length / PAD_BUCKET) * PAD_BUCKET;
  return body.raw(new Uint8Array(padded - body.length)).finish();
}

export function decodeContent(plaintext: Uint8Array): Content {
  const r = new Reader(plaintext);
  const type = TYPE_BY_CODE.get(r.u8('content type'));
  if (type === undefined) throw new SottoError('BAD_VALUE', 'unknown content type');
  const time = r.u64('time');
  const textBytes = r.var32(type === 'text' ? MAX_TEXT_BYTES : MAX_NAME_BYTES, 'content text');
  let text: string;
  try {
    text = fromUtf8(textBytes);
  } catch {
    throw new SottoError('BAD_UTF8', 'content text');
  }
  // Padding must be zeros up to the next bucket boundary, so one plaintext has exactly one encoding.
  if (plaintext.length !== Math.ceil(r.offset / PAD_BUCKET) * PAD_BUCKET) throw new SottoError('BAD_VALUE', 'padding length');
  const padding = r.fixed(r.remaining, 'padding');
  for (const byte of padding) if (byte !== 0) throw new SottoError('BAD_VALUE', 'non-zero padding');
  return { type, time, text };
}
