// The keystore's records layout (docs/client.md, "The keystore's records"): one small state record
// (every room's keys, live epochs, counters: snapshot.ts's roomToJson) and each room's history
// in chunk records of a fixed seq range — the messages, the seq → hash of what was accepted and our
// own records the journal keeps — plus parts of a fixed count for what only grows at its end (the
// hashes of what we sealed, and the membership log's events),
// parts of a fixed epoch range for the past epochs whose keys are gone (what is left of them never
// changes: their room code, roster and start), and one record per rotation the journal keeps.
// Saving a new message then rewrites the state record and one chunk (two once the journal is full),
// whatever the history's length and however many epochs the room has had. This file is the pure
// mapping between those records (plaintext; the persistence seals each one) and one snapshot.
import { fromBase64Url, fromUtf8, toHex, utf8 } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { DeliveredMessage } from './room-state.js';
import type { JournalJson } from './journal.js';
import { SNAPSHOT_VERSION, type EpochJson, type RoomJson, type SnapshotJson } from './snapshot.js';

/** The one record every keystore has; whole (version 1) before the records layout, small after. */
export const STATE_RECORD = 'state';
/**
 * 3: past epochs, the journal's own records and rotations in records of their own. A version 2
 * state record holds all of them, and still opens (rewritten in version 3 at once).
 */
export const LAYOUT_VERSION = 3;
const LAYOUT_VERSIONS: readonly number[] = [2, LAYOUT_VERSION];
/** Messages (seqs) per chunk record and sealed hashes per part: a save rewrites at most this many. */
export const DEFAULT_CHUNK_SIZE = 128;

export interface StateJson {
  readonly version: number;
  readonly chunkSize: number;
  /** Rooms without their history (and rooms an older protocol made, whole, as they were). */
  readonly rooms: RoomJson[];
}

/** Everything one seq range of a room holds: the messages shown, the hashes accepted, our records kept. */
export interface ChunkJson {
  readonly room: string;
  readonly chunk: number;
  readonly messages: DeliveredMessage[];
  readonly seen: [number, string][];
  /** The journal's own records at these seqs, [seq, record]; absent in layout version 2. */
  readonly own?: [number, string][];
}

export interface SentJson {
  readonly room: string;
  readonly part: number;
  readonly hashes: string[];
}

/** Past epochs [part·N, (part+1)·N) whose keys are forgotten, and their message counts (message-store.ts). */
export interface EpochsJson {
  readonly room: string;
  readonly part: number;
  readonly epochs: EpochJson[];
  readonly counts: [number, number][];
}

/** One rotation the journal keeps (journal.ts), by its epoch: written once, deleted when the journal lets it go. */
export interface RotationJson {
  readonly room: string;
  readonly epoch: number;
  readonly rotation: string;
}

/** Events (base64) p·N to (p+1)·N − 1 of the log after the room's checkpoint. */
export interface LogJson {
  readonly room: string;
  readonly part: number;
  readonly events: string[];
}

export type History = Required<Pick<RoomJson, 'sentHashes' | 'seen' | 'messages' | 'events'>> & Pick<JournalJson, 'own'>;

/** Names carry the room and the index; each record also names itself inside its ciphertext. */
export const chunkName = (room: string, chunk: number): string => `m.${room}.${chunk}`;
export const sentName = (room: string, part: number): string => `s.${room}.${part}`;
export const epochsName = (room: string, part: number): string => `e.${room}.${part}`;
export const rotationName = (room: string, epoch: number): string => `r.${room}.${epoch}`;
export const logName = (room: string, part: number): string => `l.${room}.${part}`;
export const chunkOf = (seq: number, chunkSize: number): number => Math.floor(seq / chunkSize);

type RecordKind = 'm' | 's' | 'e' | 'r' | 'l';

interface ParsedName {
  readonly kind: RecordKind;
  readonly room: string;
  readonly index: number;
}

const NAME = /^([mserl])\.([0-9a-f]{1,64})\.(\d{1,15})$/;

export function parseName(name: string): ParsedName | undefined {
  const match = NAME.exec(name);
  return match === null ? undefined : { kind: match[1] as RecordKind, room: match[2]!, index: Number(match[3]) };
}

const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));

export function stateRecord(rooms: RoomJson[], chunkSize: number): Uint8Array {
  const state: StateJson = { version: LAYOUT_VERSION, chunkSize, rooms };
  return json(state);
}

export function chunkRecord(room: string, chunk: number, messages: DeliveredMessage[], seen: [number, string][], own: [number, string][]): Uint8Array {
  const value: ChunkJson = { room, chunk, messages, seen, own };
  return json(value);
}

export function sentRecord(room: string, part: number, hashes: string[]): Uint8Array {
  const value: SentJson = { room, part, hashes };
  return json(value);
}

export function logRecord(room: string, part: number, events: string[]): Uint8Array {
  const value: LogJson = { room, part, events };
  return json(value);
}

export function rotationRecord(room: string, epoch: number, rotation: string): Uint8Array {
  const value: RotationJson = { room, epoch, rotation };
  return json(value);
}

export function epochsRecord(room: string, part: number, epochs: EpochJson[], counts: [number, number][]): Uint8Array {
  const value: EpochsJson = { room, part, epochs, counts };
  return json(value);
}

/** Every history record of one room: for a room written for the first time or rewritten whole. */
export function historyRecords(room: string, history: History, chunkSize: number): Map<string, Uint8Array> {
  type Chunk = { messages: DeliveredMessage[]; seen: [number, string][]; own: [number, string][] };
  const chunks = new Map<number, Chunk>();
  const chunk = (seq: number): Chunk => {
    const k = chunkOf(seq, chunkSize);
    let value = chunks.get(k);
    if (value === undefined) chunks.set(k, value = { messages: [], seen: [], own: [] });
    return value;
  };
  for (const message of history.messages) chunk(message.seq).messages.push(message);
  for (const entry of [...history.seen].sort((a, b) => a[0] - b[0])) chunk(entry[0]).seen.push(entry);
  for (const entry of [...history.own].sort((a, b) => a[0] - b[0])) chunk(entry[0]).own.push(entry);
  const records = new Map<string, Uint8Array>();
  for (const [k, value] of chunks) records.set(chunkName(room, k), chunkRecord(room, k, value.messages, value.seen, value.own));
  for (let part = 0; part * chunkSize < history.sentHashes.length; part++) {
    records.set(sentName(room, part), sentRecord(room, part, history.sentHashes.slice(part * chunkSize, (part + 1) * chunkSize)));
  }
  for (let part = 0; part * chunkSize < history.events.length; part++) {
    records.set(logName(room, part), logRecord(room, part, history.events.slice(part * chunkSize, (part + 1) * chunkSize)));
  }
  return records;
}

/** What a keystore holds, as one snapshot, with what its records were. */
export interface StoredKeystore {
  readonly snapshot: SnapshotJson;
  /** Stored as one whole snapshot (made before the records layout, or imported): rewrite as records. */
  readonly whole: boolean;
  /** The layout it was stored in: 1 for a whole snapshot; below LAYOUT_VERSION, rewritten at once. */
  readonly layout: number;
  /** The chunk size the records were written with; undefined for a whole snapshot. */
  readonly chunkSize: number | undefined;
  /** Room (hex) → the names of its history records. */
  readonly names: ReadonlyMap<string, ReadonlySet<string>>;
  /** Room (hex) → the epochs that came from its epoch records (not from the state record). */
  readonly pastEpochs: ReadonlyMap<string, ReadonlySet<number>>;
  /** Records no room in the state record owns (left by a whole snapshot imported over records). */
  readonly strays: readonly string[];
}

function parse<T>(name: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(fromUtf8(bytes)) as T;
  } catch {
    throw new SottoError('BAD_VALUE', `keystore record ${name} is not valid JSON`);
  }
}

/** A record under one name that says it belongs under another was moved there: refused. */
function checkPlace(name: string, room: string, index: number, parsed: ParsedName): void {
  if (room !== parsed.room || index !== parsed.index) throw new SottoError('BAD_VALUE', `keystore record ${name} belongs elsewhere`);
}

/**
 * Fills in a state record's room from its records; returns the epochs that came from epoch records.
 * An epoch both there and in the state record is the state record's: it holds keys again.
 */
function fill(room: RoomJson, names: readonly string[], records: ReadonlyMap<string, Uint8Array>): Set<number> {
  const chunks: ChunkJson[] = [];
  const parts: SentJson[] = [];
  const past: EpochJson[] = [];
  const counts: [number, number][] = [];
  const rotations: [number, string][] = [];
  const log: LogJson[] = [];
  for (const name of names) {
    const parsed = parseName(name)!;
    if (parsed.kind === 'm') {
      const chunk = parse<ChunkJson>(name, records.get(name)!);
      checkPlace(name, chunk.room, chunk.chunk, parsed);
      chunks.push(chunk);
    } else if (parsed.kind === 's') {
      const part = parse<SentJson>(name, records.get(name)!);
      checkPlace(name, part.room, part.part, parsed);
      parts.push(part);
    } else if (parsed.kind === 'e') {
      const part = parse<EpochsJson>(name, records.get(name)!);
      checkPlace(name, part.room, part.part, parsed);
      past.push(...part.epochs);
      counts.push(...part.counts);
    } else if (parsed.kind === 'l') {
      const part = parse<LogJson>(name, records.get(name)!);
      checkPlace(name, part.room, part.part, parsed);
      log.push(part);
    } else {
      const kept = parse<RotationJson>(name, records.get(name)!);
      checkPlace(name, kept.room, kept.epoch, parsed);
      rotations.push([kept.epoch, kept.rotation]);
    }
  }
  chunks.sort((a, b) => a.chunk - b.chunk);
  parts.sort((a, b) => a.part - b.part);
  room.messages = chunks.flatMap((c) => c.messages);
  room.seen = chunks.flatMap((c) => c.seen);
  room.sentHashes = parts.flatMap((p) => p.hashes);
  // A layout 2 state record holds the log inline; the save that rewrites it in layout 3 moves it.
  if (room.events === undefined) {
    log.sort((a, b) => a.part - b.part);
    if (log.some((part, i) => part.part !== i)) throw new SottoError('BAD_VALUE', 'keystore log parts have a hole');
    room.events = log.flatMap((p) => p.events);
  }
  if (room.journal !== undefined) {
    const own = chunks.flatMap((c) => c.own ?? []);
    room.journal = { ...room.journal, own: [...room.journal.own, ...own], rotations: [...room.journal.rotations, ...rotations.sort((a, b) => a[0] - b[0])] };
  }
  const live = new Set(room.epochs.map((e) => e.epoch));
  const fromRecords = new Set(past.filter((e) => !live.has(e.epoch)).map((e) => e.epoch));
  room.epochs = [...past.filter((e) => fromRecords.has(e.epoch)), ...room.epochs].sort((a, b) => a.epoch - b.epoch);
  room.epochCounts = [...counts.filter(([epoch]) => fromRecords.has(epoch)), ...room.epochCounts].sort((a, b) => a[0] - b[0]);
  return fromRecords;
}

/** Assembles the stored records into one snapshot; a tampered or misplaced record is BAD_VALUE. */
export function joinRecords(records: ReadonlyMap<string, Uint8Array>): StoredKeystore {
  const state = records.get(STATE_RECORD);
  if (state === undefined) throw new SottoError('BAD_VALUE', 'keystore has no state record');
  const others = [...records.keys()].filter((name) => name !== STATE_RECORD);
  const parsed = parse<StateJson | SnapshotJson>(STATE_RECORD, state);
  if (parsed.version === SNAPSHOT_VERSION) {
    return { snapshot: parsed as SnapshotJson, whole: true, layout: SNAPSHOT_VERSION, chunkSize: undefined, names: new Map(), pastEpochs: new Map(), strays: others };
  }
  const layout = parsed as StateJson;
  if (!LAYOUT_VERSIONS.includes(layout.version)) throw new SottoError('BAD_VERSION', `keystore layout version ${layout.version}`);
  const byRoom = new Map<string, string[]>();
  const strays: string[] = [];
  const split = new Set(layout.rooms.filter((room) => room.messages === undefined).map((room) => room.roomId));
  const hexOf = new Map(layout.rooms.map((room) => [room.roomId, toHex(fromBase64Url(room.roomId))]));
  for (const room of split) byRoom.set(hexOf.get(room)!, []);
  for (const name of others) {
    const room = parseName(name)?.room;
    const list = room === undefined ? undefined : byRoom.get(room);
    if (list === undefined) strays.push(name);
    else list.push(name);
  }
  const pastEpochs = new Map<string, Set<number>>();
  const rooms = layout.rooms.map((room) => {
    if (!split.has(room.roomId)) return room;
    const filled = { ...room };
    const hex = hexOf.get(room.roomId)!;
    pastEpochs.set(hex, fill(filled, byRoom.get(hex)!, records));
    return filled;
  });
  return {
    snapshot: { version: SNAPSHOT_VERSION, rooms }, whole: false, layout: layout.version, chunkSize: layout.chunkSize,
    names: new Map([...byRoom].map(([room, names]) => [room, new Set(names)])), pastEpochs, strays,
  };
}

/** The stored records as one whole snapshot: the keystore file an export writes. */
export function wholeSnapshot(records: ReadonlyMap<string, Uint8Array>): Uint8Array {
  return json(joinRecords(records).snapshot);
}

/** A new keystore's first save: a state record with no rooms, so the next visit asks to unlock it. */
export function emptyKeystore(): { put: ReadonlyMap<string, Uint8Array>; remove: readonly string[] } {
  return { put: new Map([[STATE_RECORD, stateRecord([], DEFAULT_CHUNK_SIZE)]]), remove: [] };
}
