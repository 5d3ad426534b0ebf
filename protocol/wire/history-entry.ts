// One message of a room's history as another member or device passes it on (docs/protocol.md
// §8.6.1): in a history share to a joiner (§8.6) and in a device link's history (§8.7.1). It carries
// what the timeline needs to fold it as the original was folded — the sender, the counter that
// replies, reactions, edits and deletes name it by, what it names, an attachment's reference with
// its file key — but never the sender's signature: it is the passing member's word (V-190, V-191).
// No import of content.ts: that module decodes history shares, which are lists of these.
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { decodeAttachmentRef, encodeAttachmentRef, type AttachmentRef } from './attachment-ref.js';
import { MAX_REACTION_BYTES, type MessageRef } from './message-ref.js';
import { SIZE } from './types.js';

/** The content types (§5.1) a history holds as messages; the codes are theirs. */
export const ENTRY_KIND = { text: 1, reply: 5, reaction: 6, edit: 7, delete: 8, attachment: 9 } as const;
export type EntryKind = keyof typeof ENTRY_KIND;
const KIND_BY_CODE = new Map<number, EntryKind>((Object.keys(ENTRY_KIND) as EntryKind[]).map((k) => [ENTRY_KIND[k], k]));

/** Flag bit: its author deleted it; the text is wiped (V-123) and an attachment's reference with it. */
const DELETED = 1;

export interface HistoryEntry {
  /** The message's seq in the room. */
  readonly seq: number;
  /** Its sender's signing key. */
  readonly sender: Uint8Array;
  /** Its sender's clock, ms. */
  readonly time: number;
  /** The counter of its signed header; undefined when the passing device never kept it (0 on the wire). */
  readonly counter: number | undefined;
  readonly kind: EntryKind;
  readonly deleted: boolean;
  /** The text, a reply's or edit's text, a reaction's emoji; empty for a delete, an attachment or a deleted message. */
  readonly text: string;
  /** reply, reaction, edit, delete: the message it names. */
  readonly target?: MessageRef;
  /** attachment, not deleted: its reference, the file key included, so the receiver can fetch the file. */
  readonly attachment?: AttachmentRef;
}

/** seq ‖ sender ‖ time ‖ counter ‖ kind ‖ flags ‖ a length: an entry's bytes besides what it carries. */
export const ENTRY_OVERHEAD = 8 + SIZE.publicKey + 8 + 4 + 1 + 1 + 4;
/** A target's bytes: sender ‖ counter. */
const TARGET_BYTES = SIZE.publicKey + 4;

const isRef = (kind: EntryKind): boolean => kind === 'reply' || kind === 'reaction' || kind === 'edit' || kind === 'delete';

export function writeHistoryEntry(w: Writer, e: HistoryEntry): void {
  checkShape(e.kind, e.deleted, e.text, e.target, e.attachment);
  w.u64(e.seq).fixed(e.sender, SIZE.publicKey).u64(e.time).u32(e.counter ?? 0).u8(ENTRY_KIND[e.kind]).u8(e.deleted ? DELETED : 0);
  if (e.target !== undefined) w.fixed(e.target.sender, SIZE.publicKey).u32(e.target.counter);
  w.var32(e.attachment === undefined ? utf8(e.text) : encodeAttachmentRef(e.attachment));
}

/** An entry's encoded size, for cutting a history into messages of bounded size. */
export function historyEntryBytes(e: HistoryEntry): number {
  return ENTRY_OVERHEAD + (e.target === undefined ? 0 : TARGET_BYTES) + (e.attachment === undefined ? utf8(e.text).length : encodeAttachmentRef(e.attachment).length);
}

/** Reads one entry whose text is at most `maxText` bytes; BAD_VALUE for any shape V-190 refuses. */
export function readHistoryEntry(r: Reader, maxText: number): HistoryEntry {
  const seq = r.u64('seq');
  const sender = r.fixed(SIZE.publicKey, 'sender');
  const time = r.u64('time');
  const counter = r.u32('counter');
  const kind = KIND_BY_CODE.get(r.u8('entry kind'));
  if (kind === undefined) throw new SottoError('BAD_VALUE', 'unknown history entry kind');
  const flags = r.u8('entry flags');
  if ((flags & ~DELETED) !== 0) throw new SottoError('BAD_VALUE', 'unknown history entry flags');
  const deleted = flags === DELETED;
  let target: MessageRef | undefined;
  if (isRef(kind)) {
    target = { sender: r.fixed(SIZE.publicKey, 'target sender'), counter: r.u32('target counter') };
    if (target.counter === 0) throw new SottoError('BAD_VALUE', 'target counter 0');
  }
  const body = r.var32(maxText, 'entry body');
  let text = '';
  let attachment: AttachmentRef | undefined;
  if (kind === 'attachment' && !deleted) attachment = decodeAttachmentRef(body);
  else {
    try {
      text = fromUtf8(body);
    } catch {
      throw new SottoError('BAD_UTF8', 'history entry text');
    }
  }
  checkShape(kind, deleted, text, target, attachment);
  return {
    seq, sender, time, counter: counter === 0 ? undefined : counter, kind, deleted, text,
    ...(target === undefined ? {} : { target }), ...(attachment === undefined ? {} : { attachment }),
  };
}

/** One encoding per entry: a deleted one has no text left, a delete never had any, an attachment has its reference, a reaction one emoji. */
function checkShape(kind: EntryKind, deleted: boolean, text: string, target: MessageRef | undefined, attachment: AttachmentRef | undefined): void {
  if (isRef(kind) !== (target !== undefined)) throw new SottoError('BAD_VALUE', `a ${kind} entry ${target === undefined ? 'names no message' : 'names a message'}`);
  if ((kind === 'attachment' && !deleted) !== (attachment !== undefined)) throw new SottoError('BAD_VALUE', 'an attachment entry without its reference, or a reference elsewhere');
  if ((deleted || kind === 'delete' || kind === 'attachment') && text !== '') throw new SottoError('BAD_VALUE', `a ${deleted ? 'deleted' : kind} entry with text`);
  if (kind === 'reaction' && utf8(text).length > MAX_REACTION_BYTES) throw new SottoError('FIELD_TOO_LARGE', 'a reaction entry is one emoji');
}
