import type { ReadDb } from "../db/database-roles";
import type { SearchEngine, SearchHit } from "./search-engine";

interface HitRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
}

/**
 * Full-text search over the generated `products.search` column. websearch_to_tsquery accepts any user
 * text (quotes, operators, garbage) without raising syntax errors, so hostile queries cannot cause 500s.
 * A read: it runs on the region's replica.
 */
export function createPostgresSearch(db: ReadDb): SearchEngine {
  return {
    name: "postgres",
    async search(query: string, limit: number): Promise<SearchHit[]> {
      const result = await db.query<HitRow>(
        `SELECT id, sku, name, description, price_cents
           FROM products, websearch_to_tsquery('simple', $1) AS q
          WHERE search @@ q
          ORDER BY ts_rank(search, q) DESC, id
          LIMIT $2`,
        [query, limit],
      );
      return result.rows.map((row) => ({
        id: row.id,
        sku: row.sku,
        name: row.name,
        description: row.description,
        priceCents: row.price_cents,
      }));
    },
  };
}
