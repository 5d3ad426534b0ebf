// Replies, reactions, edits and deletes folded into the messages they name (docs/protocol.md §9.1).
// They are kept as the messages they arrived as (each verified and stored at its seq like any
// other), and each view of the timeline folds them in one pass: O(n) in the room's messages, so
// the room opens as fast with them as without. Pure: the caller gives the messages in log order
// (delivered by seq, then our queued ones), who may edit what, and how to label a member.
import type { MessageView } from './room-state.js';
import { refKey } from './room-state.js';
import { sameAuthor } from './authorship.js';

/** The message a reply quotes, as it stands now (edited or deleted since). */
export interface Quote {
  readonly ref: string;
  /** Where to jump to; undefined while it is ours and pending. */
  readonly seq: number | undefined;
  readonly senderLabel: string;
  readonly text: string;
  readonly deleted: boolean;
}

/** One emoji's reactions: each member counts once, with their latest reaction. */
export interface ReactionCount {
  readonly emoji: string;
  readonly count: number;
  /** The reactors' labels, in the order they reacted. */
  readonly by: readonly string[];
  readonly mine: boolean;
}

export interface TimelineMessage extends MessageView {
  /** What a reply, reaction, edit or delete names this message by (refKey); undefined if it cannot be named. */
  readonly ref: string | undefined;
  /** A reply: the message quoted, or `missing` when this device does not hold it. */
  readonly replyTo: Quote | { readonly ref: string; readonly missing: true } | undefined;
  readonly reactions: readonly ReactionCount[];
  /** The texts it had before its latest edit, oldest first (kept on this device only); empty if never edited. */
  readonly edits: readonly { readonly text: string; readonly time: number }[];
  readonly deleted: boolean;
}

export interface FoldContext {
  /** Replacement signing keys to the keys they replaced (authorship.ts). */
  readonly replaced: ReadonlyMap<string, string>;
  readonly label: (sender: string) => string;
}

/** The sender a ref names (hex); refKey puts it before the colon. */
function targetSender(target: string): string {
  return target.slice(0, target.indexOf(':'));
}

interface Folds {
  readonly reactions: Map<string, Map<string, MessageView>>;
  readonly edits: Map<string, MessageView[]>;
  readonly deletes: Set<string>;
}

/** Listed messages are texts and replies; the rest are folded into the messages they name, or are notices (renames). */
export function isListed(m: MessageView): boolean {
  return (m.about === undefined || m.about.kind === 'reply') && m.renamed === undefined;
}

/**
 * The refs of messages passed on as history (`sharedBy`, §8.6.1) that a reaction, edit or delete
 * passed on with them may name (`vouched`), and those a verified record of this device also has
 * (`shadowed`): a member or device that passes history on cannot, by claiming a counter, make its
 * word stand for a record the device verified itself (V-191).
 */
interface Vouching {
  readonly vouched: ReadonlySet<string>;
  readonly shadowed: ReadonlySet<string>;
}

const NO_VOUCHING: Vouching = { vouched: new Set(), shadowed: new Set() };

function vouching(entries: readonly MessageView[]): Vouching {
  const vouched = new Set<string>();
  const counters = new Set<number>();
  for (const m of entries) {
    if (m.sharedBy === undefined || m.counter === undefined) continue;
    vouched.add(refKey(m.sender, m.counter));
    counters.add(m.counter);
  }
  if (vouched.size === 0) return NO_VOUCHING;
  const shadowed = new Set<string>();
  for (const m of entries) {
    if (m.sharedBy !== undefined || m.counter === undefined || !counters.has(m.counter)) continue;
    const ref = refKey(m.sender, m.counter);
    if (vouched.delete(ref)) shadowed.add(ref);
  }
  return { vouched, shadowed };
}

/** What `m` is named by: none when it is passed-on history shadowed by a verified record. */
function refOf(m: MessageView, v: Vouching): string | undefined {
  if (m.counter === undefined) return undefined;
  const ref = refKey(m.sender, m.counter);
  return m.sharedBy !== undefined && v.shadowed.has(ref) ? undefined : ref;
}

/**
 * The reactions, edits and deletes in `entries` that name one of `wanted` (refKeys). Passed-on ones
 * fold only into passed-on messages: the word of whoever passed them on reaches no verified record.
 */
function collect(entries: readonly MessageView[], wanted: ReadonlySet<string>, ctx: FoldContext, v: Vouching): Folds {
  const folds: Folds = { reactions: new Map(), edits: new Map(), deletes: new Set() };
  for (const m of entries) {
    const about = m.about;
    if (about === undefined || about.kind === 'reply' || !wanted.has(about.target)) continue;
    if (m.sharedBy !== undefined && !v.vouched.has(about.target)) continue;
    if (about.kind === 'reaction') {
      // Per reactor, the latest replaces the earlier (an empty one withdraws it): a member counts once.
      let by = folds.reactions.get(about.target);
      if (by === undefined) folds.reactions.set(about.target, by = new Map());
      by.delete(m.sender);
      by.set(m.sender, m);
      continue;
    }
    // Only the author edits or deletes (V-122): anyone else's is ignored wherever it came from.
    if (!sameAuthor(m.sender, targetSender(about.target), ctx.replaced)) continue;
    if (about.kind === 'delete') folds.deletes.add(about.target);
    else {
      const list = folds.edits.get(about.target) ?? [];
      list.push(m);
      folds.edits.set(about.target, list);
    }
  }
  return folds;
}

/** The text a message shows now and the earlier ones. */
function current(m: MessageView, ref: string | undefined, folds: Folds): { text: string; deleted: boolean; edits: TimelineMessage['edits'] } {
  const deleted = m.deleted === true || (ref !== undefined && folds.deletes.has(ref));
  if (deleted) return { text: '', deleted, edits: NONE };
  const edits = ref === undefined ? undefined : folds.edits.get(ref);
  if (edits === undefined || edits.length === 0) return { text: m.text, deleted, edits: NONE };
  const versions = [{ text: m.text, time: m.time }, ...edits.map((e) => ({ text: e.text, time: e.time }))];
  return { text: versions.at(-1)!.text, deleted, edits: versions.slice(0, -1) };
}

/** Shared by every message without reactions or edits, so most messages allocate neither. */
const NONE: readonly never[] = [];

function reactionCounts(ref: string | undefined, folds: Folds, ctx: FoldContext): readonly ReactionCount[] {
  const by = ref === undefined ? undefined : folds.reactions.get(ref);
  if (by === undefined) return NONE;
  const counts = new Map<string, { by: string[]; mine: boolean }>();
  for (const reaction of by.values()) {
    if (reaction.text === '') continue;
    let count = counts.get(reaction.text);
    if (count === undefined) counts.set(reaction.text, count = { by: [], mine: false });
    count.by.push(ctx.label(reaction.sender));
    if (reaction.mine) count.mine = true;
  }
  return [...counts].map(([emoji, c]) => ({ emoji, count: c.by.length, by: c.by, mine: c.mine }));
}

/** A reply's quote of `target` as it reads now, or missing when this device does not hold it. */
function quote(ref: string, target: MessageView | undefined, folds: Folds, ctx: FoldContext): Exclude<TimelineMessage['replyTo'], undefined> {
  if (target === undefined) return { ref, missing: true };
  const now = current(target, ref, folds);
  return { ref, seq: target.seq, senderLabel: ctx.label(target.sender), text: now.text, deleted: now.deleted };
}

/**
 * The last `last` listed messages of `entries` (in log order) with everything that names them
 * folded in, and how many are listed in all. A few passes over `entries` that allocate only for
 * the messages shown and what names them: O(n), and cheap enough to run on every refresh.
 */
export function foldTimeline(entries: readonly MessageView[], ctx: FoldContext, last = Number.POSITIVE_INFINITY): { messages: TimelineMessage[]; total: number } {
  let total = 0;
  for (const m of entries) if (isListed(m)) total++;
  const shown: MessageView[] = [];
  for (let i = entries.length - 1; i >= 0 && shown.length < last; i--) if (isListed(entries[i]!)) shown.push(entries[i]!);
  shown.reverse();
  // What the shown messages are named by, and what their replies quote: only those are folded.
  const v = vouching(entries);
  const wanted = new Set<string>();
  const quoted = new Map<string, MessageView | undefined>();
  for (const m of shown) {
    const ref = refOf(m, v);
    if (ref !== undefined) wanted.add(ref);
    if (m.about?.kind === 'reply') {
      wanted.add(m.about.target);
      quoted.set(m.about.target, undefined);
    }
  }
  const quotedCounters = new Set([...quoted.keys()].map((ref) => Number(ref.slice(ref.indexOf(':') + 1))));
  if (quoted.size > 0) {
    for (const m of entries) {
      if (m.counter === undefined || !quotedCounters.has(m.counter) || !isListed(m)) continue;
      const ref = refOf(m, v);
      if (ref !== undefined && quoted.has(ref) && quoted.get(ref) === undefined) quoted.set(ref, m);
    }
  }
  const folds = collect(entries, wanted, ctx, v);
  const messages = shown.map((m): TimelineMessage => {
    const ref = refOf(m, v);
    const now = current(m, ref, folds);
    const replyTo = m.about?.kind !== 'reply' || now.deleted ? undefined : quote(m.about.target, quoted.get(m.about.target), folds, ctx);
    // New fields first, then the spread, then what replaces the stored text: V8 copies that shape
    // fast, where fields added after a spread cost about 30 µs per message (measured, 500 messages).
    return {
      deleted: now.deleted, edits: now.edits, ref, reactions: now.deleted ? NONE : reactionCounts(ref, folds, ctx), replyTo,
      ...m, text: now.text,
    };
  });
  return { messages, total };
}
