// The room's history setting at work (docs/protocol.md §8.6): which earlier messages the member who
// adds someone re-seals for it, and which of those the joiner takes. Pure: the issuer and the
// receiving side do the I/O. Under the default ('join') nothing is shared and a joiner holds no key
// from before its add, so it reads nothing sent before it.
import { bytesEqual, fromHex, toHex, utf8 } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { HistorySetting } from '../wire/membership.js';
import { MAX_TEXT_BYTES } from '../wire/content.js';
import { SHARE_OVERHEAD, SHARED_ENTRY_OVERHEAD, type HistoryShare, type SharedEntry } from '../wire/history-share.js';
import { eventAt, rosterAt, type DeliveredMessage, type RoomState } from './room-state.js';

/** The messages `history` lets a new member see, from what we hold, oldest first. */
export function sharedMessages(messages: readonly DeliveredMessage[], history: HistorySetting): DeliveredMessage[] {
  if (history.mode === 'join') return [];
  return history.mode === 'all' ? [...messages] : messages.slice(-history.count);
}

/** `messages` for `joiner` as shares, each small enough to be one message's content. */
export function buildShares(joiner: Uint8Array, addIndex: number, messages: readonly DeliveredMessage[]): HistoryShare[] {
  const shares: HistoryShare[] = [];
  let entries: SharedEntry[] = [];
  let size = SHARE_OVERHEAD;
  for (const m of messages) {
    const entry: SharedEntry = { seq: m.seq, sender: fromHex(m.sender), time: m.time, text: m.text };
    const bytes = SHARED_ENTRY_OVERHEAD + utf8(m.text).length;
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
  | { readonly kind: 'taken'; readonly entries: readonly SharedEntry[] };

/**
 * V-94. A share counts only if it is for us, comes from the member whose add of us the log holds at
 * `addIndex`, and the room's setting at that add allows it; then at most that setting's count of
 * entries are kept in all (`alreadyShared` were kept before), only seqs before `beforeSeq` (the
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
  const left = history.mode === 'all' ? fresh.length : Math.max(0, history.count - alreadyShared);
  return { kind: 'taken', entries: fresh.slice(0, left) };
}
