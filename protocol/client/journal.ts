// What a client keeps so it can hand back what a relay restored from a backup lost (§10.1): its own
// acknowledged records and the rotations it saw, each within a bound, and — once the relay has
// said it was restored — the messages it had accepted at seqs the relay no longer holds, by hash,
// until the relay stores them again under new seqs. Pure bookkeeping; restore.ts decides.
import { fromBase64Url, toBase64Url } from '../bytes.js';
import { decodeMessage, type MessageRecord } from '../wire/message.js';
import { decodeRotation, type Rotation } from '../wire/rotation.js';

/** Own acknowledged records kept per room unless the client says otherwise. */
export const DEFAULT_KEEP_OWN_RECORDS = 1000;
/** Rotations kept per room: a backup older than this many epochs cannot get its log back from us. */
export const DEFAULT_KEEP_ROTATIONS = 64;

/** Our drop of our deleted message (drops.ts), by the message's counter. */
export interface PendingDrop {
  /** The deleted message's content time: the tombstone carries it. */
  readonly time: number;
  /** Its attachment (hex), whose chunks the relay drops with it. */
  readonly attachmentId: string | undefined;
  /** The relay took it; asked again only if the relay is restored from a backup (§10.1). */
  done: boolean;
}

export interface Journal {
  /** Our own records the relay acknowledged, by the seq it gave them, oldest first. */
  readonly own: Map<number, MessageRecord>;
  /** Rotations we stored a key from (or made), by epoch. */
  readonly rotations: Map<number, Rotation>;
  /** Hash (hex) of a message we accepted at a seq the restored relay lost → that seq. */
  readonly lost: Map<string, number>;
  /** Drops of our deleted messages by counter: pending until the relay takes them, then done. */
  readonly drops: Map<number, PendingDrop>;
  /** The relay's restore seq this room has been reconciled with; 0 before any. */
  restoredSeq: number;
  /**
   * This keystore was imported from an export, which may be older than what its keys sent since:
   * until a complete sync has brought everything the relay holds, a record our key signed that we
   * do not remember sealing is one of our own later messages (adopted), not a reflection.
   */
  adopting: boolean;
}

export function newJournal(): Journal {
  return { own: new Map(), rotations: new Map(), lost: new Map(), drops: new Map(), restoredSeq: 0, adopting: false };
}

/** Keeps our record at `seq`, forgetting the oldest past `max`. */
export function keepOwn(journal: Journal, seq: number, record: MessageRecord, max: number): void {
  journal.own.set(seq, record);
  while (journal.own.size > max) journal.own.delete(journal.own.keys().next().value!);
}

export function keepRotation(journal: Journal, rotation: Rotation, max: number): void {
  journal.rotations.set(rotation.epoch, rotation);
  while (journal.rotations.size > max) journal.rotations.delete(Math.min(...journal.rotations.keys()));
}

/** [seq, record], [epoch, rotation], [hash hex, seq], [counter, time, attachment id or '', done], restoredSeq, adopting */
export interface JournalJson {
  own: [number, string][];
  rotations: [number, string][];
  lost: [string, number][];
  /** Absent in snapshots from before drops were kept. */
  drops?: [number, number, string, boolean][];
  restoredSeq: number;
  adopting: boolean;
}

/** `records` false: without own records and rotations, which the keystore keeps in records of their own (message-store.ts). */
export function journalToJson(journal: Journal, records = true): JournalJson {
  return {
    own: records ? [...journal.own].map(([seq, record]) => [seq, toBase64Url(record.bytes)]) : [],
    rotations: records ? [...journal.rotations].map(([epoch, rotation]) => [epoch, toBase64Url(rotation.bytes)]) : [],
    lost: [...journal.lost],
    drops: [...journal.drops].map(([counter, d]) => [counter, d.time, d.attachmentId ?? '', d.done]),
    restoredSeq: journal.restoredSeq,
    adopting: journal.adopting,
  };
}

/** Absent in snapshots written before the journal was kept: an empty one. */
export function journalFromJson(json: JournalJson | undefined): Journal {
  const journal = newJournal();
  if (json === undefined) return journal;
  for (const [seq, record] of json.own) journal.own.set(seq, decodeMessage(fromBase64Url(record)));
  for (const [epoch, rotation] of json.rotations) journal.rotations.set(epoch, decodeRotation(fromBase64Url(rotation)));
  for (const [hash, seq] of json.lost) journal.lost.set(hash, seq);
  for (const [counter, time, attachmentId, done] of json.drops ?? []) journal.drops.set(counter, { time, attachmentId: attachmentId === '' ? undefined : attachmentId, done });
  journal.restoredSeq = json.restoredSeq;
  journal.adopting = json.adopting;
  return journal;
}
