// The Store on SQLite (better-sqlite3): WAL, foreign keys, numbered migrations, and the statements
// and rules of sql-store.ts.
//
// Group commit: every transaction asked for within one event-loop turn runs inside ONE database
// transaction, each in its own savepoint (a failing one is rolled back alone), and the batch commits
// once — one fsync for the batch under synchronous=FULL, instead of one per message. No result is
// released before that commit, so "acknowledged means committed" holds for every request. Between
// batches the drain yields to the event loop, so sockets flush while a backlog is worked off.
//
// better-sqlite3 waits for a lock by blocking the thread, which would also stall the connection that
// holds it if that is in this process (its transaction continues on this thread), so the busy wait
// is ours instead: busy_timeout is 0 and a refused batch is retried after a pause.
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
  /** Most transactions committed together; bounds the latency one batch adds to the event loop. */
  readonly maxBatch?: number;
}

const DEFAULT_MAX_BATCH = 256;

interface Queued {
  readonly mode: TransactionMode;
  readonly fn: (tx: SqlTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
  readonly #maxBatch: number;
  readonly #queue: Queued[] = [];
  /** Settles when the queue has drained; undefined while idle. */
  #draining: Promise<void> | undefined;

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
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
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
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ mode, fn, resolve: resolve as (value: unknown) => void, reject });
      // Wait one turn before the first batch, so everything asked for in this turn joins it.
      this.#draining ??= nextTurn().then(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      let outcomes: Outcome[];
      try {
        outcomes = await retryTransient(() => this.#attempt(batch), isBusy, this.#busyTimeoutMs);
      } catch (error) {
        // The batch never committed: every transaction in it failed with the database's error.
        outcomes = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((queued, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) queued.resolve(outcome.value);
        else queued.reject(outcome.error);
      });
      if (this.#queue.length === 0) break;
      await nextTurn();
    }
    this.#draining = undefined;
  }

  /** One database transaction for the batch; each member in a savepoint of its own. */
  async #attempt(batch: readonly Queued[]): Promise<Outcome[]> {
    this.#db.exec(batch.some((queued) => queued.mode === 'write') ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const outcomes: Outcome[] = [];
      for (const queued of batch) {
        this.#db.exec('SAVEPOINT member');
        try {
          outcomes.push({ ok: true, value: await queued.fn(this.#tx) });
          this.#db.exec('RELEASE member');
        } catch (error) {
          // Lock trouble retries the whole batch; any other failure belongs to this member alone.
          if (isBusy(error)) throw error;
          this.#db.exec('ROLLBACK TO member');
          this.#db.exec('RELEASE member');
          outcomes.push({ ok: false, error });
        }
      }
      this.#db.exec('COMMIT');
      return outcomes;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
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
