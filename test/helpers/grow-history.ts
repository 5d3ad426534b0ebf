// More messages for a real room (test/helpers/grown-room.ts opens one), each after the room's last
// with its accepted hash and marked for the next save as receiving marks them, and more past epochs
// as rotations leave them. Pure, so the browser bench's page can use it too.
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
