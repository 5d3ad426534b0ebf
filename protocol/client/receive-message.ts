// The recipient's checks on one delivered message, in order. Pure: it reads the room state and
// returns a verdict; the caller applies an accepted verdict in one synchronous step, so a message
// that fails any check changes nothing.
//
// Alarms about the relay (FORK, REPLAY, REFLECTED) are raised only on records this client verified
// itself: two signed records at one seq, one signed record at two seqs, a record signed by our own
// key that we never sealed. What one sender's signed header claims (its counter chain, what it saw,
// its log head) may be that sender's own invention, so a disagreement there is a mark on that
// message, attributed to its sender, never an alarm about the room.
import { bytesEqual, toHex } from '../bytes.js';
import { isSottoError, type ErrorName } from '../errors.js';
import type { Suite } from '../crypto/suite.js';
import type { Content } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { fingerprint } from './fingerprint.js';
import { messageHash, openMessage, verifyMessage } from './message-crypto.js';
import { everMember, headHashAt, isOwnKey, logLength, memberDuringEpoch, seenAnywhere, type RoomState } from './room-state.js';
import { checkSenderChain, type CounterHole } from './sender-chain.js';
import { DEFAULT_RATCHET_LIMITS, takeMessageKey, type KeyTaken, type RatchetLimits, type SenderChain } from './sender-ratchet.js';

export type Receipt =
  /** The same record at the same seq again: dropped without a word. */
  | { readonly kind: 'duplicate' }
  /** One of our own records, served back (sync after a lost ack, or history). */
  | { readonly kind: 'own'; readonly hash: Uint8Array }
  /** Refused; nothing is shown. */
  | { readonly kind: 'rejected'; readonly error: ErrorName; readonly detail: string }
  /** Not checkable yet: the log, a key or the sender's admission may still arrive (sync.ts). */
  | { readonly kind: 'wait'; readonly error: ErrorName; readonly detail: string }
  /**
   * Shown, with `marks` naming what its sender's own header claims differently from us.
   * `advance`: the message moves its sender's chain on (false for a counter at or below the last);
   * `hole`: counters skipped right before it, to be shown if no sync brings them;
   * `keys`: the sender's key chain without this message's key, to replace `before` (applyChain).
   */
  | {
    readonly kind: 'accepted'; readonly hash: Uint8Array; readonly content: Content; readonly marks: readonly ErrorName[];
    readonly advance: boolean; readonly hole: CounterHole | undefined; readonly keys: ChainMove;
  };

/** A sender chain moved past one message key: applied with the message, in the same step. */
export interface ChainMove {
  readonly epoch: number;
  readonly sender: string;
  readonly index: number;
  readonly before: SenderChain;
  readonly after: SenderChain;
}

function rejected(error: ErrorName, detail: string): Receipt {
  return { kind: 'rejected', error, detail };
}

/** Verifies `record`'s signature by the key it names; undefined when it holds. */
async function signatureFault(suite: Suite, record: MessageRecord): Promise<ErrorName | undefined> {
  try {
    await verifyMessage(suite, record);
    return undefined;
  } catch (error) {
    if (isSottoError(error)) return error.errorName;
    throw error;
  }
}

/**
 * `logSynced`: a sync completed since the message arrived, so a log shorter than the head it names
 * is all the relay will serve us, and the head is judged as it stands instead of waited for.
 */
export async function receiveMessage(
  suite: Suite, room: RoomState, seq: number, record: MessageRecord, logSynced: boolean, limits: RatchetLimits = DEFAULT_RATCHET_LIMITS,
): Promise<Receipt> {
  if (!bytesEqual(record.roomId, room.roomId)) return rejected('ROOM_MISMATCH', `seq ${seq} names another room`);
  const hash = messageHash(record.bytes);
  const seenHere = room.seen.get(seq);
  if (seenHere !== undefined) {
    if (bytesEqual(seenHere, hash)) return { kind: 'duplicate' };
    // The record we hold was verified when accepted; a FORK needs the second one signed too.
    const fault = await signatureFault(suite, record);
    return fault === undefined ? rejected('FORK', `two different signed messages at seq ${seq}`) : rejected(fault, `seq ${seq}`);
  }
  // Ours too under a key our update replaced (§8.5): a thief signing with it is REFLECTED here.
  if (isOwnKey(room, record.sender)) {
    if (!room.sentHashes.has(toHex(hash))) {
      // Anyone can write our key into the sender field; only our signature makes it a reflection.
      const fault = await signatureFault(suite, record);
      if (fault !== undefined) return rejected(fault, `seq ${seq}`);
      // An imported keystore older than what our key sent since: ours, adopted (§9, step 3).
      if (room.journal.adopting && !seenAnywhere(room, hash)) return { kind: 'own', hash };
      return rejected('REFLECTED', `seq ${seq} is signed by our key but we never sent it`);
    }
    // The relay stores a record at one seq: served again under another, it is a replay.
    return seenAnywhere(room, hash) ? rejected('REPLAY', `seq ${seq} repeats our message ${record.counter}`) : { kind: 'own', hash };
  }
  if (!everMember(room, record.sender)) return { kind: 'wait', error: 'UNKNOWN_SENDER', detail: `seq ${seq}: sender not admitted by the log we hold` };
  const epoch = room.epochs.get(record.epoch);
  if (epoch === undefined) return { kind: 'wait', error: 'KEY_MISSING', detail: `seq ${seq}: no key for epoch ${record.epoch}` };
  // Forgotten for forward secrecy (V-76): no later sync brings it back.
  if (epoch.chains === undefined) return rejected('KEY_MISSING', `seq ${seq}: the keys of epoch ${record.epoch} were deleted once the epoch was replaced`);
  if (!memberDuringEpoch(room, record.sender, record.epoch)) {
    return { kind: 'wait', error: 'UNKNOWN_SENDER', detail: `seq ${seq}: sender not a member in epoch ${record.epoch}` };
  }
  // One signed record at two seqs: only the relay stores a record twice (a resend gets its old seq).
  // Told before its key is looked for: the first copy used the key up.
  if (seenAnywhere(room, hash)) return rejected('REPLAY', `seq ${seq} repeats a message accepted at another seq`);
  const sender = toHex(record.sender);
  const before = epoch.chains.get(sender);
  if (before === undefined) return rejected('UNKNOWN_SENDER', `seq ${seq}: sender not in the roster epoch ${record.epoch} was made for`);
  let taken: KeyTaken;
  try {
    taken = takeMessageKey(before, record.index, limits);
  } catch (error) {
    if (!isSottoError(error)) throw error;
    // A used or far-off index is its sender's doing only if the sender signed it.
    return rejected((await signatureFault(suite, record)) ?? error.errorName, `seq ${seq}: ${error.detail ?? error.message}`);
  }
  let content: Content;
  try {
    content = await openMessage(suite, record, taken.messageKey);
  } catch (error) {
    if (isSottoError(error)) return rejected(error.errorName, `seq ${seq}`);
    throw error;
  } finally {
    taken.messageKey.fill(0);
  }
  const keys: ChainMove = { epoch: record.epoch, sender, index: record.index, before, after: taken.chain };
  // Signed by its sender from here on: what follows is attributed to it.
  const who = `seq ${seq} from ${fingerprint(record.sender)}`;
  const marks: ErrorName[] = [];
  if (epoch.logLength !== undefined && record.logLength < epoch.logLength) {
    // No honest sender holds an epoch's key with a log shorter than the roster it was made for.
    return rejected('LOG_DIFFERENT', `${who} names log length ${record.logLength}, before its epoch ${record.epoch} (${epoch.logLength})`);
  }
  if (record.logLength > logLength(room)) {
    if (!logSynced) return { kind: 'wait', error: 'LOG_DIFFERENT', detail: `${who} names log length ${record.logLength}; we hold ${logLength(room)}` };
    marks.push('LOG_DIFFERENT');
  } else {
    // A head before our checkpoint (§8.4) is one we cannot compare: no mark either way.
    const head = headHashAt(room, record.logLength);
    if (head !== undefined && !bytesEqual(head, record.logHash)) marks.push('LOG_DIFFERENT');
  }
  const chain = checkSenderChain(room.senders.get(toHex(record.sender)), record);
  let advance = true;
  let hole: CounterHole | undefined;
  switch (chain.kind) {
    case 'stale':
      marks.push('SENDER_CONFLICT');
      advance = false;
      break;
    case 'fork':
      marks.push('SENDER_CONFLICT');
      break;
    case 'gap':
      hole = chain.hole;
      break;
    case 'first':
    case 'next':
      break;
  }
  if (record.seenSeq > 0) {
    const mine = room.seen.get(record.seenSeq);
    if (mine !== undefined && !bytesEqual(mine, record.seenHash)) marks.push('SEEN_DIFFERENT');
  }
  return { kind: 'accepted', hash, content, marks, advance, hole, keys };
}
