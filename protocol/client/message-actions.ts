// What a person does to a message (docs/protocol.md §9.1): reply to it, react to it, edit or delete
// it. Checked here before anything is sealed, so a UI that offers Edit on someone else's message
// gets a clear error rather than a message every member ignores (V-122 holds either way).
import { fromHex, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { RefContent, RefKind } from '../wire/content.js';
import { replacedKeys, sameAuthor } from './authorship.js';
import type { RoomState } from './room-state.js';
import { isListed } from './timeline-fold.js';

const REF = /^([0-9a-f]{64}):([1-9][0-9]{0,9})$/;

/** The content for `kind` on the message `target` names (refKey), after checking we may. */
export function refContent(room: RoomState, kind: RefKind, target: string, text: string): RefContent {
  const match = REF.exec(target);
  const counter = Number(match?.[2]);
  if (match === null || counter > 0xffffffff) throw new SottoError('BAD_VALUE', 'not a message reference');
  // Only a delivered message can be named: a pending one may yet be refused (as in Signal).
  const named = room.messages.find((m) => m.counter === counter && m.sender === match[1] && isListed(m));
  if (named === undefined) throw new SottoError('BAD_VALUE', 'no such message in this room');
  if ((kind === 'edit' || kind === 'delete') && !sameAuthor(toHex(room.me.sign.publicKey), match[1]!, replacedKeys(room))) {
    throw new SottoError('NOT_AUTHOR', `only its sender may ${kind} a message`);
  }
  if (named.deleted === true) throw new SottoError('BAD_VALUE', 'the message was deleted');
  return { type: kind, time: Date.now(), target: { sender: fromHex(match[1]!), counter }, text: kind === 'delete' ? '' : text };
}
