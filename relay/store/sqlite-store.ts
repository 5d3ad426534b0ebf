// The Store on SQLite (better-sqlite3): WAL, foreign keys, numbered migrations, and the statements
// and rules of sql-store.ts.
//
// Group commit: every transaction asked for within one event-loop turn runs inside ONE database
// transaction, each in its own savepoint (a failing one is rolled back alone), and the batch commits
// once — one fsync for the batch under synchronous=FULL, instead of one per message. No result is
// released before that fsync, so "acknowledged means on disk" holds for every request. Between
// batches the drain yields to the event loop, so sockets flush while a backlog is worked off.
//
// At synchronous=FULL the commit and its fsync are split: the connection commits as NORMAL does
// (the WAL frames are written, so a crash of this process cannot undo the commit: the kernel holds
// them), `onCommitted` is told if the store's thread asked for that (the relay fans messages out
// from there), and then the WAL file is fdatasync'ed before any result of the batch is released. On
// disk this is what FULL does in WAL mode (sync the WAL at every commit); only the moment a push may
// leave moves ahead of the sync.
//
// Checkpoints run on a thread of their own (sqlite-checkpointer.ts), so the relay's thread never waits
// on copying the WAL into the database file or on that copy's fsync.
//
// better-sqlite3 waits for a lock by blocking the thread, which would also stall the connection that
// holds it if that is in this process (its transaction continues on this thread), so the busy wait
// is ours instead: busy_timeout is 0 and a refused batch is retried after a pause.
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SqliteSynchronous } from '../config.js';
import type { CheckpointerData } from './sqlite-checkpointer.js';
import { checkSqliteVersion } from './sqlite-version.js';
import { pendingMigrations, READ_VERSION, VERSION_TABLE } from './schema-sql.js';
import type { SqlDatabase, SqlTransaction, SqlValue, TransactionMode } from './sql-database.js';
import { SqlStore } from './sql-store.js';
import { retryTransient } from './transient-retry.js';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
  readonly maxHistoryPerRoom: number;
  /** Message bytes a room may hold (ROOM_FULL beyond); unset: no byte limit. */
  readonly maxRoomBytes?: number;
  /** How long a transaction keeps retrying while another connection holds the database. */
  readonly busyTimeoutMs?: number;
  /** Most transactions committed together; bounds the latency one batch adds to the event loop. */
  readonly maxBatch?: number;
  /**
   * At synchronous=FULL, tell a transaction's `onCommitted` between the commit and the sync. Only
   * the store's thread asks (sqlite-store-thread.ts): ThreadedStore keeps such a notice behind the
   * answers of reads asked before it. In this thread a notice would overtake them; without it
   * `onCommitted` is never called and the caller acts on the answer.
   */
  readonly noticeBeforeSync?: boolean;
}

/**
 * Enough for every session's next request to share one commit (a session has one request in the
 * store at a time), so under load each commit and each tick's fan-out serve more messages.
 */
const DEFAULT_MAX_BATCH = 4096;

/** How often the checkpointer copies the WAL into the database: it stays a few MB at most under load. */
const CHECKPOINT_INTERVAL_MS = 200;

/** SQLite's own default, for when the checkpointer thread is gone. */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

interface Queued {
  readonly mode: TransactionMode;
  readonly fn: (tx: SqlTransaction) => Promise<unknown>;
  readonly onCommitted: ((value: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'));
}

/**
 * A statement with `$n` placeholders rewritten to SQLite's positional `?`, and how to bind it: the
 * params as given when each `$n` appears once and in order (most statements: no copy), else
 * re-ordered per call.
 */
interface Prepared {
  readonly statement: Database.Statement;
  /** The 0-based param for each `?`, or undefined when that is the params array itself. */
  readonly order: readonly number[] | undefined;
}

function prepare(db: Database.Database, sql: string): Prepared {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { statement: db.prepare(text), order: order.every((param, i) => param === i) ? undefined : order };
}

function bound(prepared: Prepared, params: readonly SqlValue[]): readonly SqlValue[] {
  const { order } = prepared;
  return order === undefined ? params : order.map((param) => params[param]!);
}

class SqliteDatabase implements SqlDatabase {
  readonly lockRow = '';
  readonly #db: Database.Database;
  readonly #busyTimeoutMs: number;
  readonly #statements = new Map<string, Prepared>();
  /** Transaction control, prepared once rather than parsed on every use by exec. */
  readonly #control: Readonly<Record<'begin' | 'beginImmediate' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Database.Statement>>;
  readonly #tx: SqlTransaction;
  readonly #maxBatch: number;
  readonly #queue: Queued[] = [];
  /** Settles when the queue has drained; undefined while idle. */
  #draining: Promise<void> | undefined;
  readonly #checkpointer: Worker;
  readonly #checkpointerExited: Promise<unknown>;
  /** Set at synchronous=FULL: the WAL file, synced here after each writing batch commits. */
  readonly #syncWal: string | undefined;
  readonly #noticeBeforeSync: boolean;
  /** The WAL's directory entry is synced once, as SQLite does for a journal it creates. */
  #walDirSynced = false;

  constructor(options: SqliteStoreOptions) {
    const db = new Database(options.path);
    this.#syncWal = options.synchronous === 'FULL' ? `${options.path}-wal` : undefined;
    this.#noticeBeforeSync = options.noticeBeforeSync === true;
    try {
      checkSqliteVersion(String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v));
      db.pragma('journal_mode = WAL');
      // FULL's sync is ours, after the commit (#sync); the connection itself commits as NORMAL.
      db.pragma(`synchronous = ${this.#syncWal === undefined ? options.synchronous : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 0');
      // Each batch member's savepoint keeps a statement journal of the pages it changes; in memory
      // that is a copy, in the default temporary file it is a write per page per member.
      db.pragma('temp_store = MEMORY');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    db.pragma('wal_autocheckpoint = 0');
    const data: CheckpointerData = { path: options.path, synchronous: options.synchronous, intervalMs: CHECKPOINT_INTERVAL_MS };
    this.#checkpointer = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), { workerData: data });
    this.#checkpointer.unref();
    // Not events.once: that rejects on 'error', which is answered below and must not fail close().
    this.#checkpointerExited = new Promise((resolve) => this.#checkpointer.once('exit', resolve));
    // Without it the WAL would grow without bound: checkpoint here again, as SQLite does by default.
    this.#checkpointer.once('error', () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    });
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#control = {
      begin: db.prepare('BEGIN'),
      beginImmediate: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT member'),
      release: db.prepare('RELEASE member'),
      rollbackTo: db.prepare('ROLLBACK TO member'),
    };
    this.#tx = {
      rows: async <T>(sql: string, params: readonly SqlValue[]) => {
        const prepared = this.#prepared(sql);
        return prepared.statement.all(bound(prepared, params)) as T[];
      },
      run: async (sql: string, params: readonly SqlValue[]) => {
        const prepared = this.#prepared(sql);
        return prepared.statement.run(bound(prepared, params)).changes;
      },
    };
  }

  #prepared(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) this.#statements.set(sql, (prepared = prepare(this.#db, sql)));
    return prepared;
  }

  transaction<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>, onCommitted?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ mode, fn, onCommitted: onCommitted as ((value: unknown) => void) | undefined, resolve: resolve as (value: unknown) => void, reject });
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
      const settle = (queued: Queued, outcome: Outcome): void => {
        if (outcome.ok) queued.resolve(outcome.value);
        else queued.reject(outcome.error);
      };
      let pending = batch.map((queued, i) => ({ queued, outcome: outcomes[i]! }));
      if (this.#syncWal !== undefined && batch.some((queued) => queued.mode === 'write') && outcomes.some((outcome) => outcome.ok)) {
        if (this.#noticeBeforeSync) {
          // Reads need no sync: answered now, in order, ahead of the notices ThreadedStore holds behind them.
          for (const { queued, outcome } of pending) if (queued.mode === 'read') settle(queued, outcome);
          pending = pending.filter(({ queued }) => queued.mode !== 'read');
          this.#committed(batch, outcomes);
        }
        try {
          await this.#sync(this.#syncWal);
        } catch (error) {
          // Committed but not known to be on disk: nothing is acknowledged. What was committed stays
          // (a resend of a message gets its seq); the caller refuses, the client tries again.
          pending = pending.map(({ queued }) => ({ queued, outcome: { ok: false, error } }));
        }
      }
      for (const { queued, outcome } of pending) settle(queued, outcome);
      if (this.#queue.length === 0) break;
      await nextTurn();
    }
    this.#draining = undefined;
  }

  /** Tells each committed transaction's caller it is committed (before the sync, if there is one). */
  #committed(batch: readonly Queued[], outcomes: readonly Outcome[]): void {
    batch.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok || queued.onCommitted === undefined) return;
      try {
        queued.onCommitted(outcome.value);
      } catch {
        // The caller's own trouble: the transaction is committed all the same, and its result still goes out.
      }
    });
  }

  /**
   * fdatasync of the WAL (on Linux it flushes the file's dirty pages whichever descriptor asks), off
   * this thread: meanwhile the reads answered before it reach the relay's thread, and with them the
   * notices held behind them.
   */
  async #sync(walPath: string): Promise<void> {
    const sync = async (path: string, full: boolean): Promise<void> => {
      const handle = await open(path, 'r');
      try {
        if (full) await handle.sync();
        else await handle.datasync();
      } finally {
        await handle.close();
      }
    };
    await sync(walPath, false);
    if (!this.#walDirSynced) {
      await sync(dirname(walPath), true);
      this.#walDirSynced = true;
    }
  }

  /**
   * One database transaction for the batch; each member in a savepoint of its own, unless it is
   * alone, when the transaction itself is its savepoint.
   */
  async #attempt(batch: readonly Queued[]): Promise<Outcome[]> {
    const control = this.#control;
    (batch.some((queued) => queued.mode === 'write') ? control.beginImmediate : control.begin).run();
    try {
      if (batch.length === 1) {
        let value: unknown;
        try {
          value = await batch[0]!.fn(this.#tx);
        } catch (error) {
          if (isBusy(error)) throw error;
          control.rollback.run();
          return [{ ok: false, error }];
        }
        control.commit.run();
        return [{ ok: true, value }];
      }
      const outcomes: Outcome[] = [];
      for (const queued of batch) {
        control.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await queued.fn(this.#tx) });
          control.release.run();
        } catch (error) {
          // Lock trouble retries the whole batch; any other failure belongs to this member alone.
          if (isBusy(error)) throw error;
          control.rollbackTo.run();
          control.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      control.commit.run();
      return outcomes;
    } catch (error) {
      if (this.#db.inTransaction) control.rollback.run();
      throw error;
    }
  }

  async close(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
    // The checkpointer's connection closes first, so the last one (ours) checkpoints the WAL away.
    // Referenced again, so the process waits for it: unreferenced, awaiting its exit would not.
    this.#checkpointer.ref();
    this.#checkpointer.postMessage('close');
    await this.#checkpointerExited;
    this.#db.close();
  }
}

export class SqliteStore extends SqlStore {
  constructor(options: SqliteStoreOptions) {
    super(new SqliteDatabase(options), options.maxHistoryPerRoom, options.maxRoomBytes);
  }
}

/** schema-sql.ts's scripts, each in its own immediate transaction (the file is this process's alone while it opens). */
function migrate(db: Database.Database): void {
  db.exec(VERSION_TABLE.sqlite);
  const row = db.prepare(READ_VERSION).get() as { version: number } | undefined;
  for (const script of pendingMigrations('sqlite', row?.version ?? 0)) db.transaction(() => db.exec(script)).immediate();
}
