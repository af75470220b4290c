export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

/** A product with its version (bumped by every change, stock included): the source of its ETag. */
export interface VersionedProduct {
  product: Product;
  version: number;
}

export interface ProductInput {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
}

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  stock: number;
  created_at: Date | string;
  updated_at: Date | string;
  /** bigint: a string from pg, a number or bigint from PGlite. */
  version: string | number | bigint;
}

/** A partial change (PATCH): the fields given, and stock either as a new value or as a delta. */
export interface ProductPatch {
  sku?: string;
  name?: string;
  description?: string;
  priceCents?: number;
  stock?: number;
  stockDelta?: number;
}

export const PRODUCT_COLUMNS = "id, sku, name, description, price_cents, stock, created_at, updated_at, version";

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    stock: row.stock,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function toVersionedProduct(row: ProductRow): VersionedProduct {
  return { product: toProduct(row), version: Number(row.version) };
}
