import type { Db, Queryable } from "../db/db";
import { appendEvent } from "../outbox/outbox-writer";
import { PRODUCTS_TOPIC } from "../outbox/topics";
import { PRODUCT_COLUMNS, toProduct, type Product, type ProductInput, type ProductRow } from "./product";

/** Position in the catalogue's listing order: by name, then id (names are not unique). */
export interface ProductPosition {
  name: string;
  id: string;
}

export interface ProductPage {
  items: Product[];
  /** Where the next page starts, when there is one. */
  next: ProductPosition | undefined;
}

export type UpsertOutcome = { change: "created" | "updated"; id: string } | { change: "unchanged" };

export class DuplicateSkuError extends Error {
  constructor(readonly sku: string) {
    super(`a product with sku "${sku}" already exists`);
  }
}

export class ProductInUseError extends Error {
  constructor() {
    super("the product is referenced by orders and cannot be deleted");
  }
}

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** Every write also records a product event in the outbox, in the same transaction (search indexers follow it). */
export class ProductRepository {
  constructor(private readonly db: Db) {}

  /** A page of the catalogue in name order (ties by id), after `after` (keyset pagination on products_name_id_idx). */
  async list(limit: number, after: ProductPosition | undefined): Promise<ProductPage> {
    // One extra row tells whether another page exists without a count(*).
    const result = after
      ? await this.db.query<ProductRow>(
          `SELECT ${PRODUCT_COLUMNS} FROM products WHERE (name, id) > ($1, $2::uuid) ORDER BY name, id LIMIT $3`,
          [after.name, after.id, limit + 1],
        )
      : await this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY name, id LIMIT $1`, [limit + 1]);
    const items = result.rows.slice(0, limit).map(toProduct);
    const last = items[items.length - 1];
    return { items, next: result.rows.length > limit && last ? { name: last.name, id: last.id } : undefined };
  }

  async get(id: string): Promise<Product | undefined> {
    const result = await this.db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row ? toProduct(row) : undefined;
  }

  async create(input: ProductInput): Promise<Product> {
    try {
      return await this.db.transaction(async (tx) => {
        const result = await tx.query<ProductRow>(
          `INSERT INTO products (sku, name, description, price_cents, stock) VALUES ($1, $2, $3, $4, $5)
           RETURNING ${PRODUCT_COLUMNS}`,
          [input.sku, input.name, input.description, input.priceCents, input.stock],
        );
        return this.recordChange(tx, "product.created", toProduct(result.rows[0] as ProductRow));
      });
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION) throw new DuplicateSkuError(input.sku);
      throw error;
    }
  }

  async update(id: string, input: ProductInput): Promise<Product | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        const result = await tx.query<ProductRow>(
          `UPDATE products SET sku = $2, name = $3, description = $4, price_cents = $5, stock = $6, updated_at = now()
           WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
          [id, input.sku, input.name, input.description, input.priceCents, input.stock],
        );
        const row = result.rows[0];
        return row ? this.recordChange(tx, "product.updated", toProduct(row)) : undefined;
      });
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION) throw new DuplicateSkuError(input.sku);
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    try {
      return await this.db.transaction(async (tx) => {
        // The deletion's time versions it in the search index, so it must not precede the row's last update.
        const result = await tx.query<{ id: string; deleted_at: Date | string }>(
          "DELETE FROM products WHERE id = $1 RETURNING id, greatest(clock_timestamp(), updated_at) AS deleted_at",
          [id],
        );
        const row = result.rows[0];
        if (!row) return false;
        const deletedAt = new Date(row.deleted_at).toISOString();
        await appendEvent(tx, { topic: PRODUCTS_TOPIC, key: id, type: "product.deleted", payload: { productId: id, deletedAt } });
        return true;
      });
    } catch (error) {
      if (pgCode(error) === FOREIGN_KEY_VIOLATION) throw new ProductInUseError();
      throw error;
    }
  }

  /**
   * Inserts or updates by sku and reports whether anything changed; an unchanged row is not
   * touched and emits no event, which makes repeated imports of the same feed a no-op.
   */
  async upsertBySku(input: ProductInput): Promise<UpsertOutcome> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<ProductRow & { inserted: boolean }>(
        `INSERT INTO products (sku, name, description, price_cents, stock) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
           price_cents = EXCLUDED.price_cents, stock = EXCLUDED.stock, updated_at = now()
         WHERE (products.name, products.description, products.price_cents, products.stock)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.price_cents, EXCLUDED.stock)
         RETURNING ${PRODUCT_COLUMNS}, (xmax = 0) AS inserted`,
        [input.sku, input.name, input.description, input.priceCents, input.stock],
      );
      const row = result.rows[0];
      if (!row) return { change: "unchanged" };
      const change = row.inserted ? "created" : "updated";
      await this.recordChange(tx, `product.${change}`, toProduct(row));
      return { change, id: row.id };
    });
  }

  private async recordChange(tx: Queryable, type: string, product: Product): Promise<Product> {
    await appendEvent(tx, { topic: PRODUCTS_TOPIC, key: product.id, type, payload: { product } });
    return product;
  }
}
