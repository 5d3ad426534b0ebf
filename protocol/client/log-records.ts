// Which log parts a save writes (record-layout.ts): the membership log only grows at its end, so the
// events past those the parts hold are the change, and a save writes the one or few parts they fall
// in — a catch-up of 100,000 events never seals the whole log again.
import { toBase64Url } from '../bytes.js';
import type { MemberEvent } from '../wire/membership.js';
import { logName, logRecord, parseName } from './record-layout.js';
import type { RoomState } from './room-state.js';

/** How many of room.events the log parts hold, and the last of them: what was appended since. */
export interface StoredLog {
  count: number;
  last: MemberEvent | undefined;
}

/** The log as its parts hold it, once loaded from them or written whole (a layout 2 keystore held it inline and is rewritten whole). */
export function storedLog(room: RoomState): StoredLog {
  return { count: room.events.length, last: room.events.at(-1) };
}

/** Writes the parts the events appended since `stored` fall in (every part if the log was replaced), and updates it. */
export function saveLog(room: RoomState, stored: StoredLog, names: Set<string>, size: number, put: Map<string, Uint8Array>, remove: string[]): void {
  const events = room.events;
  if (stored.count > 0 && events[stored.count - 1] !== stored.last) {
    // Not an append: the log we hold is another one now. Its parts are all written again.
    for (const name of names) {
      const parsed = parseName(name);
      if (parsed?.kind !== 'l' || parsed.index * size < events.length) continue;
      remove.push(name);
      names.delete(name);
    }
    stored.count = 0;
  }
  if (events.length === stored.count) return;
  for (let part = Math.floor(stored.count / size); part * size < events.length; part++) {
    const name = logName(room.hex, part);
    put.set(name, logRecord(room.hex, part, events.slice(part * size, (part + 1) * size).map((e) => toBase64Url(e.bytes))));
    names.add(name);
  }
  stored.count = events.length;
  stored.last = events.at(-1);
}
