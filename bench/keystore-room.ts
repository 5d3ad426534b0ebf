// The room the keystore benches save into, in Node and in Chromium alike: the fixture keystore's
// room cut or grown to `history` messages, with one past epoch (keys forgotten) per 100 messages
// as the default rotation leaves them. Pure: each side opens the fixture its own way.
import type { RoomState } from '../protocol/client/room-state.js';
import { grow, growEpochs } from '../test/helpers/grow-history.js';

/** Messages per epoch: the rooms' default rotation (docs/protocol.md). */
const ROTATE_EVERY = 100;

export const KEYSTORE_HISTORIES: readonly number[] = [100, 1_000, 10_000, 100_000];

export function shapeHistory(room: RoomState, history: number): void {
  if (history < room.messages.length) room.messages.length = history;
  else grow(room, history - room.messages.length);
  growEpochs(room, Math.max(0, Math.ceil(history / ROTATE_EVERY) - 1 - room.epoch), ROTATE_EVERY);
}
