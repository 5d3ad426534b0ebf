// More messages for a real room (test/helpers/grown-room.ts opens one), each after the room's last
// with its accepted hash and marked for the next save as receiving marks them, and more past epochs
// as rotations leave them. Pure, so the browser bench's page can use it too.
import { DEFAULT_KEEP_OWN_RECORDS, keepOwn } from '../../protocol/client/journal.js';
import { noteHistory } from '../../protocol/client/message-store.js';
import type { RoomState } from '../../protocol/client/room-state.js';
import { insertMessage } from '../../protocol/client/views.js';

/** Adds `count` messages after the room's last. */
export function grow(room: RoomState, count: number): void {
  const template = room.messages.at(-1)!;
  const hash = room.seen.get(template.seq)!;
  for (let i = 1; i <= count; i++) {
    const seq = room.syncSeq + 1;
    insertMessage(room, { ...template, seq, text: `grown ${seq}` });
    room.seen.set(seq, hash);
    noteHistory(room, seq);
    room.syncSeq = seq;
    room.lastSeen = seq;
  }
}

/**
 * Moves the room `count` epochs on: each epoch it passes keeps its room code and roster and is
 * counted full (`messages`), its keys forgotten as forgetKeysBefore and keepNewestInitSecret leave
 * them; the current epoch's keys move up to the new current epoch.
 */
export function growEpochs(room: RoomState, count: number, messages: number): void {
  const current = room.epochs.get(room.epoch)!;
  const top = room.epoch + count;
  for (let epoch = room.epoch; epoch < top; epoch++) {
    room.epochs.set(epoch, { ...current, chains: undefined, initSecret: undefined });
    room.epochCounts.set(epoch, messages);
  }
  room.epochs.set(top, current);
  room.epoch = top;
}

/**
 * Our own record (the journal's first, again) at the room's newest seqs without one, oldest first,
 * until the journal holds `count`: as sending them would have left it.
 */
export function growJournal(room: RoomState, count: number): void {
  const record = room.journal.own.values().next().value!;
  const seqs: number[] = [];
  for (let seq = room.syncSeq; seq > 0 && room.journal.own.size + seqs.length < count; seq--) if (!room.journal.own.has(seq)) seqs.push(seq);
  for (const seq of seqs.reverse()) keepOwn(room.journal, seq, record, DEFAULT_KEEP_OWN_RECORDS);
}

/** One live message of ours: shown, and kept in the journal, which lets its oldest go once full. */
export function growOwn(room: RoomState): void {
  grow(room, 1);
  keepOwn(room.journal, room.syncSeq, room.journal.own.values().next().value!, DEFAULT_KEEP_OWN_RECORDS);
}
