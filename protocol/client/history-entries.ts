// Messages passed on as history entries (docs/protocol.md §8.6.1) and taken back: a history share to
// a joiner (§8.6) and a device link's history (§8.7.1) carry the same entries. What is taken keeps
// its sender, counter and what it names, so replies, reactions, edits and deletes resolve on the
// receiving device as they did on the sending one; it is marked with who vouches for it
// (`sharedBy`), and what it vouches for folds only into what the same kind of word vouches for
// (timeline-fold.ts, deletion.ts, V-191).
import { fromHex, toHex } from '../bytes.js';
import type { HistoryEntry } from '../wire/history-entry.js';
import { attachmentRefOf, attachmentView } from './attachment-view.js';
import { refKey, type DeliveredMessage, type MessageView, type RoomState } from './room-state.js';
import { insertMessage, newMessageView } from './views.js';
import { keepDeleted } from './deletion.js';

/** `m` as an entry: its text (or attachment) as it is kept here, its counter, what it names. */
export function historyEntry(m: MessageView & { readonly seq: number }): HistoryEntry {
  const deleted = m.deleted === true;
  const kind = m.about?.kind ?? (m.attachment === undefined ? 'text' : 'attachment');
  const colon = m.about?.target.indexOf(':') ?? -1;
  return {
    seq: m.seq, sender: fromHex(m.sender), time: m.time, counter: m.counter, kind, deleted,
    text: deleted || kind === 'delete' || kind === 'attachment' ? '' : m.text,
    ...(m.about === undefined ? {} : { target: { sender: fromHex(m.about.target.slice(0, colon)), counter: Number(m.about.target.slice(colon + 1)) } }),
    ...(m.attachment === undefined ? {} : { attachment: attachmentRefOf(m.attachment) }),
  };
}

/**
 * Stores `entries` in the room as `sharedBy` vouches for them (labelled in views, counted as read),
 * skipping seqs already held; returns the views stored, for the caller to announce.
 */
export function takeHistoryEntries(room: RoomState, entries: readonly HistoryEntry[], epoch: number, sharedBy: string): DeliveredMessage[] {
  const held = new Set(room.messages.map((m) => m.seq));
  const taken: DeliveredMessage[] = [];
  for (const e of entries) {
    if (held.has(e.seq)) continue;
    const about = e.target === undefined || e.kind === 'text' || e.kind === 'attachment' ? {} : { about: { kind: e.kind, target: refKey(toHex(e.target.sender), e.target.counter) } };
    // A verified delete that came first (the device's own epoch syncs before the history) wipes it as it is stored.
    const view = keepDeleted(room, {
      ...newMessageView(room, e.seq, epoch, e.sender, e.attachment?.name ?? e.text, e.time, [], { ...(e.counter === undefined ? {} : { counter: e.counter }), ...about }),
      ...(e.attachment === undefined ? {} : { attachment: attachmentView(e.attachment) }),
      ...(e.deleted ? { deleted: true } : {}),
      sharedBy,
    });
    insertMessage(room, view);
    held.add(e.seq);
    taken.push(view);
  }
  // What came before our add is history, not news: it counts toward no unread badge.
  const newest = taken.at(-1)?.seq;
  if (newest !== undefined && newest > room.readSeq) room.readSeq = newest;
  return taken;
}
