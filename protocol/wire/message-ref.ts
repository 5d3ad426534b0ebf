// A payload that names another message of the room (docs/protocol.md §9.1): a reply, a reaction,
// an edit or a delete. The message is named by its sender's signing key and the counter in its
// signed header: every member computes both from the record it verified, the relay can change
// neither (they are inside the signed header and, here, inside the encrypted content), and a
// relay restored from a backup that moves a record to another seq moves neither (§10.1).
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { SIZE } from './types.js';

export interface MessageRef {
  /** The named message's sender (its signing key). */
  readonly sender: Uint8Array;
  /** The counter of its signed header. */
  readonly counter: number;
}

/** A reply's, reaction's, edit's or delete's payload: the message it names and its text. */
export interface RefPayload {
  readonly target: MessageRef;
  /** reply, edit: the new text; reaction: the emoji (empty: withdrawn); delete: empty. */
  readonly text: string;
}

/** A reaction is one emoji (with its modifiers and joiners), not a message; in a history entry too. */
export const MAX_REACTION_BYTES = 32;

/** sender ‖ counter ‖ text length: a payload's bytes besides its text. */
export const REF_OVERHEAD = SIZE.publicKey + 4 + 4;

export function encodeRefPayload(p: RefPayload): Uint8Array {
  const text = utf8(p.text);
  return new Writer(REF_OVERHEAD + text.length).fixed(p.target.sender, SIZE.publicKey).u32(p.target.counter).var32(text).finish();
}

/** Decodes a payload whose text is at most `maxText` bytes. */
export function decodeRefPayload(bytes: Uint8Array, maxText: number): RefPayload {
  const r = new Reader(bytes);
  const sender = r.fixed(SIZE.publicKey, 'target sender');
  const counter = r.u32('target counter');
  // Counters start at 1 (§9): 0 names no message, so it has no encoding.
  if (counter === 0) throw new SottoError('BAD_VALUE', 'target counter 0');
  const textBytes = r.var32(maxText, 'ref text');
  let text: string;
  try {
    text = fromUtf8(textBytes);
  } catch {
    throw new SottoError('BAD_UTF8', 'ref text');
  }
  r.end('ref payload');
  return { target: { sender, counter }, text };
}
