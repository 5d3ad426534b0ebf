// The Store on SQLite (better-sqlite3): WAL, foreign keys, numbered migrations, and the statements
// and rules of sql-store.ts. One connection runs one transaction at a time, in the order they were
// asked for. Writes are BEGIN IMMEDIATE, so they hold the database from their first statement.
//
// better-sqlite3 waits for a lock by blocking the thread, which would also stall the connection that
// holds it if that is in this process (its transaction continues on this thread), so the busy wait
// is ours instead: busy_timeout is 0 and a refused transaction is retried after a pause.
import Database from 'better-sqlite3';
import type { SqliteSynchronous } from '../config.js';
import { checkSqliteVersion } from './sqlite-version.js';
import { MIGRATIONS } from './sqlite-schema.js';
import type { SqlDatabase, SqlTransaction, SqlValue, TransactionMode } from './sql-database.js';
import { SqlStore } from './sql-store.js';
import { retryTransient } from './transient-retry.js';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
  readonly maxHistoryPerRoom: number;
  /** How long a transaction keeps retrying while another connection holds the database. */
  readonly busyTimeoutMs?: number;
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'));
}

/** `$1` in a statement is `@p1` to SQLite: a name, since a placeholder may appear more than once. */
function named(params: readonly SqlValue[]): Record<string, SqlValue> {
  return Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
}

class SqliteDatabase implements SqlDatabase {
  readonly lockRow = '';
  readonly #db: Database.Database;
  readonly #busyTimeoutMs: number;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #tx: SqlTransaction;
  /** Settles when the last transaction asked for has ended. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: SqliteStoreOptions) {
    const db = new Database(options.path);
    try {
      checkSqliteVersion(String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 0');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#tx = {
      rows: async <T>(sql: string, params: readonly SqlValue[]) => this.#statement(sql).all(named(params)) as T[],
      run: async (sql: string, params: readonly SqlValue[]) => this.#statement(sql).run(named(params)).changes,
    };
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql.replace(/\$(\d+)/g, '@p$1'));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const run = (): Promise<T> => retryTransient(() => this.#attempt(mode, fn), isBusy, this.#busyTimeoutMs);
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #attempt<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    this.#db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const result = await fn(this.#tx);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#tail;
    this.#db.close();
  }
}

export class SqliteStore extends SqlStore {
  constructor(options: SqliteStoreOptions) {
    super(new SqliteDatabase(options), options.maxHistoryPerRoom);
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this relay understands (${MIGRATIONS.length})`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version);
    }).immediate();
  }
}
