// What a stolen keystore can open: every sender chain a room state holds moves only forward, so a
// thief derives the keys of indexes at or after a chain's position, and the skipped keys it kept.
import { toHex } from '../../protocol/bytes.js';
import { isSottoError } from '../../protocol/errors.js';
import type { Suite } from '../../protocol/crypto/suite.js';
import { openMessage } from '../../protocol/client/message-crypto.js';
import type { RoomState } from '../../protocol/client/room-state.js';
import { joinSecret } from '../../protocol/client/epoch-keys.js';
import { chainStart, ratchetStep, takeMessageKey } from '../../protocol/client/sender-ratchet.js';
import type { MessageRecord } from '../../protocol/wire/message.js';

/**
 * The key of message `index` in `sender`'s chain of `epoch`, from what `keys` holds; undefined when
 * the keystore holds none (the epoch forgotten, the index already passed). Every member holds every
 * sender's chain of its epochs, so only the signature says who wrote a message. `keys` is left as it was.
 */
export function chainKeyAt(keys: RoomState, epoch: number, sender: Uint8Array, index: number): Uint8Array | undefined {
  const chain = keys.epochs.get(epoch)?.chains?.get(toHex(sender));
  if (chain === undefined) return undefined;
  try {
    return takeMessageKey(chain, index).messageKey;
  } catch (error) {
    if (isSottoError(error, 'KEY_USED')) return undefined;
    throw error;
  }
}

/** The next unused index of `sender`'s chain in `epoch` as `keys` holds it. */
export function nextIndex(keys: RoomState, epoch: number, sender: Uint8Array): number {
  const chain = keys.epochs.get(epoch)?.chains?.get(toHex(sender));
  if (chain === undefined) throw new Error(`no chain of ${toHex(sender).slice(0, 8)} in epoch ${epoch}`);
  return chain.next;
}

/** Whether any key `keys` holds opens `record`. */
export async function opensWith(suite: Suite, keys: RoomState, record: MessageRecord): Promise<boolean> {
  const key = chainKeyAt(keys, record.epoch, record.sender, record.index);
  if (key === undefined) return false;
  try {
    await openMessage(suite, record, key);
    return true;
  } catch (error) {
    if (isSottoError(error, 'TAMPERED')) return false;
    throw error;
  }
}

/** MK_{e,s,index} straight from an epoch key (docs/protocol.md §6), as any holder of K_e derives it. */
export function messageKeyAt(epochKey: Uint8Array, roomId: Uint8Array, epoch: number, sender: Uint8Array, index = 0): Uint8Array {
  let chain = chainStart(epochKey, roomId, epoch, sender);
  for (let i = 0; i < index; i++) chain = ratchetStep(chain).nextChainKey;
  return ratchetStep(chain).messageKey;
}

/**
 * Every secret a room state holds that could stand in for a rotation entry's psk (§6): each epoch's
 * init secret, every chain and skipped key, and the join secret while the join's secrets are kept.
 */
export function heldSecrets(keys: RoomState): Uint8Array[] {
  const held: Uint8Array[] = [];
  for (const info of keys.epochs.values()) {
    if (info.initSecret !== undefined) held.push(info.initSecret.expose());
    for (const chain of info.chains?.values() ?? []) held.push(chain.key.expose(), ...[...chain.skipped.values()].map((k) => k.expose()));
  }
  if (keys.join !== undefined) held.push(joinSecret(keys.join.joiningKey.expose(), keys.join.token.expose()), keys.join.token.expose(), keys.join.joiningKey.expose());
  return held;
}
