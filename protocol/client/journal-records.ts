// Where the keystore keeps a room's journal (journal.ts) apart from the state record: its own
// records in the message chunk of their seq, its rotations one record each (record-layout.ts). The
// journal changes in restore.ts and receiving.ts; a save finds what changed by comparing the
// journal with what it stored, by identity — at most keepOwnRecords + keepRotations entries, none
// encoded unless it changed.
import { toBase64Url } from '../bytes.js';
import type { MessageRecord } from '../wire/message.js';
import type { Rotation } from '../wire/rotation.js';
import { chunkOf, rotationName, rotationRecord } from './record-layout.js';
import type { RoomState } from './room-state.js';

/** The journal as the keystore's records hold it. */
export interface StoredJournal {
  readonly own: Map<number, MessageRecord>;
  readonly rotations: Map<number, Rotation>;
}

/** What a room's loaded journal is: all of it came from records (layout 3) or is rewritten at once. */
export function storedJournal(room: RoomState): StoredJournal {
  return { own: new Map(room.journal.own), rotations: new Map(room.journal.rotations) };
}

/** The chunks whose own records changed since they were written. */
export function ownChunks(room: RoomState, stored: StoredJournal, size: number): Set<number> {
  const chunks = new Set<number>();
  for (const [seq, record] of room.journal.own) if (stored.own.get(seq) !== record) chunks.add(chunkOf(seq, size));
  for (const seq of stored.own.keys()) if (!room.journal.own.has(seq)) chunks.add(chunkOf(seq, size));
  return chunks;
}

/** The own records of one chunk's seqs, as its record holds them; `stored` updated to match. */
export function ownOfChunk(room: RoomState, stored: StoredJournal, from: number, size: number): [number, string][] {
  const own: [number, string][] = [];
  for (let seq = from; seq < from + size; seq++) {
    const record = room.journal.own.get(seq);
    if (record === undefined) {
      stored.own.delete(seq);
      continue;
    }
    own.push([seq, toBase64Url(record.bytes)]);
    stored.own.set(seq, record);
  }
  return own;
}

/** Writes each rotation the journal took since the last save, deletes each it let go. */
export function saveRotations(room: RoomState, stored: StoredJournal, names: Set<string>, put: Map<string, Uint8Array>, remove: string[]): void {
  for (const [epoch, rotation] of room.journal.rotations) {
    if (stored.rotations.get(epoch) === rotation) continue;
    const name = rotationName(room.hex, epoch);
    put.set(name, rotationRecord(room.hex, epoch, toBase64Url(rotation.bytes)));
    names.add(name);
    stored.rotations.set(epoch, rotation);
  }
  for (const epoch of [...stored.rotations.keys()]) {
    if (room.journal.rotations.has(epoch)) continue;
    const name = rotationName(room.hex, epoch);
    names.delete(name);
    remove.push(name);
    stored.rotations.delete(epoch);
  }
}
