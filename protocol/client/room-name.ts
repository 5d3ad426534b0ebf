// Renaming a room (docs/protocol.md §9.3, V-150, V-151): the name is a roomName content message,
// sealed and padded like any other, so the relay never sees it. It counts only when its sender was
// an owner or an admin in the roster at the log head the message names, which every member that
// holds that log judges alike, whenever the message reaches it. A rename that changes the name is
// kept at its seq as a timeline notice ("Alice renamed the room to …"); it is no listed message, so
// it counts toward no unread badge, preview, search or history share.
import { SottoError } from '../errors.js';
import type { ErrorName } from '../errors.js';
import { isAdmin } from '../membership/roster.js';
import type { TextContent } from '../wire/content.js';
import { MAX_NAME_BYTES } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { safeName } from './display-name.js';
import { currentRoster, rosterAt, type DeliveredMessage, type RoomState } from './room-state.js';
import { insertMessage } from './views.js';

/** The content that renames `room` to `name`, after checking we may (NOT_ADMIN) and that the name says something. */
export function renameContent(room: RoomState, name: string): TextContent {
  const roster = currentRoster(room);
  if (roster === undefined || !isAdmin(roster, room.me.sign.publicKey)) throw new SottoError('NOT_ADMIN', 'only the owner or an admin may rename the room');
  if (safeName(name) === '') throw new SottoError('BAD_VALUE', 'a room name needs a visible character');
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) throw new SottoError('FIELD_TOO_LARGE', `a room name is at most ${MAX_NAME_BYTES} bytes`);
  return { type: 'roomName', time: Date.now(), text: name };
}

/**
 * The name a verified roomName message gives the room, or undefined when it does not count (V-150):
 * its sender must be an owner or admin both in the roster at the log length its header names (so a
 * rename sealed before a promotion does not count) and in the roster this device holds now (so a
 * demoted admin cannot date a rename back into its days as admin: a role change starts no epoch);
 * a head that is not the one this device holds there (LOG_DIFFERENT) does not count either.
 */
export function renamedTo(room: RoomState, record: MessageRecord, text: string, marks: readonly ErrorName[]): string | undefined {
  if (marks.includes('LOG_DIFFERENT')) return undefined;
  const then = rosterAt(room, record.logLength);
  const now = currentRoster(room);
  if (then === undefined || now === undefined || !isAdmin(then, record.sender) || !isAdmin(now, record.sender)) return undefined;
  return safeName(text);
}

/** How many rename notices each room holds: counted once from its messages, then kept as they come. */
const counts = new WeakMap<RoomState, number>();

export function renameCount(room: RoomState): number {
  let count = counts.get(room);
  if (count === undefined) {
    count = room.messages.filter((m) => m.renamed !== undefined).length;
    counts.set(room, count);
  }
  return count;
}

/** A rename that counts and changes the name: the room takes it, and its notice is kept at its seq. */
export function applyRename(room: RoomState, view: DeliveredMessage & { readonly renamed: string }): void {
  counts.set(room, renameCount(room) + 1);
  room.name = view.renamed;
  insertMessage(room, view);
}

/** The rename notices `room` holds, oldest first. */
export function renames(room: RoomState): DeliveredMessage[] {
  return room.messages.filter((m) => m.renamed !== undefined);
}
