// A delete by a message's author (docs/protocol.md §9.1, V-123) wipes the message's text, and the
// texts of its edits, from this device: the views show "message deleted", and the next save
// rewrites the chunks that held them. A delete may arrive before the message it names (another
// sender's stream, a late delivery): the message is then wiped as it is stored.
import { sameAuthor, replacedKeys } from './authorship.js';
import { noteHistory } from './message-store.js';
import { refKey, type DeliveredMessage, type RoomState } from './room-state.js';

/** The refs the room's authors deleted, built from its messages once per room and kept up to date. */
const deleted = new WeakMap<RoomState, Set<string>>();

function deletedRefs(room: RoomState): Set<string> {
  let refs = deleted.get(room);
  if (refs === undefined) {
    const replaced = replacedKeys(room);
    // A delete passed on as history (sharedBy) wipes nothing here: it is that device's word, not the author's (V-191).
    refs = new Set(room.messages.flatMap((m) => (m.about?.kind === 'delete' && m.sharedBy === undefined && byAuthor(m, replaced) ? [m.about.target] : [])));
    deleted.set(room, refs);
  }
  return refs;
}

function byAuthor(m: DeliveredMessage, replaced: ReadonlyMap<string, string>): boolean {
  const target = m.about!.target;
  return sameAuthor(m.sender, target.slice(0, target.indexOf(':')), replaced);
}

/** What a message, or an edit, names it by when a delete may have wiped it. */
function wipedBy(m: DeliveredMessage): string | undefined {
  if (m.about?.kind === 'edit') return m.about.target;
  if (m.about === undefined || m.about.kind === 'reply') return m.counter === undefined ? undefined : refKey(m.sender, m.counter);
  return undefined;
}

/** Its text gone, and an attachment's reference with it: the file's key is the message's content too. */
function wiped(m: DeliveredMessage): DeliveredMessage {
  const { attachment: _attachment, ...rest } = m;
  return { ...rest, text: '', deleted: true };
}

/** `view` as it is to be stored: wiped if its author already deleted it (or the message it edits). */
export function keepDeleted(room: RoomState, view: DeliveredMessage): DeliveredMessage {
  const ref = wipedBy(view);
  return ref !== undefined && deletedRefs(room).has(ref) ? wiped(view) : view;
}

/** A delete stored in the room: if its author sent it, the message and its edits lose their text here. */
export function applyDelete(room: RoomState, del: DeliveredMessage): void {
  if (del.about?.kind !== 'delete' || del.sharedBy !== undefined || !byAuthor(del, replacedKeys(room))) return;
  const target = del.about.target;
  deletedRefs(room).add(target);
  room.messages.forEach((m, i) => {
    if (m.deleted === true || wipedBy(m) !== target) return;
    room.messages[i] = wiped(m);
    noteHistory(room, m.seq);
  });
}
