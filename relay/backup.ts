// Online backup and restore of a data directory. A backup is a directory in the data directory's
// own layout (data-dir.ts): the database, copied with SQLite's online backup API while the relay
// keeps writing, and the relay key, without which every client's pinned key would stop matching;
// with them the operator's room-token secret when there is one, without which a restored relay
// under --require-room-token would refuse every token issued before the backup.
// Both steps write the database last and under a temporary name, so a directory holding
// `relay.sqlite` is complete and checked.
import Database from 'better-sqlite3';
import { closeSync, constants, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { nodePrimitives } from '../protocol/platform/node-noise-primitives.js';
import { DATABASE_FILE, DIR_MODE, ensureDataDir, RELAY_KEY_FILE } from './data-dir.js';
import { ROOM_TOKEN_SECRET_FILE } from './room-token.js';
import { loadOrCreateRelayKey } from './relay-key.js';
import { sqliteRoomPositions, writeRestorePoint } from './restore-point.js';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupSummary {
  /** The relay public key the copy carries, for comparing with what clients pinned. */
  readonly relayPublicKey: Uint8Array;
}

const PARTIAL_SUFFIX = '.partial';
/** Pages per backup step: all of them, so the copy is one consistent snapshot instead of restarting on every write. */
const ALL_PAGES = 0x7fffffff;

/** Creates `dir` (0700), refusing one that already holds anything: a backup or restore never overwrites. */
function createEmptyDir(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new BackupError(`${what} ${dir} is not empty; refusing to overwrite it`);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file that must not exist yet at `to`, and makes it durable. */
function copyDurably(from: string, to: string): void {
  copyFileSync(from, to, constants.COPYFILE_EXCL);
  fsyncPath(to);
}

/**
 * Throws unless `path` is a sound relay database: SQLite's integrity check passes and the schema is
 * there. `ownCopy` (a file this command just wrote) also leaves rollback-journal mode, so the copy
 * is one self-contained file with no -wal or -shm beside it; the relay turns WAL back on at start.
 */
function checkDatabase(path: string, ownCopy: boolean): void {
  const db = new Database(path, { readonly: !ownCopy, fileMustExist: true });
  try {
    if (ownCopy) db.pragma('journal_mode = DELETE');
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0]!.integrity_check !== 'ok') {
      throw new BackupError(`${path} fails the integrity check: ${rows.map((r) => r.integrity_check).join('; ')}`);
    }
    db.prepare('SELECT version FROM schema_version').get();
  } finally {
    db.close();
  }
}

/** Moves the checked database into place last, and makes the rename durable. */
function commit(dir: string): BackupSummary {
  renameSync(join(dir, DATABASE_FILE + PARTIAL_SUFFIX), join(dir, DATABASE_FILE));
  fsyncPath(dir);
  ensureDataDir(dir);
  return { relayPublicKey: loadOrCreateRelayKey(dir, nodePrimitives).publicKey };
}

/**
 * Copies what a data directory holds beside its key only when it is used: the room-token secret
 * exists once the operator issued a token. A secret is carried as the relay key is: kept private
 * by the backup directory's modes, and the same file on every process (docs/operations.md).
 */
function copyOptionalSecrets(fromDir: string, toDir: string): void {
  const from = join(fromDir, ROOM_TOKEN_SECRET_FILE);
  if (existsSync(from)) copyDurably(from, join(toDir, ROOM_TOKEN_SECRET_FILE));
}

function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new BackupError(`no ${what} at ${path}`);
}

/** Backs up a data directory, the relay running or not, into `outDir` (new or empty). */
export async function backupDataDir(dataDir: string, outDir: string): Promise<BackupSummary> {
  const database = join(dataDir, DATABASE_FILE);
  const key = join(dataDir, RELAY_KEY_FILE);
  requireFile(database, 'database');
  requireFile(key, 'relay key');
  createEmptyDir(outDir, 'backup directory');
  copyDurably(key, join(outDir, RELAY_KEY_FILE));
  copyOptionalSecrets(dataDir, outDir);
  const partial = join(outDir, DATABASE_FILE + PARTIAL_SUFFIX);
  // Read-only, so a backup run as another user never leaves files the relay cannot open.
  const source = new Database(database, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
  } finally {
    source.close();
  }
  checkDatabase(partial, true);
  fsyncPath(partial);
  return commit(outDir);
}

/**
 * Restores a backup directory into `dataDir`, which must be new or empty; the relay must not be
 * running on it. Also records where each room stands (restore-point.ts), so clients that saw more heal.
 */
export function restoreDataDir(fromDir: string, dataDir: string): BackupSummary {
  const database = join(fromDir, DATABASE_FILE);
  const key = join(fromDir, RELAY_KEY_FILE);
  requireFile(database, 'database (an unfinished backup has none)');
  requireFile(key, 'relay key');
  checkDatabase(database, false);
  createEmptyDir(dataDir, 'data directory');
  copyDurably(key, join(dataDir, RELAY_KEY_FILE));
  copyOptionalSecrets(fromDir, dataDir);
  const partial = join(dataDir, DATABASE_FILE + PARTIAL_SUFFIX);
  copyFileSync(database, partial, constants.COPYFILE_EXCL);
  checkDatabase(partial, true);
  fsyncPath(partial);
  // Written before the database takes its name, so a restored directory always says it was restored.
  writeRestorePoint(dataDir, sqliteRoomPositions(partial), Date.now());
  return commit(dataDir);
}
