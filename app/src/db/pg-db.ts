import { Pool, types } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isReadOnlyRefusal } from "./database-roles";
import type { Db, QueryResult, Queryable, SqlValue } from "./db";
import type { PasswordProvider } from "./secret-password";

// BIGINT (count(*), sums) would otherwise arrive as strings; our values stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export interface PgDbSettings {
  /** Every session read-only (default_transaction_read_only): the pool of a read replica. Default false. */
  readOnly?: boolean;
}

/**
 * `password`, when given, is asked for each new connection (Secrets Manager); otherwise the password
 * is the connection string's. Parsed here rather than passed as `connectionString`, because pg lets a
 * connection string's (empty) password override a password function. sslmode and sslrootcert in the
 * URL (RDS: verify-full with the RDS CA bundle) are honoured by the parser.
 */
export function createPgDb(connectionString: string, maxConnections: number, password?: PasswordProvider, settings: PgDbSettings = {}): Db {
  const parsed = parseIntoClientConfig(connectionString);
  // A replica refuses writes by itself; a read-only session says so on any server (tests stand in a plain database).
  const options = settings.readOnly ? [parsed.options, "-c default_transaction_read_only=on"].filter(Boolean).join(" ") : parsed.options;
  const pool = new Pool({
    ...parsed,
    ...(options ? { options } : {}),
    ...(password ? { password } : {}),
    max: maxConnections,
    connectionTimeoutMillis: 5000,
    // Bounds a stuck query so a request fails with an error instead of hanging its client.
    statement_timeout: 10_000,
    // The client's own bound, for a server that vanished mid-query (no answer ever comes, statement_timeout cannot fire).
    query_timeout: 15_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);

  const run = async <Row>(client: Pick<Pool, "query">, sql: string, params?: SqlValue[]): Promise<QueryResult<Row>> => {
    const result = await client.query(sql, params);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };

  return {
    kind: "postgres",
    query: (sql, params) => run(pool, sql, params),
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client losing its connection between statements emits "error", which the pool listens to only
      // while the client is idle: unheard, it would crash the process. Heard, the next statement fails instead, and
      // the broken client is discarded on release rather than returned to the pool.
      let lost: Error | undefined;
      const onError = (error: Error) => void (lost ??= error);
      client.on("error", onError);
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => void (await client.query(sql)),
      };
      try {
        await client.query("BEGIN");
        const result = await work(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A read-only refusal on a read-write pool: this connection went to a demoted primary (failover, stale DNS).
        // Discarding it makes the pool connect anew, resolving the name again, instead of reusing the stale session.
        if (!settings.readOnly && isReadOnlyRefusal(error) && error instanceof Error) lost ??= error;
        await client.query("ROLLBACK").catch((rollbackError: unknown) => void (lost ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))));
        throw error;
      } finally {
        client.removeListener("error", onError);
        client.release(lost);
      }
    },
    close: () => pool.end(),
  };
}
