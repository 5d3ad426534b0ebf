// An attachment as its message carries it (docs/protocol.md §9.2): where the relay keeps its
// ciphertext, the fresh key that opens it, the hash that pins it, and its name and media type. All
// of it travels inside the end-to-end encrypted content; the relay sees only the chunks.
import { SottoError } from '../errors.js';
import { utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { LIMIT, SIZE } from './types.js';

/** Plaintext bytes per chunk; each chunk's ciphertext adds a 16-byte tag (LIMIT.attachmentChunk). */
export const ATTACHMENT_CHUNK = 256 * 1024;
/** The largest size a reference may state: every chunk a relay could ever hold. */
export const MAX_ATTACHMENT_SIZE = LIMIT.attachmentChunks * ATTACHMENT_CHUNK;
/** File names are shown and offered as the download's name: short, like a display name. */
export const MAX_ATTACHMENT_NAME_BYTES = 255;
/** A media type (RFC 6838 token/token), lower case; parameters are not carried. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;
/** Names never carry control characters or path separators (V-172). */
const BAD_NAME = /[\u0000-\u001f\u007f/\\]/u;

export interface AttachmentRef {
  readonly id: Uint8Array;
  /** The attachment's own key: random, used for this attachment only. */
  readonly key: Uint8Array;
  /** SHA-256 of the chunks' ciphertexts in order. */
  readonly hash: Uint8Array;
  /** Plaintext bytes. */
  readonly size: number;
  readonly name: string;
  readonly mediaType: string;
}

/** Chunks an attachment of `size` bytes takes: an empty file is one empty chunk. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK));
}

/** BAD_VALUE unless the name and media type follow V-172. */
export function checkAttachmentMeta(name: string, mediaType: string): void {
  const nameBytes = utf8(name).length;
  if (nameBytes < 1 || nameBytes > MAX_ATTACHMENT_NAME_BYTES || BAD_NAME.test(name)) throw new SottoError('BAD_VALUE', 'attachment name');
  if (!MEDIA_TYPE.test(mediaType)) throw new SottoError('BAD_VALUE', 'attachment media type');
}

export function encodeAttachmentRef(ref: AttachmentRef): Uint8Array {
  checkAttachmentMeta(ref.name, ref.mediaType);
  if (!Number.isSafeInteger(ref.size) || ref.size < 0 || ref.size > MAX_ATTACHMENT_SIZE) throw new SottoError('BAD_VALUE', 'attachment size');
  return new Writer(128 + MAX_ATTACHMENT_NAME_BYTES).fixed(ref.id, SIZE.attachmentId).fixed(ref.key, SIZE.secret).fixed(ref.hash, SIZE.hash)
    .u64(ref.size).str16(ref.name).str16(ref.mediaType).finish();
}

export function decodeAttachmentRef(bytes: Uint8Array): AttachmentRef {
  const r = new Reader(bytes);
  const id = r.fixed(SIZE.attachmentId, 'attachment id');
  const key = r.fixed(SIZE.secret, 'attachment key');
  const hash = r.fixed(SIZE.hash, 'attachment hash');
  const size = r.u64('attachment size');
  if (size > MAX_ATTACHMENT_SIZE) throw new SottoError('BAD_VALUE', 'attachment size');
  const name = r.str16(MAX_ATTACHMENT_NAME_BYTES, 'attachment name');
  const mediaType = r.str16(128, 'attachment media type');
  r.end('attachment');
  checkAttachmentMeta(name, mediaType);
  return { id, key, hash, size, name, mediaType };
}
