/**
 * The one seam between the service and PostgreSQL. Two implementations exist: a `pg` pool for real
 * databases and PGlite (PostgreSQL compiled to WASM) for the zero-configuration embedded mode.
 * Both speak the same SQL dialect, so repositories are written once against this interface.
 */

export type SqlValue = string | number | boolean | null | Date | string[];

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations, seeds). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /**
   * Runs `work` inside BEGIN/COMMIT; any thrown error rolls the whole unit back. Inside `work` use only
   * `tx`: on PGlite (one session, serialised) a call on the Db itself would wait for this transaction.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Which engine backs this database, for logs and /readyz. */
  readonly kind: "postgres" | "pglite";
  close(): Promise<void>;
}
