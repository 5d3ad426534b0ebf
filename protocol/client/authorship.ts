// Who may edit or delete a message (docs/protocol.md §9.1, V-122): its author only, told by
// signatures. The sender of a message is the key that signed it; a member who replaced its keys
// (§8.5) signs later edits with the new key, so the signed log's update events link each new key to
// the one it replaced. Nothing here is the relay's word: the log is verified, the keys are signed.
import { toHex } from '../bytes.js';
import type { RoomState } from './room-state.js';

/** Each replacement signing key to the key it replaced (hex), from the room's held log. */
export function replacedKeys(room: RoomState): ReadonlyMap<string, string> {
  const before = new Map<string, string>();
  for (const event of room.events) {
    if (event.kind === 'update' && event.update !== undefined) before.set(toHex(event.update.sign), toHex(event.issuer));
  }
  return before;
}

/** Whether `signer` is `author` or a later key of the same member (hex signing keys). */
export function sameAuthor(signer: string, author: string, replaced: ReadonlyMap<string, string>): boolean {
  let key: string | undefined = signer;
  // Each key replaces one earlier key, and the log is a chain, so the walk ends; the bound is for safety.
  for (let steps = 0; key !== undefined && steps <= replaced.size; steps++) {
    if (key === author) return true;
    key = replaced.get(key);
  }
  return false;
}
