// The keystore's records layout (docs/client.md, "The keystore's records"): one small state record
// (every room's keys, epochs, counters: snapshot.ts's roomToJson) and each room's history in chunk
// records of a fixed seq range — the messages and the seq → hash of what was accepted — plus parts
// of a fixed count for what only grows at its end: the hashes of what we sealed, and the membership
// log. Saving a new message or event then rewrites the state record and one chunk or part, whatever
// the history's or the log's length. This file is the pure mapping between
// those records (plaintext; the persistence seals each one) and one snapshot.
import { fromBase64Url, fromUtf8, toHex, utf8 } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { DeliveredMessage } from './room-state.js';
import { SNAPSHOT_VERSION, type RoomJson, type SnapshotJson } from './snapshot.js';

/** The one record every keystore has; whole (version 1) before the records layout, small after. */
export const STATE_RECORD = 'state';
export const LAYOUT_VERSION = 2;
/** Messages (seqs) per chunk record and sealed hashes per part: a save rewrites at most this many. */
export const DEFAULT_CHUNK_SIZE = 128;

export interface StateJson {
  readonly version: number;
  readonly chunkSize: number;
  /** Rooms without their history (and rooms an older protocol made, whole, as they were). */
  readonly rooms: RoomJson[];
}

/** Everything one seq range of a room holds: the messages shown and the hashes accepted. */
export interface ChunkJson {
  readonly room: string;
  readonly chunk: number;
  readonly messages: DeliveredMessage[];
  readonly seen: [number, string][];
}

export interface SentJson {
  readonly room: string;
  readonly part: number;
  readonly hashes: string[];
}

/** Events (base64) p·N to (p+1)·N − 1 of the log after the room's checkpoint. */
export interface LogJson {
  readonly room: string;
  readonly part: number;
  readonly events: string[];
}

export type History = Required<Pick<RoomJson, 'sentHashes' | 'seen' | 'messages' | 'events'>>;

/** Names carry the room and the index; each record also names itself inside its ciphertext. */
export const chunkName = (room: string, chunk: number): string => `m.${room}.${chunk}`;
export const sentName = (room: string, part: number): string => `s.${room}.${part}`;
export const logName = (room: string, part: number): string => `l.${room}.${part}`;
export const chunkOf = (seq: number, chunkSize: number): number => Math.floor(seq / chunkSize);

interface ParsedName {
  readonly kind: 'm' | 's' | 'l';
  readonly room: string;
  readonly index: number;
}

const NAME = /^([msl])\.([0-9a-f]{1,64})\.(\d{1,15})$/;

export function parseName(name: string): ParsedName | undefined {
  const match = NAME.exec(name);
  return match === null ? undefined : { kind: match[1] as ParsedName['kind'], room: match[2]!, index: Number(match[3]) };
}

const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));

export function stateRecord(rooms: RoomJson[], chunkSize: number): Uint8Array {
  const state: StateJson = { version: LAYOUT_VERSION, chunkSize, rooms };
  return json(state);
}

export function chunkRecord(room: string, chunk: number, messages: DeliveredMessage[], seen: [number, string][]): Uint8Array {
  const value: ChunkJson = { room, chunk, messages, seen };
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

/** Every history record of one room: for a room written for the first time or rewritten whole. */
export function historyRecords(room: string, history: History, chunkSize: number): Map<string, Uint8Array> {
  const chunks = new Map<number, { messages: DeliveredMessage[]; seen: [number, string][] }>();
  const chunk = (seq: number): { messages: DeliveredMessage[]; seen: [number, string][] } => {
    const k = chunkOf(seq, chunkSize);
    let value = chunks.get(k);
    if (value === undefined) chunks.set(k, value = { messages: [], seen: [] });
    return value;
  };
  for (const message of history.messages) chunk(message.seq).messages.push(message);
  for (const entry of [...history.seen].sort((a, b) => a[0] - b[0])) chunk(entry[0]).seen.push(entry);
  const records = new Map<string, Uint8Array>();
  for (const [k, value] of chunks) records.set(chunkName(room, k), chunkRecord(room, k, value.messages, value.seen));
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
  /** The chunk size the records were written with; undefined for a whole snapshot. */
  readonly chunkSize: number | undefined;
  /** Room (hex) → the names of its history records. */
  readonly names: ReadonlyMap<string, ReadonlySet<string>>;
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

function fill(room: RoomJson, names: readonly string[], records: ReadonlyMap<string, Uint8Array>): void {
  const chunks: ChunkJson[] = [];
  const parts: SentJson[] = [];
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
    } else {
      const part = parse<LogJson>(name, records.get(name)!);
      checkPlace(name, part.room, part.part, parsed);
      log.push(part);
    }
  }
  chunks.sort((a, b) => a.chunk - b.chunk);
  parts.sort((a, b) => a.part - b.part);
  log.sort((a, b) => a.part - b.part);
  room.messages = chunks.flatMap((c) => c.messages);
  room.seen = chunks.flatMap((c) => c.seen);
  room.sentHashes = parts.flatMap((p) => p.hashes);
  // A state record written before the log had parts holds it inline; the next save moves it.
  if (room.events === undefined) {
    if (log.some((part, i) => part.part !== i)) throw new SottoError('BAD_VALUE', 'keystore log parts have a hole');
    room.events = log.flatMap((p) => p.events);
  }
}

/** Assembles the stored records into one snapshot; a tampered or misplaced record is BAD_VALUE. */
export function joinRecords(records: ReadonlyMap<string, Uint8Array>): StoredKeystore {
  const state = records.get(STATE_RECORD);
  if (state === undefined) throw new SottoError('BAD_VALUE', 'keystore has no state record');
  const others = [...records.keys()].filter((name) => name !== STATE_RECORD);
  const parsed = parse<StateJson | SnapshotJson>(STATE_RECORD, state);
  if (parsed.version === SNAPSHOT_VERSION) {
    return { snapshot: parsed as SnapshotJson, whole: true, chunkSize: undefined, names: new Map(), strays: others };
  }
  const layout = parsed as StateJson;
  if (layout.version !== LAYOUT_VERSION) throw new SottoError('BAD_VERSION', `keystore layout version ${layout.version}`);
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
  const rooms = layout.rooms.map((room) => {
    if (!split.has(room.roomId)) return room;
    const filled = { ...room };
    fill(filled, byRoom.get(hexOf.get(room.roomId)!)!, records);
    return filled;
  });
  return {
    snapshot: { version: SNAPSHOT_VERSION, rooms }, whole: false, chunkSize: layout.chunkSize,
    names: new Map([...byRoom].map(([room, names]) => [room, new Set(names)])), strays,
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
