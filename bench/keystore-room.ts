// The room the keystore benches save into, in Node and in Chromium alike: the layout 2 fixture's
// room (test/fixtures/keystore-v2) cut or grown to `history` messages, with one past epoch (keys
// forgotten) per 100 messages as the default rotation leaves them, and our own records in the
// journal for half as many of the newest seqs again (the journal keeps at most 1,000): whatever
// the history, the open chunk then holds some of ours. Live messages alternate
// between another member's and ours (which, once the journal is full, lets its oldest go). Pure:
// each side opens the fixture its own way.
import { DEFAULT_KEEP_OWN_RECORDS } from '../protocol/client/journal.js';
import type { RoomState } from '../protocol/client/room-state.js';
import { grow, growEpochs, growJournal, growOwn } from '../test/helpers/grow-history.js';

/** Messages per epoch: the rooms' default rotation (docs/protocol.md). */
const ROTATE_EVERY = 100;

export const KEYSTORE_HISTORIES: readonly number[] = [100, 1_000, 10_000, 100_000];

export function shapeHistory(room: RoomState, history: number): void {
  if (history < room.messages.length) room.messages.length = history;
  else grow(room, history - room.messages.length);
  growEpochs(room, Math.max(0, Math.ceil(history / ROTATE_EVERY) - 1 - room.epoch), ROTATE_EVERY);
  growJournal(room, Math.min(DEFAULT_KEEP_OWN_RECORDS, room.journal.own.size + Math.ceil(history / 2)));
}

/** The `i`th live message: another member's when even, ours when odd. */
export function liveMessage(room: RoomState, i: number): void {
  if (i % 2 === 0) grow(room, 1);
  else growOwn(room);
}
