// One schema description (relay/store/schema.ts) for SQLite and PostgreSQL: a fresh SQLite
// database holds the tables, columns, keys and indexes the hand-written SQLite schema of 0959acf
// made, and a database made by that schema at any of its versions migrates to the same thing.
// (PostgreSQL's side, on a private server: test/scale/postgres-store.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../relay/store/sqlite-store.js';
import { SCHEMA_VERSION } from '../../relay/store/schema.js';
import { pendingMigrations } from '../../relay/store/schema-sql.js';
import { SQLITE_0959ACF } from './legacy-schemas.js';

type Row = Record<string, unknown>;

/**
 * Every table's columns, keys and indexes, as SQLite reports them. A primary key's column counts
 * as NOT NULL: 0959acf declared rooms.id and checkpoints.room_id without it, which SQLite allows
 * (the relay never writes a NULL there); schema.ts declares it.
 */
function describe(path: string): Row {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const options = (name: string): string => {
      const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as { sql: string }).sql;
      return `${/\)\s*STRICT/.test(sql) ? 'STRICT' : ''}${/WITHOUT ROWID\s*$/.test(sql) ? ' WITHOUT ROWID' : ''}`;
    };
    return Object.fromEntries(tables.map((name) => [name, {
      options: options(name),
      columns: (db.pragma(`table_info(${name})`) as Row[]).map((c) => ({ ...c, notnull: Number(c['pk']) > 0 ? 1 : c['notnull'] })),
      foreignKeys: db.pragma(`foreign_key_list(${name})`),
      indexes: (db.pragma(`index_list(${name})`) as { name: string; unique: number; origin: string }[])
        .map((index) => ({ ...index, columns: (db.pragma(`index_info(${index.name})`) as { name: string }[]).map((c) => c.name) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }]));
  } finally {
    db.close();
  }
}

async function openAndClose(path: string): Promise<void> {
  await new SqliteStore({ path, synchronous: 'FULL', maxHistoryPerRoom: 10 }).close();
}

/** A database as 0959acf's first `version` migrations left it. */
function legacyDatabase(path: string, version: number): void {
  const db = new Database(path);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT');
  for (const sql of SQLITE_0959ACF.slice(0, version)) db.exec(sql);
  db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version);
  db.close();
}

/** Runs `check` with a fresh database (made by schema.ts) and a path for another, in a temp dir. */
async function beside(check: (fresh: string, other: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-schema-'));
  try {
    const fresh = join(dir, 'fresh.sqlite');
    await openAndClose(fresh);
    await check(fresh, join(dir, 'other.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SQLite: a fresh database is the schema 0959acf wrote by hand, with the entries since applied', () => beside(async (fresh, legacy) => {
  legacyDatabase(legacy, SQLITE_0959ACF.length);
  await openAndClose(legacy);
  assert.equal(describe(fresh), describe(legacy));
}));

for (let version = 0; version <= SQLITE_0959ACF.length; version++) {
  test(`SQLite: a database 0959acf left at version ${version} migrates to version ${SCHEMA_VERSION}, the same as a fresh one`, () => beside(async (fresh, old) => {
    legacyDatabase(old, version);
    await openAndClose(old);
    assert.equal(describe(old), describe(fresh));
    const check = new Database(old, { readonly: true });
    assert.is((check.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
    check.close();
  }));
}

test('migrations: a database newer than this relay is refused; one at the latest version needs nothing', () => {
  assert.equal(pendingMigrations('sqlite', SCHEMA_VERSION), []);
  assert.is(pendingMigrations('postgres', 0).length, SCHEMA_VERSION);
  assert.throws(() => pendingMigrations('sqlite', SCHEMA_VERSION + 1), /newer than this relay understands/);
});

test.run();
