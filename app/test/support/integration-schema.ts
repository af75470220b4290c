import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** A database URL whose connections work in `schema` (search_path), so test runs never see each other's rows. */
export function urlForSchema(baseUrl: string, schema: string): string {
  return `${baseUrl}${baseUrl.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function adminQuery(baseUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestSchema {
  schema: string;
  /** The database URL with search_path set to the schema. */
  databaseUrl: string;
  drop(): Promise<void>;
}

/** A fresh schema on the real PostgreSQL; `drop` removes it and everything in it. */
export async function createTestSchema(baseUrl: string, prefix = "it"): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  await adminQuery(baseUrl, `CREATE SCHEMA ${schema}`);
  return {
    schema,
    databaseUrl: urlForSchema(baseUrl, schema),
    drop: () => adminQuery(baseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}
