import type { BaseLogger } from "pino";
import type { CircuitBreaker, CircuitState } from "../cache/circuit-breaker";
import type { AppConfig } from "../config";
import { databaseBreaker, guardWriter, isWriterUnreachable, readerWithFallback, type DatabaseUnavailableError, type ReadDb } from "./database-roles";
import type { Db } from "./db";
import { seedDemoCatalogue } from "./demo-catalogue";
import { migrate } from "./migrate";
import { createPgDb } from "./pg-db";
import { createPgliteDb } from "./pglite-db";
import { rdsIamPassword } from "./iam-token";
import { type PasswordProvider, secretsManagerPassword } from "./secret-password";

/** PostgreSQL when DATABASE_URL is set, embedded PGlite with a demo catalogue otherwise; migrated either way. */
export async function openDatabase(
  config: Pick<AppConfig, "databaseUrl" | "databasePoolMax" | "databaseSecretArn" | "databaseIamRegion" | "pgliteDataDir">,
  log: BaseLogger,
): Promise<Db> {
  const db = config.databaseUrl
    ? createPgDb(config.databaseUrl, config.databasePoolMax, passwordProvider(config.databaseUrl, config))
    : await createPgliteDb(config.pgliteDataDir);
  try {
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ migrations: applied }, "applied database migrations");
    if (db.kind === "pglite") {
      const seeded = await seedDemoCatalogue(db);
      if (seeded > 0) log.info({ products: seeded }, "embedded database seeded with the demo catalogue");
    }
    return db;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

type DatabaseSettings = Pick<
  AppConfig,
  "databaseUrl" | "databasePoolMax" | "databaseSecretArn" | "databaseIamRegion" | "databaseReaderUrl" | "databaseReaderIamRegion" | "pgliteDataDir"
>;

export interface Databases {
  /** The primary, behind its circuit breaker: writes, and reads that must see the latest state. Migrated. */
  writer: Db;
  /** The region's replica (falling back to the writer when it cannot be reached), or the writer itself when none is configured. */
  reader: ReadDb;
  /** Whether a replica of its own serves this process's reads. */
  hasReplica: boolean;
  close(): Promise<void>;
}

export interface DatabaseEvents {
  writerCircuit?: (state: CircuitState) => void;
  readerFallback?: () => void;
}

const MIGRATION_RETRY_MS = 15_000;

/**
 * The writer and, with DATABASE_READER_URL, the region's replica, each with its own pool and password provider (an IAM
 * token is signed for its own host and region). Migrations run only on the writer. A writer that cannot be reached at
 * start does not stop a process that has a replica: it serves reads and answers writes 503, and retries the
 * migrations in the background (a replica's schema is the primary's, replicated).
 */
export async function openDatabases(config: DatabaseSettings, log: BaseLogger, events: DatabaseEvents = {}): Promise<Databases> {
  const writerBreaker = databaseBreaker({
    role: "writer",
    onStateChange: (state) => {
      events.writerCircuit?.(state);
      log.warn({ state }, state === "open" ? "writer database unreachable: circuit open, writes answer 503 (read-only)" : `writer database circuit ${state}`);
    },
  });
  const readerUrl = config.databaseUrl ? config.databaseReaderUrl : undefined;
  if (!readerUrl) {
    const db = await openDatabase(config, log);
    const writer = guardWriter(db, writerBreaker);
    return { writer, reader: writer, hasReplica: false, close: () => closeAll(writerBreaker, db) };
  }
  const passwords = connectionPasswords(config);
  const rawWriter = createPgDb(config.databaseUrl as string, config.databasePoolMax, passwords.writer);
  const rawReader = createPgDb(readerUrl, config.databasePoolMax, passwords.reader, { readOnly: true });
  const writer = guardWriter(rawWriter, writerBreaker);
  const readerBreaker = databaseBreaker({
    role: "reader",
    onStateChange: (state) => log.warn({ state }, state === "open" ? "reader database unreachable: reads go to the writer" : `reader database circuit ${state}`),
  });
  const reader = readerWithFallback(rawReader, writer, {
    breaker: readerBreaker,
    onFallback: (error: DatabaseUnavailableError) => {
      events.readerFallback?.();
      // The warning is the circuit's (above), once per outage; each read is counted, and logged only at debug.
      log.debug({ err: error }, "read served by the writer: the replica cannot be reached");
    },
  });
  let retry: NodeJS.Timeout | undefined;
  const migrateWriter = async (): Promise<void> => {
    try {
      // Unguarded: the breaker's deadline is meant for requests, and a long migration must not be cut short by it.
      const applied = await migrate(rawWriter);
      if (applied.length > 0) log.info({ migrations: applied }, "applied database migrations");
    } catch (error) {
      // A demoted primary behind the writer's name refuses the migrations read-only: wait for the failover like an outage.
      if (!isWriterUnreachable(error)) throw error;
      log.error({ err: error }, "writer database unreachable: migrations not applied, serving reads from the replica (read-only); retrying");
      retry = setTimeout(() => void migrateWriter().catch((failure: unknown) => log.error({ err: failure }, "migrations failed")), MIGRATION_RETRY_MS);
      retry.unref();
    }
  };
  try {
    await migrateWriter();
  } catch (error) {
    await closeAll(writerBreaker, rawWriter, rawReader, readerBreaker);
    throw error;
  }
  return {
    writer,
    reader,
    hasReplica: true,
    close: async () => {
      clearTimeout(retry);
      await closeAll(writerBreaker, rawWriter, rawReader, readerBreaker);
    },
  };
}

async function closeAll(...resources: Array<Db | CircuitBreaker>): Promise<void> {
  for (const resource of resources) {
    if ("kind" in resource) await resource.close().catch(() => undefined);
    else resource.close();
  }
}

/**
 * Each pool's own password provider: an IAM token is signed for the host it connects to and that host's region (the
 * replica's DATABASE_READER_IAM_REGION, not the primary's), a Secrets Manager password is the same for both (a
 * replica has its primary's users).
 */
export function connectionPasswords(
  config: Pick<AppConfig, "databaseUrl" | "databaseReaderUrl" | "databaseSecretArn" | "databaseIamRegion" | "databaseReaderIamRegion">,
): { writer?: PasswordProvider; reader?: PasswordProvider } {
  return {
    writer: config.databaseUrl ? passwordProvider(config.databaseUrl, config) : undefined,
    reader: config.databaseReaderUrl
      ? passwordProvider(config.databaseReaderUrl, { databaseIamRegion: config.databaseReaderIamRegion, databaseSecretArn: config.databaseSecretArn })
      : undefined,
  };
}

/**
 * Where each new connection's password comes from: an IAM token (the platform: no password exists), Secrets Manager,
 * or else the URL itself (local runs, no AWS settings).
 */
function passwordProvider(url: string, config: Pick<AppConfig, "databaseSecretArn" | "databaseIamRegion">): PasswordProvider | undefined {
  if (config.databaseIamRegion) {
    const parsed = new URL(url);
    return rdsIamPassword({
      hostname: parsed.hostname,
      port: Number(parsed.port || 5432),
      username: decodeURIComponent(parsed.username),
      region: config.databaseIamRegion,
    });
  }
  return config.databaseSecretArn ? secretsManagerPassword(config.databaseSecretArn) : undefined;
}
