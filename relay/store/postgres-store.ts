// The Store on PostgreSQL (pg), for several relay processes sharing one database: the statements
// and rules of sql-store.ts over a connection pool. Writes run at READ COMMITTED and lock the room
// row (SELECT … FOR UPDATE) before reading what they decide on, so each room's writes take turns
// across processes; reads run as READ ONLY REPEATABLE READ, one snapshot per call. A database that
// cannot be reached (down, restarting, refusing connections) fails the request with the retryable
// STORE_UNAVAILABLE rather than INTERNAL, so clients keep what they queued and ask again.
import { SottoError } from '../../protocol/errors.js';
import { DatabaseError, Pool, TypeOverrides, type PoolClient } from 'pg';
import { pendingMigrations, READ_VERSION, VERSION_TABLE } from './schema-sql.js';
import type { SqlDatabase, SqlTransaction, SqlValue, TransactionMode } from './sql-database.js';
import { SqlStore } from './sql-store.js';
import { retryTransient } from './transient-retry.js';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database; a password is better given as PGPASSWORD than in the URL. */
  readonly url: string;
  readonly maxHistoryPerRoom: number;
  /** Message bytes a room may hold (ROOM_FULL beyond); unset: no byte limit. */
  readonly maxRoomBytes?: number;
  /** Connections this process keeps open at most; requests beyond wait for one. */
  readonly poolSize: number;
  /** Called when an idle pooled connection fails (the pool replaces it). */
  readonly onConnectionError: (error: Error) => void;
  /** How long a request waits for a free connection before failing. */
  readonly connectTimeoutMs?: number;
  /** Longest one statement may run, lock waits included. */
  readonly statementTimeoutMs?: number;
  /** How long a transaction keeps retrying after serialization failures and deadlocks. */
  readonly retryDeadlineMs?: number;
}

/** serialization_failure and deadlock_detected: the transaction was rolled back and may simply run again. */
const TRANSIENT_CODES = new Set(['40001', '40P01']);

function isTransient(error: unknown): boolean {
  return error instanceof DatabaseError && error.code !== undefined && TRANSIENT_CODES.has(error.code);
}

/** Socket-level failures reaching the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What pg says, in plain Errors, when a connection dies or none can be had in time. */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * The server is out of reach rather than the request wrong: no connection (network codes, pg's own
 * connection errors), class 08 (connection exception), 57P01-57P03 (shutting down, crashed, starting
 * up) and 53300 (too many connections).
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof DatabaseError) {
    const code = error.code ?? '';
    return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
  }
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || LOST_CONNECTION.test(error.message);
}

/** Any constant will do: every relay process takes the same advisory lock while it migrates. */
const MIGRATION_LOCK = 0x5077_0001;

/** BIGINT arrives as text by default; every number the relay stores is a safe integer. */
function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError('stored integer is outside the safe range');
  return value;
}

const INT8_OID = 20;

class PostgresDatabase implements SqlDatabase {
  readonly lockRow = ' FOR UPDATE';
  readonly #pool: Pool;
  readonly #retryDeadlineMs: number;
  /** Prepared-statement names by text: each connection parses a statement once. */
  readonly #names = new Map<string, string>();

  constructor(options: PostgresStoreOptions) {
    const types = new TypeOverrides();
    types.setTypeParser(INT8_OID, parseBigint);
    this.#pool = new Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      types,
    });
    this.#pool.on('error', options.onConnectionError);
    this.#retryDeadlineMs = options.retryDeadlineMs ?? 5000;
  }

  #name(sql: string): string {
    let name = this.#names.get(sql);
    if (name === undefined) this.#names.set(sql, (name = `sotto_${this.#names.size + 1}`));
    return name;
  }

  #transaction(client: PoolClient): SqlTransaction {
    const query = (sql: string, params: readonly SqlValue[]) => client.query({ name: this.#name(sql), text: sql, values: [...params] });
    return {
      rows: async <T>(sql: string, params: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
      run: async (sql: string, params: readonly SqlValue[]) => (await query(sql, params)).rowCount ?? 0,
    };
  }

  /** PostgreSQL's COMMIT returns once the commit is durable: no earlier notice, `onCommitted` is never called. */
  async transaction<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    try {
      return await retryTransient(() => this.#attempt(mode, fn), isTransient, this.#retryDeadlineMs);
    } catch (error) {
      // A lost connection may have taken a COMMIT with it: the client's repeat of the same request
      // is answered as the first was (a send by its counter, a join request by its bytes, V-110).
      if (isUnreachable(error)) throw new SottoError('STORE_UNAVAILABLE');
      throw error;
    }
  }

  async #attempt<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(this.#transaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is not handed to the next request.
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Brings the schema up to date; relay processes starting together take turns. */
  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(VERSION_TABLE.postgres);
      const current = ((await client.query<{ version: number }>(READ_VERSION)).rows[0]?.version) ?? 0;
      // All in this one transaction: PostgreSQL's DDL is transactional, so a failure leaves the old version whole.
      for (const script of pendingMigrations('postgres', current)) await client.query(script);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

export class PostgresStore extends SqlStore {
  private constructor(db: PostgresDatabase, maxHistoryPerRoom: number, maxRoomBytes: number | undefined) {
    super(db, maxHistoryPerRoom, maxRoomBytes);
  }

  /** Connects and brings the schema up to date; throws if the database cannot be used. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const db = new PostgresDatabase(options);
    try {
      await db.migrate();
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresStore(db, options.maxHistoryPerRoom, options.maxRoomBytes);
  }
}
