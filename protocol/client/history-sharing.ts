// The room's history setting at work (docs/protocol.md §8.6): which earlier messages the member who
// adds someone re-seals for it, and which of those the joiner takes. Pure: the issuer and the
// receiving side do the I/O. Under the default ('join') nothing is shared and a joiner holds no key
// from before its add, so it reads nothing sent before it.
import { bytesEqual, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { HistorySetting } from '../wire/membership.js';
import { MAX_TEXT_BYTES } from '../wire/content.js';
import { historyEntryBytes, type HistoryEntry } from '../wire/history-entry.js';
import { SHARE_OVERHEAD, type HistoryShare } from '../wire/history-share.js';
import { historyEntry } from './history-entries.js';
import { eventAt, refKey, rosterAt, type DeliveredMessage, type RoomState } from './room-state.js';
import type { TimelineMessage } from './timeline-fold.js';

/**
 * What `history` lets a new member see, oldest first: of `timeline` (the listed messages from before
 * its add as we show them now: edited texts, nothing deleted), none, the last N or all; and of
 * `messages` (what we hold, as it came), each member's latest reaction to one of those, unless
 * withdrawn. Edits' earlier texts and deletes are not shared (§9.1).
 */
export function sharedMessages(timeline: readonly TimelineMessage[], messages: readonly DeliveredMessage[], history: HistorySetting): DeliveredMessage[] {
  if (history.mode === 'join') return [];
  const listed = timeline.flatMap((m) => (m.seq === undefined || m.pending || m.deleted ? [] : [{ ...m, seq: m.seq, pending: false as const }]));
  const window = history.mode === 'all' ? listed : listed.slice(-history.count);
  const refs = new Set(window.flatMap((m) => (m.ref === undefined ? [] : [m.ref])));
  const reactions = new Map<string, DeliveredMessage>();
  for (const m of messages) {
    if (m.about?.kind !== 'reaction' || !refs.has(m.about.target)) continue;
    const key = `${m.sender}/${m.about.target}`;
    reactions.delete(key);
    reactions.set(key, m);
  }
  return [...window, ...[...reactions.values()].filter((r) => r.text !== '')].sort((a, b) => a.seq - b.seq);
}

/** `messages` for `joiner` as shares of history entries, each small enough to be one message's content. */
export function buildShares(joiner: Uint8Array, addIndex: number, messages: readonly DeliveredMessage[]): HistoryShare[] {
  const shares: HistoryShare[] = [];
  let entries: HistoryEntry[] = [];
  let size = SHARE_OVERHEAD;
  for (const m of messages) {
    const entry = historyEntry(m);
    const bytes = historyEntryBytes(entry);
    if (entries.length > 0 && size + bytes > MAX_TEXT_BYTES) {
      shares.push({ joiner, addIndex, entries });
      entries = [];
      size = SHARE_OVERHEAD;
    }
    entries.push(entry);
    size += bytes;
  }
  if (entries.length > 0) shares.push({ joiner, addIndex, entries });
  return shares;
}

/** What a joiner keeps of one share: the entries to show, or why it keeps none. */
export type ShareVerdict =
  | { readonly kind: 'not-ours' }
  | { readonly kind: 'refused'; readonly detail: string }
  | { readonly kind: 'taken'; readonly entries: readonly HistoryEntry[] };

/**
 * V-94. A share counts only if it is for us, comes from the member whose add of us the log holds at
 * `addIndex`, and the room's setting at that add allows it; then at most that setting's count of
 * listed entries are kept in all (`alreadyShared` were kept before), only seqs before `beforeSeq` (the
 * share's own) and none we hold already.
 */
export function judgeShare(room: RoomState, share: HistoryShare, sharer: Uint8Array, beforeSeq: number, alreadyShared: number): ShareVerdict {
  if (!bytesEqual(share.joiner, room.me.sign.publicKey)) return { kind: 'not-ours' };
  const add = eventAt(room, share.addIndex);
  if (add?.kind !== 'add' || !bytesEqual(add.subjectSign, room.me.sign.publicKey) || !bytesEqual(add.issuer, sharer)) {
    return { kind: 'refused', detail: `history shared by ${toHex(sharer).slice(0, 8)}, who did not add us at event ${share.addIndex}` };
  }
  const history = rosterAt(room, share.addIndex + 1)?.settings.history;
  if (history === undefined) throw new SottoError('BAD_CHAIN', 'no roster at our add');
  if (history.mode === 'join') return { kind: 'refused', detail: 'history shared although new members see messages from when they join' };
  const held = new Set(room.messages.map((m) => m.seq));
  const fresh = share.entries.filter((e) => e.seq < beforeSeq && !held.has(e.seq));
  if (history.mode === 'all') return { kind: 'taken', entries: fresh };
  // `last N` counts the listed messages (texts, replies, attachments); a reaction comes only with a
  // message it names that is kept, so a share cannot pass N by dressing messages as reactions.
  let left = Math.max(0, history.count - alreadyShared);
  const named = new Set(room.messages.flatMap((m) => (m.sharedBy !== undefined && m.counter !== undefined ? [refKey(m.sender, m.counter)] : [])));
  const kept: HistoryEntry[] = [];
  for (const e of fresh) {
    if (e.kind === 'reaction' || e.kind === 'edit' || e.kind === 'delete') {
      if (named.has(refKey(toHex(e.target!.sender), e.target!.counter))) kept.push(e);
      continue;
    }
    if (left === 0) continue;
    left--;
    kept.push(e);
    if (e.counter !== undefined) named.add(refKey(toHex(e.sender), e.counter));
  }
  return { kind: 'taken', entries: kept };
}
