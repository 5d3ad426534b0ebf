// A message to bring into view once its room's timeline shows it: set by a search result, taken
// by the room view (room.ts) when it renders that room.
let target: { roomId: string; key: string } | undefined;

/** Fired on window, so the room already on screen brings the message into view too. */
export const JUMP_EVENT = 'sotto-jump';

export function jumpTo(roomId: string, key: string): void {
  target = { roomId, key };
  window.dispatchEvent(new Event(JUMP_EVENT));
}

/** The key of the message to show in `roomId`, if a jump waits for it. */
export function pendingJump(roomId: string): string | undefined {
  return target?.roomId === roomId ? target.key : undefined;
}

export function jumpDone(): void {
  target = undefined;
}
