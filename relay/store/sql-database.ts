// What SqlStore needs from a SQL database: transactions of parameterised statements. SQLite and
// PostgreSQL each provide one, so the store's rules and statements are written once (sql-store.ts)
// and only connection handling, locking and the schema differ between them.

/** Statements use PostgreSQL's `$1, $2, …` placeholders; the SQLite side rewrites them. */
export type SqlValue = number | Uint8Array | null;

export interface SqlTransaction {
  rows<T>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Resolves with the number of rows changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
}

export type TransactionMode = 'read' | 'write';

export interface SqlDatabase {
  /**
   * Runs `fn` as one transaction on one connection: committed if it resolves, rolled back if it
   * throws. A read transaction sees one snapshot throughout. When the database refuses a
   * transaction for a transient conflict, `fn` runs again from the start, so it must have no effect
   * outside the database.
   *
   * `onCommitted`, where the database can tell the moments apart, is called with the value once the
   * transaction has committed so that a crash of this process can no longer undo it, before it is
   * on disk (SQLite at synchronous=FULL on the store's thread writes the commit, calls it, then
   * syncs); the promise resolves once the transaction is as durable as the store is configured to
   * make it. Where it cannot (PostgreSQL, SQLite at NORMAL), it is never called.
   */
  transaction<T>(mode: TransactionMode, fn: (tx: SqlTransaction) => Promise<T>, onCommitted?: (value: T) => void): Promise<T>;
  /**
   * Appended to the SELECT of a room row in a write transaction: it holds the row until commit, so
   * writers to one room (across processes too) take turns. Empty where the write transaction
   * already holds the whole database (SQLite).
   */
  readonly lockRow: string;
  close(): Promise<void>;
}
