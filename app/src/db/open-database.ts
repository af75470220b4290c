import type { BaseLogger } from "pino";
import type { AppConfig } from "../config";
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
