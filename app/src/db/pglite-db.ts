import { PGlite } from "@electric-sql/pglite";
import type { Db, QueryResult, Queryable, SqlValue } from "./db";
import { SerialQueue } from "./serial-queue";

/**
 * PGlite is a single PostgreSQL session. A statement issued from outside a transaction while one is
 * open would run inside it (and vanish on its rollback), so every statement and every transaction is
 * serialised through one queue.
 */
export async function createPgliteDb(dataDir: string | undefined): Promise<Db> {
  const pglite = await PGlite.create(dataDir ?? "memory://");
  const queue = new SerialQueue();

  const run = async <Row>(session: Pick<PGlite, "query">, sql: string, params?: SqlValue[]): Promise<QueryResult<Row>> => {
    const result = await session.query<Row>(sql, params);
    // PGlite reports affectedRows only for writes; a SELECT counts its rows.
    return { rows: result.rows, rowCount: Math.max(result.rows.length, result.affectedRows ?? 0) };
  };

  return {
    kind: "pglite",
    query: (sql, params) => queue.run(() => run(pglite, sql, params)),
    exec: (sql) => queue.run(async () => void (await pglite.exec(sql))),
    transaction: (work) =>
      queue.run(() =>
        pglite.transaction(async (session) => {
          const tx: Queryable = {
            query: (sql, params) => run(session, sql, params),
            exec: async (sql) => void (await session.exec(sql)),
          };
          return work(tx);
        }),
      ),
    close: () => queue.run(() => pglite.close()),
  };
}
