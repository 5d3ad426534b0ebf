// What a thief or a colluding member can read: a person's records as the relay stored them, and
// whether any epoch key in that person's keystore opens one.
import { messageKey, openMessage } from '../../../protocol/client/message-crypto.js';
import type { Suite } from '../../../protocol/crypto/suite.js';
import type { ClientFrame } from '../../../protocol/wire/frames.js';
import type { MessageRecord } from '../../../protocol/wire/message.js';
import type { RoomState } from '../../../protocol/client/room-state.js';
import type { Person } from './hostile-relay.js';

/** The records `person` handed the relay to send, in order. */
export function sent(person: Person): MessageRecord[] {
  return person.tap.fromClient
    .filter((f): f is Extract<ClientFrame, { type: 'send' }> => f.type === 'send')
    .map((f) => f.message);
}

/** Whether the epoch key `reader`'s keystore holds for the record's epoch opens it. */
export async function readableBy(suite: Suite, reader: Person, roomId: string, record: MessageRecord): Promise<boolean> {
  return opensWith(suite, await reader.secrets(roomId), record);
}

/** Whether a keystore's copy of a room (a stolen one, say) holds an epoch key that opens the record. */
export async function opensWith(suite: Suite, keys: RoomState, record: MessageRecord): Promise<boolean> {
  const key = keys.epochs.get(record.epoch)?.key;
  if (key === undefined) return false;
  try {
    await openMessage(suite, record, messageKey(key.expose(), record.roomId, record.epoch, record.sender));
    return true;
  } catch {
    return false;
  }
}

/** Waits until `person`'s saved keystore no longer holds `epoch`'s key (saves lag the state by design). */
export async function untilForgotten(person: Person, roomId: string, epoch: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; (await person.secrets(roomId)).epochs.get(epoch)?.key !== undefined;) {
    if (Date.now() > deadline) throw new Error(`${person.name} never forgot epoch ${epoch}'s key`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
