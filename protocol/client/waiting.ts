// Messages that cannot be checked yet: their sender's admission, their epoch's key or the log head
// they name has not reached us. They wait here, per room and in seq order, until an event, a
// rotation or a sync brings what they lack, instead of being dropped: a new member's first
// messages can overtake the add that admits it. Later messages of a sender with one waiting wait
// behind it, and so does that sender's tombstone of a later message (§9.1.1): each sender's stream,
// deleted messages included, is still checked in order. Pure bookkeeping; Receiving decides.
import { bytesEqual } from '../bytes.js';
import type { ErrorName } from '../errors.js';
import type { MessageRecord } from '../wire/message.js';
import type { Tombstone } from '../wire/tombstone.js';
import type { RoomState } from './room-state.js';

/** Messages waiting per room unless the client says otherwise; the oldest goes first past it. */
export const DEFAULT_MAX_WAITING = 1000;

interface Waits {
  readonly seq: number;
  /** What it lacked when last checked. */
  error: ErrorName;
  detail: string;
  /** Syncs started before it arrived: only a later one may have fetched what it lacks. */
  readonly after: number;
  /** Whether a sync since its arrival still did not bring what it lacks (told once). */
  told: boolean;
}

export interface WaitingRecord extends Waits {
  readonly record: MessageRecord;
  readonly tombstone?: undefined;
}

/** A tombstone served while an earlier message of its sender waits: it moves that sender's counters, so it goes after. */
export interface WaitingTombstone extends Waits {
  readonly tombstone: Tombstone;
  readonly record?: undefined;
}

export type WaitingMessage = WaitingRecord | WaitingTombstone;

/** Whose stream a waiting entry belongs to. */
export function waitingSender(m: WaitingMessage): Uint8Array {
  return m.tombstone === undefined ? m.record.sender : m.tombstone.sender;
}

/**
 * The waiting messages of each room live on the room (RoomState.waiting) and are saved with it: the
 * sync cursor has moved past them, so a restart that lost them would lose them for good.
 */
export class Waiting {
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Adds `message` in seq order; returns the oldest message pushed out past the bound, if any. */
  add(room: RoomState, message: WaitingMessage): WaitingMessage | undefined {
    const list = room.waiting;
    let at = list.length;
    while (at > 0 && list[at - 1]!.seq > message.seq) at--;
    list.splice(at, 0, message);
    return list.length > this.#max ? list.shift() : undefined;
  }

  /** Whether a message or tombstone of `sender` waits in `room`: its later ones must wait behind it. */
  hasSender(room: RoomState, sender: Uint8Array): boolean {
    return room.waiting.some((m) => bytesEqual(waitingSender(m), sender));
  }

  /** Takes every waiting message of `room`, in seq order; those still lacking are added back. */
  take(room: RoomState): WaitingMessage[] {
    return room.waiting.splice(0);
  }

  /** Whether a message that arrived during or after sync number `count` waits in `room`. */
  arrivedSince(room: RoomState, count: number): boolean {
    return room.waiting.some((m) => m.after >= count);
  }
}
