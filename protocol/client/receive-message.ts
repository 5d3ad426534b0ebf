// The recipient's checks on one delivered message, in order. Pure: it reads the room state and
// returns a verdict; the caller applies an accepted verdict in one synchronous step, so a message
// that fails any check changes nothing.
import { bytesEqual, toHex } from '../bytes.js';
import { isSottoError, type ErrorName } from '../errors.js';
import type { Suite } from '../crypto/suite.js';
import type { Content } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { epochMessageKey, messageHash, openMessage } from './message-crypto.js';
import { everMember, memberDuringEpoch, seenAnywhere, type RoomState } from './room-state.js';
import { checkSenderChain } from './sender-chain.js';

export type Receipt =
  /** The same record at the same seq again: dropped without a word. */
  | { readonly kind: 'duplicate' }
  /** One of our own records, served back (sync after a lost ack, or history). */
  | { readonly kind: 'own'; readonly hash: Uint8Array }
  /** Refused; nothing is shown. `retry`: worth one more try after a sync (the log or a key may lag). */
  | { readonly kind: 'rejected'; readonly error: ErrorName; readonly detail: string; readonly retry: boolean }
  /** Shown, possibly with warnings (GAP, FORK on a diverging seen-hash). */
  | { readonly kind: 'accepted'; readonly hash: Uint8Array; readonly content: Content; readonly warnings: readonly ErrorName[] };

function rejected(error: ErrorName, detail: string, retry = false): Receipt {
  return { kind: 'rejected', error, detail, retry };
}

export async function receiveMessage(suite: Suite, room: RoomState, seq: number, record: MessageRecord): Promise<Receipt> {
  if (!bytesEqual(record.roomId, room.roomId)) return rejected('ROOM_MISMATCH', `seq ${seq} names another room`);
  const hash = messageHash(record.bytes);
  const seenHere = room.seen.get(seq);
  if (seenHere !== undefined) {
    return bytesEqual(seenHere, hash) ? { kind: 'duplicate' } : rejected('FORK', `two different messages at seq ${seq}`);
  }
  if (bytesEqual(record.sender, room.me.sign.publicKey)) {
    if (!room.sentHashes.has(toHex(hash))) return rejected('REFLECTED', `seq ${seq} carries our key but we never sent it`);
    // The relay stores a record at one seq: served again under another, it is a replay.
    return seenAnywhere(room, hash) ? rejected('REPLAY', `seq ${seq} repeats our message ${record.counter}`) : { kind: 'own', hash };
  }
  if (!everMember(room, record.sender)) return rejected('UNKNOWN_SENDER', `seq ${seq}: sender never admitted`, true);
  const epoch = room.epochs.get(record.epoch);
  if (epoch === undefined) return rejected('KEY_MISSING', `seq ${seq}: no key for epoch ${record.epoch}`, true);
  // Forgotten for forward secrecy (V-76): no later sync brings it back.
  if (epoch.key === undefined) return rejected('KEY_MISSING', `seq ${seq}: the key of epoch ${record.epoch} was deleted once the epoch was replaced`);
  if (!memberDuringEpoch(room, record.sender, record.epoch)) {
    return rejected('UNKNOWN_SENDER', `seq ${seq}: sender not a member in epoch ${record.epoch}`, true);
  }
  let content: Content;
  try {
    content = await openMessage(suite, record, epochMessageKey(epoch.key, room.roomId, record.epoch, record.sender));
  } catch (error) {
    if (isSottoError(error)) return rejected(error.errorName, `seq ${seq}`);
    throw error;
  }
  const warnings: ErrorName[] = [];
  const sender = toHex(record.sender);
  const verdict = checkSenderChain(room.senders.get(sender), record);
  switch (verdict.kind) {
    case 'stale':
      return seenAnywhere(room, hash) ? rejected('REPLAY', `seq ${seq} repeats counter ${record.counter}`) : rejected('FORK', `seq ${seq}: counter ${record.counter} went backwards`);
    case 'fork':
      return rejected('FORK', `seq ${seq}: counter ${record.counter} does not follow the sender's previous message`);
    case 'gap':
      warnings.push('GAP');
      break;
    case 'first':
    case 'next':
      break;
  }
  if (record.seenSeq > 0) {
    const mine = room.seen.get(record.seenSeq);
    if (mine !== undefined && !bytesEqual(mine, record.seenHash)) warnings.push('FORK');
  }
  return { kind: 'accepted', hash, content, warnings };
}
