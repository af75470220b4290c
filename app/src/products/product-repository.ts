import { createHash } from "node:crypto";
import type { ReadDb } from "../db/database-roles";
import type { Db, Queryable } from "../db/db";
import { appendEvent } from "../outbox/outbox-writer";
import { PRODUCTS_TOPIC } from "../outbox/topics";
import {
  PRODUCT_COLUMNS,
  toProduct,
  toVersionedProduct,
  type Product,
  type ProductInput,
  type ProductPatch,
  type ProductRow,
  type VersionedProduct,
} from "./product";

/** Position in the catalogue's listing order: by name, then id (names are not unique). */
export interface ProductPosition {
  name: string;
  id: string;
}

export interface ProductPage {
  items: Product[];
  /** Where the next page starts, when there is one. */
  next: ProductPosition | undefined;
  /**
   * Changes whenever any product of the page (or whether a next page exists) changes: a weak ETag's source. A
   * change of name, the listing's order, bumps the version too, so the order and the `next` link are covered.
   */
  fingerprint: string;
}

export type UpsertOutcome = { change: "created" | "updated"; id: string; version: number } | { change: "unchanged" };

/** undefined: unconditional; otherwise the product's current version must be one of these (If-Match). */
export type VersionCondition = number[] | undefined;

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

/** The If-Match condition did not hold: the product changed since the client read it. */
export class VersionMismatchError extends Error {
  constructor(readonly currentVersion: number) {
    super("the product has changed since it was read: fetch it again and retry with its current ETag");
  }
}

/** A stock adjustment would take the stock below zero. */
export class InsufficientStockError extends Error {
  constructor() {
    super("the stock adjustment would take the stock below zero");
  }
}

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";
const CHECK_VIOLATION = "23514";

function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

function versionParam(condition: VersionCondition): string[] | null {
  return condition === undefined ? null : condition.map(String);
}

function fingerprint(rows: ProductRow[]): string {
  const hash = createHash("sha256");
  for (const row of rows) hash.update(`${row.id}:${String(row.version)};`);
  return hash.digest("base64url").slice(0, 27);
}

/**
 * Every write also records a product event in the outbox, in the same transaction (search indexers follow it).
 *
 * Which database each method uses is chosen here, per method: catalogue reads (`list`, `get`) go to the reader, the
 * region's replica, and may lag the primary by its replication delay (the product cache's versions keep a lagging read
 * from being cached over a newer write). Every write goes to the writer, and so do the reads a write depends on (the
 * If-Match version check happens in the writing statement itself, on the primary).
 */
export class ProductRepository {
  /** `reader`: the region's replica; default the writer (one database). */
  constructor(
    private readonly db: Db,
    private readonly reader: ReadDb = db,
  ) {}

  /** A page of the catalogue in name order (ties by id), after `after` (keyset pagination on products_name_id_idx). Reader. */
  async list(limit: number, after: ProductPosition | undefined): Promise<ProductPage> {
    // One extra row tells whether another page exists without a count(*).
    const result = after
      ? await this.reader.query<ProductRow>(
          `SELECT ${PRODUCT_COLUMNS} FROM products WHERE (name, id) > ($1, $2::uuid) ORDER BY name, id LIMIT $3`,
          [after.name, after.id, limit + 1],
        )
      : await this.reader.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY name, id LIMIT $1`, [limit + 1]);
    const items = result.rows.slice(0, limit).map(toProduct);
    const last = items[items.length - 1];
    return {
      items,
      next: result.rows.length > limit && last ? { name: last.name, id: last.id } : undefined,
      fingerprint: fingerprint(result.rows),
    };
  }

  /** Reader. */
  async get(id: string): Promise<VersionedProduct | undefined> {
    const result = await this.reader.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row ? toVersionedProduct(row) : undefined;
  }

  async create(input: ProductInput): Promise<VersionedProduct> {
    try {
      return await this.db.transaction(async (tx) => {
        const result = await tx.query<ProductRow>(
          `INSERT INTO products (sku, name, description, price_cents, stock) VALUES ($1, $2, $3, $4, $5)
           RETURNING ${PRODUCT_COLUMNS}`,
          [input.sku, input.name, input.description, input.priceCents, input.stock],
        );
        return this.recordChange(tx, "product.created", result.rows[0] as ProductRow);
      });
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION) throw new DuplicateSkuError(input.sku);
      throw error;
    }
  }

  /** PUT: every field, stock included, replaced. */
  async replace(id: string, input: ProductInput, condition: VersionCondition): Promise<VersionedProduct | undefined> {
    return this.conditionalUpdate(
      id,
      condition,
      input.sku,
      `sku = $3, name = $4, description = $5, price_cents = $6, stock = $7`,
      [input.sku, input.name, input.description, input.priceCents, input.stock],
    );
  }

  /** PATCH: the given fields; stock set, or adjusted by a delta relative to whatever it is at commit. */
  async patch(id: string, patch: ProductPatch, condition: VersionCondition): Promise<VersionedProduct | undefined> {
    return this.conditionalUpdate(
      id,
      condition,
      patch.sku ?? "",
      `sku = coalesce($3, sku), name = coalesce($4, name), description = coalesce($5, description),
       price_cents = coalesce($6, price_cents), stock = coalesce($7::integer, stock + coalesce($8::integer, 0))`,
      [patch.sku ?? null, patch.name ?? null, patch.description ?? null, patch.priceCents ?? null, patch.stock ?? null, patch.stockDelta ?? null],
    );
  }

  /** Returns the deleted product's last version, undefined when there was none. */
  async delete(id: string, condition: VersionCondition): Promise<number | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        // The deletion's time versions it in the search index, so it must not precede the row's last update.
        const result = await tx.query<{ id: string; deleted_at: Date | string; version: ProductRow["version"] }>(
          `DELETE FROM products WHERE id = $1 AND ($2::bigint[] IS NULL OR version = ANY($2::bigint[]))
           RETURNING id, greatest(clock_timestamp(), updated_at) AS deleted_at, version`,
          [id, versionParam(condition)],
        );
        const row = result.rows[0];
        if (!row) return this.missingOrMismatched(tx, id);
        const deletedAt = new Date(row.deleted_at).toISOString();
        // `version`: the last one; caches of other regions supersede it (version + 1) as the API does here.
        await appendEvent(tx, { topic: PRODUCTS_TOPIC, key: id, type: "product.deleted", payload: { productId: id, deletedAt, version: Number(row.version) } });
        return Number(row.version);
      });
    } catch (error) {
      if (pgCode(error) === FOREIGN_KEY_VIOLATION) throw new ProductInUseError();
      throw error;
    }
  }

  /**
   * Inserts or updates by sku and reports whether anything changed; an unchanged row is not
   * touched and emits no event, which makes repeated imports of the same feed a no-op.
   *
   * Stock: a new product gets the feed's stock. An existing one gets the feed's change since the last
   * import (feed_stock) added to its current stock, never below zero, so units sold in between stay
   * sold; a product the feed has not given stock before (created in the API) keeps its stock and the
   * feed's figure becomes the baseline.
   */
  async upsertBySku(input: ProductInput): Promise<UpsertOutcome> {
    return this.db.transaction(async (tx) => {
      // The first figure the feed gives for a product it did not create is only a baseline: recording it
      // changes nothing anyone sees (no version, no event), so it must not count as an update.
      await tx.query("UPDATE products SET feed_stock = $2 WHERE sku = $1 AND feed_stock IS NULL", [input.sku, input.stock]);
      const result = await tx.query<ProductRow & { inserted: boolean }>(
        `INSERT INTO products (sku, name, description, price_cents, stock, feed_stock) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
           price_cents = EXCLUDED.price_cents,
           stock = greatest(0, products.stock + EXCLUDED.stock - products.feed_stock),
           feed_stock = EXCLUDED.stock, updated_at = now(), version = products.version + 1
         WHERE (products.name, products.description, products.price_cents, products.feed_stock)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.price_cents, EXCLUDED.stock)
         RETURNING ${PRODUCT_COLUMNS}, (xmax = 0) AS inserted`,
        [input.sku, input.name, input.description, input.priceCents, input.stock],
      );
      const row = result.rows[0];
      if (!row) return { change: "unchanged" };
      const change = row.inserted ? "created" : "updated";
      await this.recordChange(tx, `product.${change}`, row);
      return { change, id: row.id, version: Number(row.version) };
    });
  }

  /** `assignments` use $3…; $1 is the id, $2 the version condition. */
  private async conditionalUpdate(
    id: string,
    condition: VersionCondition,
    sku: string,
    assignments: string,
    values: Array<string | number | null>,
  ): Promise<VersionedProduct | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        const result = await tx.query<ProductRow>(
          `UPDATE products SET ${assignments}, updated_at = now(), version = version + 1
           WHERE id = $1 AND ($2::bigint[] IS NULL OR version = ANY($2::bigint[]))
           RETURNING ${PRODUCT_COLUMNS}`,
          [id, versionParam(condition), ...values],
        );
        const row = result.rows[0];
        return row ? this.recordChange(tx, "product.updated", row) : this.missingOrMismatched(tx, id);
      });
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION) throw new DuplicateSkuError(sku);
      if (pgCode(error) === CHECK_VIOLATION) throw new InsufficientStockError();
      throw error;
    }
  }

  /** After a conditional write touched no row: undefined when the product does not exist, else a mismatch. */
  private async missingOrMismatched(tx: Queryable, id: string): Promise<undefined> {
    const current = await tx.query<{ version: ProductRow["version"] }>("SELECT version FROM products WHERE id = $1", [id]);
    const row = current.rows[0];
    if (row) throw new VersionMismatchError(Number(row.version));
    return undefined;
  }

  private async recordChange(tx: Queryable, type: string, row: ProductRow): Promise<VersionedProduct> {
    const versioned = toVersionedProduct(row);
    await appendEvent(tx, { topic: PRODUCTS_TOPIC, key: versioned.product.id, type, payload: { product: versioned.product, version: versioned.version } });
    return versioned;
  }
}
