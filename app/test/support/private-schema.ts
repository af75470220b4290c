import { randomBytes } from "node:crypto";
import { Client } from "pg";

export interface PrivateSchema {
  /** The database URL with search_path set to the schema. */
  url: string;
  drop(): Promise<void>;
}

/** A schema of its own on the test database, so runs never see each other's rows and leave nothing behind. */
export async function createPrivateSchema(baseUrl: string, prefix: string): Promise<PrivateSchema> {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    url: `${baseUrl}${baseUrl.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const client = new Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
