// Where each room stood when the relay was restored from a backup: written by `sotto-relay restore`
// beside the restored database, read at start. Clients learn a room's restore seq when they bind
// (the auth answer), so one that saw later messages knows those positions are gone and may be
// filled again, and re-uploads what it holds instead of raising FORK alarms (docs/protocol.md §10.1).
// The relay also takes a re-uploaded message of an epoch the backup did not reach yet (V-102).
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    return this.#rooms.get(toHex(roomId));
  }
}

/** Records where every room of the database at `databasePath` stands, in `dataDir`. */
export function writeRestorePoint(dataDir: string, databasePath: string, now: number): void {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  let rows: { id: Uint8Array; last_seq: number; epoch: number }[];
  try {
    rows = db.prepare('SELECT id, last_seq, epoch FROM rooms').all() as typeof rows;
  } finally {
    db.close();
  }
  const json: RestorePointJson = { restoredAt: now, rooms: rows.map((r) => [toHex(r.id), r.last_seq, r.epoch]) };
  writeFileSync(join(dataDir, RESTORE_POINT_FILE), JSON.stringify(json), { mode: FILE_MODE, flag: 'wx' });
}

/** The restore point in `dataDir`, if the relay was restored there. */
export function loadRestorePoints(dataDir: string): RestorePoints {
  const path = join(dataDir, RESTORE_POINT_FILE);
  if (!existsSync(path)) return new RestorePoints();
  const json = JSON.parse(readFileSync(path, 'utf8')) as RestorePointJson;
  return new RestorePoints(new Map(json.rooms.map(([hex, seq, epoch]) => [hex, { seq, epoch }])));
}
