import type { Db } from "./db";
import { migrations as allMigrations, type Migration } from "./migrations";

// Any fixed number works; it only has to be the same for every replica of this service.
const MIGRATION_LOCK_ID = 727_001;

/**
 * Applies pending migrations in one transaction together with their bookkeeping rows (PostgreSQL DDL
 * is transactional, so a failed migration leaves nothing behind). Replicas starting at once serialise
 * on an advisory lock, taken before anything else, so a migration never runs twice.
 */
export async function migrate(db: Db, migrations: Migration[] = allMigrations): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_ID]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = await tx.query<{ id: string }>("SELECT id FROM schema_migrations");
    const done = new Set(applied.rows.map((row) => row.id));
    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (id) VALUES ($1)", [migration.id]);
      newlyApplied.push(migration.id);
    }
    return newlyApplied;
  });
}
