import type { BaseLogger } from "pino";
import type { AppConfig } from "../config";
import type { Db } from "./db";
import { seedDemoCatalogue } from "./demo-catalogue";
import { migrate } from "./migrate";
import { createPgDb } from "./pg-db";
import { createPgliteDb } from "./pglite-db";
import { secretsManagerPassword } from "./secret-password";

/** PostgreSQL when DATABASE_URL is set, embedded PGlite with a demo catalogue otherwise; migrated either way. */
export async function openDatabase(
  config: Pick<AppConfig, "databaseUrl" | "databasePoolMax" | "databaseSecretArn" | "pgliteDataDir">,
  log: BaseLogger,
): Promise<Db> {
  const db = config.databaseUrl
    ? createPgDb(
        config.databaseUrl,
        config.databasePoolMax,
        config.databaseSecretArn ? secretsManagerPassword(config.databaseSecretArn) : undefined,
      )
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
