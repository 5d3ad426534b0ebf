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
  readonly replyTo?: Quote | { readonly ref: string; readonly missing: true };
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

/** Listed messages are texts and replies; the rest are folded into the messages they name. */
export function isListed(m: MessageView): boolean {
  return m.about === undefined || m.about.kind === 'reply';
}

function collect(entries: readonly MessageView[], ctx: FoldContext): Folds {
  const folds: Folds = { reactions: new Map(), edits: new Map(), deletes: new Set() };
  for (const m of entries) {
    const about = m.about;
    if (about === undefined || about.kind === 'reply') continue;
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
  if (deleted) return { text: '', deleted, edits: [] };
  const edits = ref === undefined ? undefined : folds.edits.get(ref);
  if (edits === undefined || edits.length === 0) return { text: m.text, deleted, edits: [] };
  const versions = [{ text: m.text, time: m.time }, ...edits.map((e) => ({ text: e.text, time: e.time }))];
  return { text: versions.at(-1)!.text, deleted, edits: versions.slice(0, -1) };
}

function reactionCounts(ref: string | undefined, folds: Folds, ctx: FoldContext): ReactionCount[] {
  const by = ref === undefined ? undefined : folds.reactions.get(ref);
  if (by === undefined) return [];
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

/**
 * The last `last` listed messages of `entries` (in log order) with everything that names them
 * folded in, and how many are listed in all. Two passes over `entries`, one map each: O(n).
 */
export function foldTimeline(entries: readonly MessageView[], ctx: FoldContext, last = Number.POSITIVE_INFINITY): { messages: TimelineMessage[]; total: number } {
  const folds = collect(entries, ctx);
  const listed = entries.filter(isListed);
  const byRef = new Map<string, MessageView>();
  for (const m of listed) if (m.counter !== undefined) byRef.set(refKey(m.sender, m.counter), m);
  const messages = listed.slice(Math.max(0, listed.length - last)).map((m): TimelineMessage => {
    const ref = m.counter === undefined ? undefined : refKey(m.sender, m.counter);
    const now = current(m, ref, folds);
    const view: TimelineMessage = { ...m, ...now, ref, reactions: now.deleted ? [] : reactionCounts(ref, folds, ctx) };
    if (m.about?.kind !== 'reply' || now.deleted) return view;
    const quoted = byRef.get(m.about.target);
    if (quoted === undefined) return { ...view, replyTo: { ref: m.about.target, missing: true } };
    const shown = current(quoted, m.about.target, folds);
    return { ...view, replyTo: { ref: m.about.target, seq: quoted.seq, senderLabel: ctx.label(quoted.sender), text: shown.text, deleted: shown.deleted } };
  });
  return { messages, total: listed.length };
}
