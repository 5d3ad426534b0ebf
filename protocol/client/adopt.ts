// A keystore imported from an export older than what its keys have sent since (docs/protocol.md §9,
// step 3): the relay holds later records our key signed that this copy never sealed. They are ours,
// so each one moves our chain on — counter and previous hash — and the next message we seal takes
// the counter after the highest the relay holds. Until a complete sync has brought them all, nothing
// is sealed (Outbox.enqueueContent), so no counter is ever used twice.
import { toHex } from '../bytes.js';
import type { MessageRecord } from '../wire/message.js';
import type { RoomState } from './room-state.js';

/** Our own record `record` (hash `hash`), stored by the relay: our chain continues after it if it is the newest. */
export function adoptOwn(room: RoomState, record: MessageRecord, hash: Uint8Array): void {
  room.sentHashes.add(toHex(hash));
  if (record.counter <= room.counter) return;
  room.counter = record.counter;
  room.lastHash = hash;
}

/** Marks every room of a keystore just imported: adopting until its next complete sync. */
export function markImported(rooms: Iterable<RoomState>): void {
  for (const room of rooms) if (room.status === 'member') room.journal.adopting = true;
}
