// What a thief or a colluding member can read: a person's records as the relay stored them, and
// whether any key in that person's keystore opens one.
import { isSottoError } from '../../../protocol/errors.js';
import { openRotation } from '../../../protocol/client/rotation.js';
import type { RoomState } from '../../../protocol/client/room-state.js';
import type { Rotation } from '../../../protocol/wire/rotation.js';
import { heldSecrets, opensWith } from '../../helpers/keystore-reader.js';
import type { Suite } from '../../../protocol/crypto/suite.js';
import type { ClientFrame } from '../../../protocol/wire/frames.js';
import type { MessageRecord } from '../../../protocol/wire/message.js';
import type { Person } from './hostile-relay.js';

/** The records `person` handed the relay to send, in order. */
export function sent(person: Person): MessageRecord[] {
  return person.tap.fromClient
    .filter((f): f is Extract<ClientFrame, { type: 'send' }> => f.type === 'send')
    .map((f) => f.message);
}

/** The rotations `person` committed through the relay (with an add or a removal, or alone), in order. */
export function rotationsBy(person: Person): Rotation[] {
  return person.tap.fromClient.flatMap((f) => (f.type === 'appendEvent' && f.rotation !== undefined ? [f.rotation] : f.type === 'rotate' ? [f.rotation] : []));
}

/**
 * Whether anything in `keys` (a stolen keystore) opens the thief's entry of `rotation`: its
 * encryption key with no psk, or with any secret the keystore holds in the psk's place.
 */
export async function rotationOpensWith(keys: RoomState, rotation: Rotation): Promise<boolean> {
  for (const psk of [new Uint8Array(0), ...heldSecrets(keys)]) {
    try {
      await openRotation(rotation, keys.me, psk);
      return true;
    } catch (error) {
      // No entry for the thief's key at all (it was updated away) opens nothing either.
      if (isSottoError(error, 'KEY_MISSING')) return false;
      if (!isSottoError(error, 'OPEN_FAILED')) throw error;
    }
  }
  return false;
}

/** Whether a key `reader`'s saved keystore holds opens the record. */
export async function readableBy(suite: Suite, reader: Person, roomId: string, record: MessageRecord): Promise<boolean> {
  return opensWith(suite, await reader.secrets(roomId), record);
}

/** Waits until `person`'s saved keystore no longer holds `epoch`'s keys (saves lag the state by design). */
export async function untilForgotten(person: Person, roomId: string, epoch: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; (await person.secrets(roomId)).epochs.get(epoch)?.chains !== undefined;) {
    if (Date.now() > deadline) throw new Error(`${person.name} never forgot epoch ${epoch}'s key`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
