// Where each room stood when the relay was restored from a backup: written by `sotto-relay restore`
// beside the restored SQLite database, or by `sotto-relay mark-restored` after the operator restored
// PostgreSQL from a dump; read at start. Clients learn a room's restore seq when they bind
// (the auth answer), so one that saw later messages knows those positions are gone and may be
// filled again, and re-uploads what it holds instead of raising FORK alarms (docs/protocol.md §10.1).
// The relay also takes a re-uploaded message of an epoch the backup did not reach yet (V-102).
import Database from 'better-sqlite3';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../protocol/bytes.js';
import { FILE_MODE } from './data-dir.js';

export const RESTORE_POINT_FILE = 'restore-point.json';

/** One room at the restore: its last seq and its epoch. */
export interface RoomRestorePoint {
  readonly seq: number;
  readonly epoch: number;
}

interface RestorePointJson {
  readonly restoredAt: number;
  /** [room id hex, last seq, epoch] */
  readonly rooms: readonly [string, number, number][];
}

/** The rooms of a relay restored from a backup; empty for one that never was. */
export class RestorePoints {
  readonly #rooms: ReadonlyMap<string, RoomRestorePoint>;

  constructor(rooms: ReadonlyMap<string, RoomRestorePoint> = new Map()) {
    this.#rooms = rooms;
  }

  get(roomId: Uint8Array): RoomRestorePoint | undefined {
    // Asked for every message sent: a relay never restored answers without naming the room in hex.
    return this.#rooms.size === 0 ? undefined : this.#rooms.get(toHex(roomId));
  }
}

/** One room's row as both stores keep it. */
interface RoomRow {
  readonly id: Uint8Array;
  readonly last_seq: number | string;
  readonly epoch: number | string;
}

const ROOM_POSITIONS = 'SELECT id, last_seq, epoch FROM rooms';

/** Where every room of the SQLite database at `databasePath` stands. */
export function sqliteRoomPositions(databasePath: string): RoomRow[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(ROOM_POSITIONS).all() as RoomRow[];
  } finally {
    db.close();
  }
}

/** Where every room of the PostgreSQL database at `url` stands (pg is loaded only here, when asked). */
export async function postgresRoomPositions(url: string): Promise<RoomRow[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<RoomRow>(ROOM_POSITIONS)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Records `rooms` as the restore point in `dataDir`. `replace`: a later restore of the same data
 * directory's database (PostgreSQL's, restored in place) supersedes the one before; a restored
 * SQLite directory is new and gets its first.
 */
export function writeRestorePoint(dataDir: string, rooms: readonly RoomRow[], now: number, replace = false): void {
  const json: RestorePointJson = { restoredAt: now, rooms: rooms.map((r) => [toHex(r.id), Number(r.last_seq), Number(r.epoch)]) };
  const path = join(dataDir, RESTORE_POINT_FILE);
  if (!replace && existsSync(path)) throw new Error(`${path} exists already`);
  // Whole or not at all: a relay must never start on half a restore point.
  const partial = `${path}.partial`;
  writeFileSync(partial, JSON.stringify(json), { mode: FILE_MODE });
  renameSync(partial, path);
}

/** The restore point in `dataDir`, if the relay was restored there. */
export function loadRestorePoints(dataDir: string): RestorePoints {
  const path = join(dataDir, RESTORE_POINT_FILE);
  if (!existsSync(path)) return new RestorePoints();
  const json = JSON.parse(readFileSync(path, 'utf8')) as RestorePointJson;
  return new RestorePoints(new Map(json.rooms.map(([hex, seq, epoch]) => [hex, { seq, epoch }])));
}
