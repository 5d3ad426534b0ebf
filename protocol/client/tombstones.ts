// Tombstones (docs/protocol.md §9.1.1): once our delete is acknowledged, we ask the relay to drop the
// deleted message's ciphertext, handing it our signed tombstone, which it serves in its place from
// then on. A member that syncs the seq later gets the tombstone: it checks the author's signature
// (the relay can make none) and takes the seq as that author's deleted message — not a hole, its
// counter and chain key accounted for, "This message was deleted." shown — where a member that holds
// the message already has it and its delete. A tombstone and a different record at one seq, each
// signed, is a FORK.
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { isSottoError, type ErrorName } from '../errors.js';
import { signRecord, verifyRecord } from '../crypto/signing.js';
import type { Suite } from '../crypto/suite.js';
import { SIZE } from '../wire/types.js';
import { decodeTombstone, encodeTombstoneSigned, type Tombstone } from '../wire/tombstone.js';
import { messageHash } from './message-crypto.js';
import type { MessageRecord } from '../wire/message.js';
import type { PendingDrop } from './journal.js';
import { countMessage, everMember, isOwnKey, seenAnywhere, type DeliveredMessage, type RoomState } from './room-state.js';
import { retireChain, takeMessageKey, type RatchetLimits } from './sender-ratchet.js';
import { insertMessage, newMessageView } from './views.js';

/** What a `drop` frame carries besides its rid. */
export interface Drop {
  readonly tombstone: Tombstone;
  /** The deleted message's attachment id, zeros for none: the relay drops its chunks too. */
  readonly attachmentId: Uint8Array;
}

/** One of our records the journal keeps, at the seq the relay holds it at now. */
export interface OwnRecord {
  readonly seq: number;
  readonly record: MessageRecord;
}

/**
 * Our kept records by counter, those sent under our current key only: the relay takes a drop only
 * from the key that sent the message.
 */
export function droppableRecords(room: RoomState): Map<number, OwnRecord> {
  const kept = new Map<number, OwnRecord>();
  for (const [seq, record] of room.journal.own) if (bytesEqual(record.sender, room.me.sign.publicKey)) kept.set(record.counter, { seq, record });
  return kept;
}

/**
 * Our tombstone for our kept record, deleted (`drop`: its content time and attachment), signed with
 * our current key, at the seq the relay holds it at now (a restored relay may have moved it).
 */
export async function ownDrop(room: RoomState, { seq, record }: OwnRecord, drop: Pick<PendingDrop, 'time' | 'attachmentId'>): Promise<Drop> {
  const signed = encodeTombstoneSigned({
    roomId: room.roomId, seq, epoch: record.epoch, sender: record.sender, counter: record.counter, index: record.index,
    prevHash: record.prevHash, hash: messageHash(record.bytes), time: drop.time,
  });
  const tombstone = decodeTombstone(await signRecord(room.me.sign, 'sigTombstone', signed));
  return { tombstone, attachmentId: drop.attachmentId === undefined ? new Uint8Array(SIZE.attachmentId) : fromHex(drop.attachmentId) };
}

export type TombstoneVerdict =
  /** We hold this very record (at its seq, or moved): its delete message tells the rest. */
  | { readonly kind: 'held' }
  | { readonly kind: 'rejected'; readonly error: ErrorName; readonly detail: string }
  | { readonly kind: 'accepted' };

async function signatureFault(suite: Suite, t: Tombstone): Promise<ErrorName | undefined> {
  try {
    await verifyRecord(suite, t.sender, 'sigTombstone', t.signed, t.signature, 'tombstone');
    return undefined;
  } catch (error) {
    if (isSottoError(error)) return error.errorName;
    throw error;
  }
}

/** The checks on a tombstone a sync served (V-154); pure, as receiveMessage is. */
export async function judgeTombstone(suite: Suite, room: RoomState, t: Tombstone): Promise<TombstoneVerdict> {
  if (!bytesEqual(t.roomId, room.roomId)) return { kind: 'rejected', error: 'ROOM_MISMATCH', detail: `tombstone at seq ${t.seq} names another room` };
  const fault = await signatureFault(suite, t);
  if (fault !== undefined) return { kind: 'rejected', error: fault, detail: `tombstone at seq ${t.seq}` };
  const held = room.seen.get(t.seq);
  if (held !== undefined) {
    // Both signed: the relay showed one member a message and another its sender's tombstone of something else.
    return bytesEqual(held, t.hash) ? { kind: 'held' } : { kind: 'rejected', error: 'FORK', detail: `a tombstone and a different message at seq ${t.seq}` };
  }
  if (seenAnywhere(room, t.hash) || isOwnKey(room, t.sender)) return { kind: 'held' };
  if (!everMember(room, t.sender)) return { kind: 'rejected', error: 'UNKNOWN_SENDER', detail: `tombstone at seq ${t.seq}: sender not admitted by the log we hold` };
  return { kind: 'accepted' };
}

/**
 * An accepted tombstone, applied in one step: the seq is seen under the deleted record's hash (so
 * later messages naming it as seen agree, and another record there is a FORK), its sender's
 * counter and key chain move past it (no hole, no skipped key kept for it), and the timeline shows
 * the message as deleted at its place. Returns that view.
 */
export function applyTombstone(room: RoomState, t: Tombstone, limits: RatchetLimits): DeliveredMessage {
  room.seen.set(t.seq, t.hash);
  if (t.seq > room.lastSeen) room.lastSeen = t.seq;
  countMessage(room, t.epoch);
  const sender = toHex(t.sender);
  const state = room.senders.get(sender);
  if (state === undefined || t.counter > state.counter) room.senders.set(sender, { counter: t.counter, hash: t.hash });
  const chains = room.epochs.get(t.epoch)?.chains;
  const chain = chains?.get(sender);
  if (chains !== undefined && chain !== undefined) {
    try {
      const taken = takeMessageKey(chain, t.index, limits);
      taken.messageKey.fill(0);
      chains.set(sender, taken.chain);
      retireChain(chain, taken.chain);
    } catch (error) {
      // Used or out of reach already: there is no key of it to forget.
      if (!isSottoError(error)) throw error;
    }
  }
  const view: DeliveredMessage = { ...newMessageView(room, t.seq, t.epoch, t.sender, '', t.time, [], { counter: t.counter }), deleted: true };
  insertMessage(room, view);
  return view;
}
