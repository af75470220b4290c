import { CircuitBreaker, CircuitOpenError, CircuitTimeoutError, type CircuitState } from "../cache/circuit-breaker";
import type { Db, QueryResult, Queryable, SqlValue } from "./db";

/**
 * The two roles a database plays across regions: the writer (the primary, in one region) takes every write and every
 * read that must see the latest state; the reader (the region's replica) serves the rest. A repository method picks
 * its role explicitly by the object it queries: a ReadDb cannot start a transaction or run a script, and its
 * connections are read-only sessions besides, so a write sent to it by mistake fails instead of diverging.
 */
export type ReadDb = Pick<Queryable, "query">;

export type DatabaseRole = "writer" | "reader";

/** The database of `role` cannot be reached (connection refused, timed out, or its circuit is open). */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly role: DatabaseRole,
    cause: unknown,
  ) {
    super(`the ${role} database cannot be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "DatabaseUnavailableError";
  }
}

// Node's socket errors for a host that is down, unreachable or not resolvable.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
// SQLSTATE class 08 (connection exception), and the server going away: admin_shutdown, crash_shutdown,
// cannot_connect_now (starting up or a replica being promoted).
const UNREACHABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03"]);
// pg says these in plain messages, without a code.
const UNREACHABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable/i;

/** Whether `error` says the database is out of reach, as opposed to refusing this statement (constraints, syntax). */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError || error instanceof CircuitOpenError || error instanceof CircuitTimeoutError) return true;
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  if (code && (NETWORK_CODES.has(code) || code.startsWith("08") || UNREACHABLE_SQLSTATES.has(code))) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnreachable);
  return error instanceof Error && UNREACHABLE_MESSAGES.test(error.message);
}

/** SQLSTATE read_only_sql_transaction: the server refused a write because it is (now) a read-only replica. */
export const READ_ONLY_SQLSTATE = "25006";

/** Whether `error` is a server refusing a write because it is read-only (directly, or among AggregateError's errors). */
export function isReadOnlyRefusal(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isReadOnlyRefusal);
  return typeof error === "object" && error !== null && "code" in error && error.code === READ_ONLY_SQLSTATE;
}

/**
 * For the writer, a read-only answer means the same as no answer: the server behind the writer's name is no longer
 * the primary (demoted in a failover or switchover, or a stale DNS record still names it). Writes cannot succeed there
 * until the name points at the new primary, so it opens the circuit and answers 503 read-only like an outage. For the
 * replica it is not: a write sent there is a bug and must fail as itself.
 */
export function isWriterUnreachable(error: unknown): boolean {
  return isUnreachable(error) || isReadOnlyRefusal(error);
}

const UNREACHABLE_BY_ROLE: Record<DatabaseRole, (error: unknown) => boolean> = { writer: isWriterUnreachable, reader: isUnreachable };

export interface DatabaseBreakerOptions {
  role: DatabaseRole;
  onStateChange?: (state: CircuitState) => void;
}

/**
 * A breaker for a database: three consecutive connection failures open it, then calls fail at once for 5 s before one
 * probe goes through. Its own deadline is only a backstop above pg's (connect 5 s, statement 10 s): cutting a
 * transaction short here would answer "failed" for a write that may still commit.
 */
export function databaseBreaker(options: DatabaseBreakerOptions): CircuitBreaker {
  return new CircuitBreaker({ name: `${options.role} database`, failureThreshold: 3, coolDownMs: 5000, timeoutMs: 30_000, onStateChange: options.onStateChange });
}

/**
 * Runs `work` through the breaker, counting only unreachability (for the writer: read-only refusals too) as a failure
 * (a unique violation says the database works), and turns unreachability into DatabaseUnavailableError.
 */
async function guarded<T>(role: DatabaseRole, breaker: CircuitBreaker, work: () => Promise<T>): Promise<T> {
  let refusal: { error: unknown } | undefined;
  let result: T | undefined;
  try {
    result = await breaker.call(async () => {
      try {
        return await work();
      } catch (error) {
        if (UNREACHABLE_BY_ROLE[role](error)) throw error;
        refusal = { error };
        return undefined;
      }
    });
  } catch (error) {
    throw new DatabaseUnavailableError(role, error);
  }
  if (refusal) throw refusal.error;
  return result as T;
}

/** The writer behind its breaker: every call either reaches the primary or fails as DatabaseUnavailableError("writer"). */
export function guardWriter(db: Db, breaker: CircuitBreaker): Db {
  return {
    kind: db.kind,
    query: <Row>(sql: string, params?: SqlValue[]): Promise<QueryResult<Row>> => guarded("writer", breaker, () => db.query<Row>(sql, params)),
    exec: (sql) => guarded("writer", breaker, () => db.exec(sql)),
    transaction: (work) => guarded("writer", breaker, () => db.transaction(work)),
    close: () => db.close(),
  };
}

export interface ReaderFallbackOptions {
  breaker: CircuitBreaker;
  /** Each read the replica could not serve and the writer did (for a log line and a metric). */
  onFallback: (error: DatabaseUnavailableError) => void;
}

/**
 * Reads from the replica; when it cannot be reached (or its circuit is open) the same read goes to the writer, so a
 * lost replica costs the primary load, not availability. A read the replica refused for another reason is not retried.
 */
export function readerWithFallback(reader: ReadDb, writer: ReadDb, options: ReaderFallbackOptions): ReadDb {
  return {
    async query<Row>(sql: string, params?: SqlValue[]): Promise<QueryResult<Row>> {
      try {
        return await guarded("reader", options.breaker, () => reader.query<Row>(sql, params));
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError)) throw error;
        options.onFallback(error);
        return writer.query<Row>(sql, params);
      }
    },
  };
}

/**
 * Reads that should see the primary's latest state (read-your-own-writes) from the writer; while the writer cannot be
 * reached, from the replica, whose copy may miss the last moments before the outage: better than no answer at all.
 */
export function writerThenReader(writer: ReadDb, reader: ReadDb): ReadDb {
  if (writer === reader) return writer;
  return {
    async query<Row>(sql: string, params?: SqlValue[]): Promise<QueryResult<Row>> {
      try {
        return await writer.query<Row>(sql, params);
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError) || error.role !== "writer") throw error;
        return reader.query<Row>(sql, params);
      }
    },
  };
}
