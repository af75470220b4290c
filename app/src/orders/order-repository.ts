import { randomUUID } from "node:crypto";
import type { ReadDb } from "../db/database-roles";
import type { Db, Queryable } from "../db/db";
import { problem } from "../http/http-error";
import { appendEvent } from "../outbox/outbox-writer";
import { ORDERS_TOPIC } from "../outbox/topics";
import type { Order, OrderItem, OrderLine } from "./order";
import { fingerprintOrderRequest } from "./request-fingerprint";

export interface PlacedOrder {
  order: Order;
  /** True when the Idempotency-Key had been seen: the stored order is returned, nothing new is written. */
  replayed: boolean;
}

interface OrderRow {
  id: string;
  user_id: string;
  request_hash: string;
  status: "placed";
  total_cents: number | string;
  created_at: Date | string;
}

interface ItemRow {
  product_id: string;
  sku: string;
  quantity: number;
  unit_price_cents: number;
}

/** Position in a customer's order history, newest first: created_at in microseconds (exact), then id. */
export interface OrderPosition {
  createdMicros: number;
  id: string;
}

export interface OrderPage {
  items: Order[];
  /** Where the next page starts, when there is one. */
  next: OrderPosition | undefined;
}

/** A product whose stock an order changed, at its new version. */
export interface StockChange {
  id: string;
  version: number;
}

/**
 * Every method uses the writer, reads included: a customer's orders are read-your-own-writes (the order just placed
 * must be there at once, whatever the replica's lag). Reads go through `ownReads`: the writer, or the replica only
 * while the writer cannot be reached (its copy may lack the last orders before the outage; better than a 503).
 */
export class OrderRepository {
  /**
   * `stockChanged` runs after an order's transaction has committed (cached products must not show the old stock).
   * `ownReads`: default the writer itself (one database).
   */
  constructor(
    private readonly db: Db,
    private readonly stockChanged: (changes: StockChange[]) => Promise<void> = async () => undefined,
    private readonly ownReads: ReadDb = db,
  ) {}

  /**
   * Places an order exactly once per (user, Idempotency-Key). The order, its lines, the stock
   * reservation and the order.placed outbox event commit together or not at all.
   */
  async place(userId: string, idempotencyKey: string, lines: OrderLine[]): Promise<PlacedOrder> {
    const requestHash = fingerprintOrderRequest(lines);
    const changes: StockChange[] = [];
    const placed = await this.db.transaction(async (tx) => {
      const orderId = randomUUID();
      // A concurrent request with the same key blocks here until the first commits, then sees its row.
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO orders (id, user_id, idempotency_key, request_hash, status, total_cents)
         VALUES ($1, $2, $3, $4, 'placed', 0)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
        [orderId, userId, idempotencyKey, requestHash],
      );
      if (inserted.rows.length === 0) return this.replay(tx, userId, idempotencyKey, requestHash);

      const items = await this.reserveStock(tx, lines, changes);
      const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
      for (const item of items) {
        await tx.query(
          "INSERT INTO order_items (order_id, product_id, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4, $5)",
          [orderId, item.productId, item.sku, item.quantity, item.unitPriceCents],
        );
      }
      const updated = await tx.query<{ created_at: Date | string }>(
        "UPDATE orders SET total_cents = $2 WHERE id = $1 RETURNING created_at",
        [orderId, totalCents],
      );
      const order: Order = {
        id: orderId,
        status: "placed",
        totalCents,
        items,
        createdAt: new Date(updated.rows[0]?.created_at ?? Date.now()).toISOString(),
      };
      await appendEvent(tx, {
        topic: ORDERS_TOPIC,
        key: orderId,
        type: "order.placed",
        payload: { order: { ...order, userId } },
      });
      return { order, replayed: false };
    });
    if (changes.length > 0) await this.stockChanged(changes);
    return placed;
  }

  /** Writer: read-your-own-writes. */
  async findOwned(orderId: string, userId: string): Promise<Order | undefined> {
    return this.load(this.ownReads, orderId, userId);
  }

  /** The customer's orders, newest first (ties by id), one page at a time. Writer: read-your-own-writes. */
  async listOwned(userId: string, limit: number, after: OrderPosition | undefined): Promise<OrderPage> {
    const columns = "id, user_id, request_hash, status, total_cents, created_at, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros";
    // One extra row tells whether another page exists. The microsecond key is exact (a JS Date keeps milliseconds only).
    const result = after
      ? await this.ownReads.query<OrderRow & { created_micros: number }>(
          `SELECT ${columns} FROM orders
            WHERE user_id = $1 AND (created_at, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)
            ORDER BY created_at DESC, id DESC LIMIT $4`,
          [userId, after.createdMicros, after.id, limit + 1],
        )
      : await this.ownReads.query<OrderRow & { created_micros: number }>(
          `SELECT ${columns} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
          [userId, limit + 1],
        );
    const rows = result.rows.slice(0, limit);
    const items = await this.itemsOf(this.ownReads, rows.map((row) => row.id));
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => toOrder(row, items.get(row.id) ?? [])),
      next: result.rows.length > limit && last ? { createdMicros: Number(last.created_micros), id: last.id } : undefined,
    };
  }

  private async itemsOf(session: ReadDb, orderIds: string[]): Promise<Map<string, OrderItem[]>> {
    const byOrder = new Map<string, OrderItem[]>();
    if (orderIds.length === 0) return byOrder;
    const items = await session.query<ItemRow & { order_id: string }>(
      "SELECT order_id, product_id, sku, quantity, unit_price_cents FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, product_id",
      [orderIds],
    );
    for (const item of items.rows) {
      byOrder.set(item.order_id, [
        ...(byOrder.get(item.order_id) ?? []),
        { productId: item.product_id, sku: item.sku, quantity: item.quantity, unitPriceCents: item.unit_price_cents },
      ]);
    }
    return byOrder;
  }

  private async replay(tx: Queryable, userId: string, idempotencyKey: string, requestHash: string): Promise<PlacedOrder> {
    const existing = await tx.query<OrderRow>(
      "SELECT id, user_id, request_hash, status, total_cents, created_at FROM orders WHERE user_id = $1 AND idempotency_key = $2",
      [userId, idempotencyKey],
    );
    const row = existing.rows[0];
    if (!row) throw problem("idempotency-key-in-progress", "a request with this Idempotency-Key is still in progress; retry");
    if (row.request_hash !== requestHash) {
      throw problem("idempotency-key-reused", "Idempotency-Key was already used with a different request body");
    }
    const order = await this.load(tx, row.id, userId);
    if (!order) throw problem("idempotency-key-in-progress", "a request with this Idempotency-Key is still in progress; retry");
    return { order, replayed: true };
  }

  /** Locks product rows in id order (so concurrent orders cannot deadlock) and takes the stock. */
  private async reserveStock(tx: Queryable, lines: OrderLine[], changes: StockChange[]): Promise<OrderItem[]> {
    const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
    const items: OrderItem[] = [];
    for (const line of sorted) {
      const reserved = await tx.query<{ sku: string; price_cents: number; version: string | number | bigint }>(
        "UPDATE products SET stock = stock - $2, version = version + 1 WHERE id = $1 AND stock >= $2 RETURNING sku, price_cents, version",
        [line.productId, line.quantity],
      );
      const row = reserved.rows[0];
      if (!row) {
        const exists = await tx.query("SELECT 1 FROM products WHERE id = $1", [line.productId]);
        throw exists.rows.length === 0
          ? problem("unknown-product", `product ${line.productId} does not exist`)
          : problem("out-of-stock", `not enough stock for product ${line.productId}`);
      }
      items.push({ productId: line.productId, sku: row.sku, quantity: line.quantity, unitPriceCents: row.price_cents });
      changes.push({ id: line.productId, version: Number(row.version) });
    }
    return items;
  }

  private async load(session: ReadDb, orderId: string, userId: string): Promise<Order | undefined> {
    const orders = await session.query<OrderRow>(
      "SELECT id, user_id, request_hash, status, total_cents, created_at FROM orders WHERE id = $1 AND user_id = $2",
      [orderId, userId],
    );
    const row = orders.rows[0];
    if (!row) return undefined;
    return toOrder(row, (await this.itemsOf(session, [row.id])).get(row.id) ?? []);
  }
}

function toOrder(row: OrderRow, items: OrderItem[]): Order {
  return {
    id: row.id,
    status: row.status,
    totalCents: Number(row.total_cents),
    items,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
