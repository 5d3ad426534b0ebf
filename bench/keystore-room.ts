// The room the keystore benches save into, in Node and in Chromium alike: the fixture keystore's
// room cut or grown to `history` messages, with one past epoch per 100 messages as the default
// rotation leaves in the state record. Pure: each side opens the fixture its own way.
import type { RoomState } from '../protocol/client/room-state.js';
import { grow } from '../test/helpers/grow-history.js';

/** Messages per epoch: the rooms' default rotation (docs/protocol.md). */
const ROTATE_EVERY = 100;

export const KEYSTORE_HISTORIES: readonly number[] = [100, 1_000, 10_000, 100_000];

export function shapeHistory(room: RoomState, history: number): void {
  if (history < room.messages.length) room.messages.length = history;
  else grow(room, history - room.messages.length);
  // Past epochs whose keys are forgotten: their entries stay in the state record.
  const past = room.epochs.get(room.epoch)!;
  for (let epoch = room.epoch + 1; epoch < Math.ceil(history / ROTATE_EVERY); epoch++) {
    room.epochs.set(epoch, { ...past, chains: undefined, initSecret: undefined });
    room.epochCounts.set(epoch, ROTATE_EVERY);
  }
}
