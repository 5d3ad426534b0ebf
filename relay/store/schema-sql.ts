// The one migration runner: schema.ts's entries as each database's SQL, and which of them a
// database at a given version still needs. SQLite and PostgreSQL differ only in column types and
// SQLite's table options; each store runs the scripts in its own transactions (sqlite-store.ts,
// postgres-store.ts), reading and writing the version with the statements here.
import { MIGRATIONS, SCHEMA_VERSION, type AddedColumn, type Column, type ColumnType, type Index, type Table } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

const TYPES: Record<Dialect, Record<ColumnType, string>> = {
  sqlite: { bytes: 'BLOB', int: 'INTEGER', small: 'INTEGER' },
  postgres: { bytes: 'BYTEA', int: 'BIGINT', small: 'SMALLINT' },
};

/** Creates the version table where there is none; run before READ_VERSION, inside the migration's lock. */
export const VERSION_TABLE: Record<Dialect, string> = {
  sqlite: 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT',
  postgres: 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)',
};

export const READ_VERSION = 'SELECT version FROM schema_version';

function column(dialect: Dialect, c: Column): string {
  return [
    c.name, TYPES[dialect][c.type], c.nullable === true ? '' : 'NOT NULL', c.default === undefined ? '' : `DEFAULT ${c.default}`,
    c.references === undefined ? '' : `REFERENCES ${c.references}`,
  ].filter((part) => part !== '').join(' ');
}

export function createTable(dialect: Dialect, table: Table): string {
  const lines = [
    ...table.columns.map((c) => column(dialect, c)),
    `PRIMARY KEY (${table.primaryKey.join(', ')})`,
    ...(table.unique ?? []).map((columns) => `UNIQUE (${columns.join(', ')})`),
    ...(table.foreignKeys ?? []).map((fk) => `FOREIGN KEY (${fk.columns.join(', ')}) REFERENCES ${fk.references}${fk.onDeleteCascade === true ? ' ON DELETE CASCADE' : ''}`),
  ];
  const options = dialect === 'sqlite' ? ` STRICT${table.withoutRowid === true ? ', WITHOUT ROWID' : ''}` : '';
  return `CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n)${options};`;
}

function createIndex(index: Index): string {
  return `CREATE INDEX IF NOT EXISTS ${index.name} ON ${index.table} (${index.columns.join(', ')});`;
}

/** SQLite has no ADD COLUMN IF NOT EXISTS; an entry that adds columns came after the two lists merged, so none has it yet. */
function addColumn(dialect: Dialect, added: AddedColumn): string {
  return `ALTER TABLE ${added.table} ADD COLUMN ${dialect === 'postgres' ? 'IF NOT EXISTS ' : ''}${column(dialect, added.column)};`;
}

/** Entry `version - 1` as one script that also records `version`: run it as one transaction. */
export function migrationScript(dialect: Dialect, version: number): string {
  const entry = MIGRATIONS[version - 1]!;
  return [
    `-- ${entry.why}`,
    ...(entry.tables ?? []).map((table) => createTable(dialect, table)),
    ...(entry.indexes ?? []).map(createIndex),
    ...(entry.columns ?? []).map((added) => addColumn(dialect, added)),
    ...(entry.statements ?? []),
    'DELETE FROM schema_version;',
    `INSERT INTO schema_version (version) VALUES (${version});`,
  ].join('\n');
}

/** The scripts that take a database at `current` to SCHEMA_VERSION, in order; a newer database is refused. */
export function pendingMigrations(dialect: Dialect, current: number): string[] {
  if (current > SCHEMA_VERSION) throw new Error(`database schema version ${current} is newer than this relay understands (${SCHEMA_VERSION})`);
  const scripts: string[] = [];
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) scripts.push(migrationScript(dialect, version));
  return scripts;
}
