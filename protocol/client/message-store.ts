// Which records a save writes (record-layout.ts): the state record always, and of each room's
// history only the chunks that changed since the last save. The code that changes a room's history
// says so here (noteHistory, noteSent), so a save finds its chunks without looking at the history:
// its cost is the change, not the number of messages the room holds. Past epochs, the journal and
// the membership log are kept apart too (epoch-records.ts, journal-records.ts, log-records.ts): the
// state record holds what every save may change, not what a room accumulates.
import { toBase64Url } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { ChangeSource, RecordChange } from './persistence.js';
import { saveEpochs, settledEpoch, storedEpochs, type StoredEpoch } from './epoch-records.js';
import { ownChunks, ownOfChunk, saveRotations, storedJournal, type StoredJournal } from './journal-records.js';
import { saveLog, storedLog, type StoredLog } from './log-records.js';
import {
  chunkName, chunkOf, chunkRecord, DEFAULT_CHUNK_SIZE, historyRecords, LAYOUT_VERSION, sentName, sentRecord, STATE_RECORD,
  stateRecord, type StoredKeystore,
} from './record-layout.js';
import type { DeliveredMessage, EpochInfo, RoomState } from './room-state.js';
import { historyToJson, roomToJson, type OutdatedRoom, type RoomJson } from './snapshot.js';

/** What changed in a room's history since the last save took its marks. */
interface Marks {
  readonly seqs: Set<number>;
  readonly sent: string[];
}

const marks = new WeakMap<RoomState, Marks>();

function marksOf(room: RoomState): Marks {
  let mark = marks.get(room);
  if (mark === undefined) marks.set(room, mark = { seqs: new Set(), sent: [] });
  return mark;
}

/** A message shown, or a hash accepted, at `seq` was added or changed. */
export function noteHistory(room: RoomState, seq: number): void {
  marksOf(room).seqs.add(seq);
}

/** `hash` (hex) joined the room's sentHashes. */
export function noteSent(room: RoomState, hash: string): void {
  marksOf(room).sent.push(hash);
}

function takeMarks(room: RoomState): Marks | undefined {
  const mark = marks.get(room);
  marks.delete(room);
  return mark;
}

/** The first index in `messages` (sorted by seq) whose seq is at least `seq`. */
function lowerBound(messages: readonly DeliveredMessage[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (messages[mid]!.seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** What the keystore holds for one room's history, as of the last save taken. */
interface StoredRoom {
  readonly room: RoomState;
  readonly names: Set<string>;
  /** sentHashes in insertion order, cut into parts: a new hash rewrites only the last part. */
  readonly sentParts: string[][];
  /** The settled epochs in epoch records. */
  readonly epochs: Map<number, StoredEpoch>;
  readonly journal: StoredJournal;
  readonly log: StoredLog;
}

export class MessageStore implements ChangeSource {
  readonly #chunkSize: number;
  readonly #rooms: () => Iterable<RoomState>;
  readonly #outdated: () => readonly OutdatedRoom[];
  readonly #stored = new Map<string, StoredRoom>();
  #remove: string[] = [];
  #rewriteAll = false;

  constructor(rooms: () => Iterable<RoomState>, outdated: () => readonly OutdatedRoom[], chunkSize = DEFAULT_CHUNK_SIZE) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new SottoError('BAD_VALUE', 'historyChunk must be a positive integer');
    this.#chunkSize = chunkSize;
    this.#rooms = rooms;
    this.#outdated = outdated;
  }

  /** After loading: what is stored for `rooms`. An older layout, or another chunk size, is rewritten at the next save. */
  loaded(rooms: readonly RoomState[], stored: StoredKeystore): void {
    for (const room of rooms) {
      takeMarks(room);
      this.#stored.set(room.hex, {
        room, names: new Set(stored.names.get(room.hex)), sentParts: this.#parts([...room.sentHashes]),
        epochs: storedEpochs(room, stored.pastEpochs.get(room.hex) ?? []), journal: storedJournal(room), log: storedLog(room),
      });
    }
    this.#remove.push(...stored.strays);
    for (const [hex, names] of stored.names) if (!this.#stored.has(hex)) this.#remove.push(...names);
    if (stored.layout < LAYOUT_VERSION || stored.chunkSize !== this.#chunkSize) this.#rewriteAll = true;
  }

  /** Whether the next save rewrites every room's history (a keystore to migrate, or after a failed save). */
  get rewritesAll(): boolean {
    return this.#rewriteAll;
  }

  next(): RecordChange {
    const put = new Map<string, Uint8Array>();
    const remove = this.#remove;
    this.#remove = [];
    const rooms = [...this.#rooms()];
    const inState = (room: RoomState) => (epoch: number, info: EpochInfo): boolean => !settledEpoch(room, epoch, info);
    put.set(STATE_RECORD, stateRecord([...rooms.map((room) => roomToJson(room, inState(room))), ...this.#outdated().map((o) => o.json as RoomJson)], this.#chunkSize));
    const live = new Set<string>();
    for (const room of rooms) {
      live.add(room.hex);
      const stored = this.#stored.get(room.hex);
      const mark = takeMarks(room);
      if (stored === undefined || stored.room !== room || this.#rewriteAll) {
        this.#rewrite(room, stored, put, remove);
        continue;
      }
      this.#update(stored, mark, put);
      saveEpochs(room, stored.epochs, stored.names, this.#chunkSize, put, remove);
      saveRotations(room, stored.journal, stored.names, put, remove);
      saveLog(room, stored.log, stored.names, this.#chunkSize, put, remove);
    }
    for (const [hex, stored] of this.#stored) {
      if (live.has(hex)) continue;
      remove.push(...stored.names);
      this.#stored.delete(hex);
    }
    this.#rewriteAll = false;
    return { put, remove: [...new Set(remove)].filter((name) => !put.has(name)) };
  }

  /** A failed save may have left anything from before it: the next one rewrites all and deletes again. */
  failed(change: RecordChange): void {
    this.#rewriteAll = true;
    this.#remove.push(...change.remove);
  }

  #parts(hashes: string[]): string[][] {
    const parts: string[][] = [];
    for (let at = 0; at < hashes.length; at += this.#chunkSize) parts.push(hashes.slice(at, at + this.#chunkSize));
    return parts;
  }

  #rewrite(room: RoomState, stored: StoredRoom | undefined, put: Map<string, Uint8Array>, remove: string[]): void {
    const history = historyToJson(room);
    const own = [...room.journal.own].map(([seq, record]): [number, string] => [seq, toBase64Url(record.bytes)]);
    const records = historyRecords(room.hex, { ...history, own }, this.#chunkSize);
    for (const [name, bytes] of records) put.set(name, bytes);
    const fresh: StoredRoom = {
      room, names: new Set(records.keys()), sentParts: this.#parts(history.sentHashes), epochs: new Map(),
      journal: { own: new Map(room.journal.own), rotations: new Map() }, log: storedLog(room),
    };
    // Nothing stored yet in `fresh`: every settled epoch's record and every rotation is written.
    saveEpochs(room, fresh.epochs, fresh.names, this.#chunkSize, put, remove);
    saveRotations(room, fresh.journal, fresh.names, put, remove);
    for (const name of stored?.names ?? []) if (!fresh.names.has(name)) remove.push(name);
    this.#stored.set(room.hex, fresh);
  }

  /** The chunks marked or whose own records changed, and the sealed hashes' last parts. */
  #update(stored: StoredRoom, mark: Marks | undefined, put: Map<string, Uint8Array>): void {
    const { room } = stored;
    const size = this.#chunkSize;
    const chunks = ownChunks(room, stored.journal, size);
    for (const seq of mark?.seqs ?? []) chunks.add(chunkOf(seq, size));
    for (const chunk of chunks) {
      const from = chunk * size;
      const messages = room.messages.slice(lowerBound(room.messages, from), lowerBound(room.messages, from + size));
      const seen: [number, string][] = [];
      for (let seq = from; seq < from + size; seq++) {
        const hash = room.seen.get(seq);
        if (hash !== undefined) seen.push([seq, toBase64Url(hash)]);
      }
      const name = chunkName(room.hex, chunk);
      put.set(name, chunkRecord(room.hex, chunk, messages, seen, ownOfChunk(room, stored.journal, from, size)));
      stored.names.add(name);
    }
    const parts = new Set<number>();
    for (const hash of mark?.sent ?? []) {
      if (stored.sentParts.length === 0 || stored.sentParts.at(-1)!.length === size) stored.sentParts.push([]);
      stored.sentParts.at(-1)!.push(hash);
      parts.add(stored.sentParts.length - 1);
    }
    for (const part of parts) {
      const name = sentName(room.hex, part);
      put.set(name, sentRecord(room.hex, part, stored.sentParts[part]!));
      stored.names.add(name);
    }
  }
}
