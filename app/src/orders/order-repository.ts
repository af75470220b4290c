import { randomUUID } from "node:crypto";
import type { ReadDb } from "../db/database-roles";
import type { Db, Queryable } from "../db/db";
import { problem } from "../http/http-error";
import { appendEvent } from "../outbox/outbox-writer";
import { ORDERS_TOPIC } from "../outbox/topics";
import type { PaymentProvider } from "../payments/payment-provider";
import {
  authoriseWith,
  recordAuthorisation,
  recordRefund,
  recordUnpaidCancellation,
  refundAtProvider,
  voidAtProvider,
  type Customer,
  type StockChange,
} from "../payments/payment-step";
import { TestPaymentProvider } from "../payments/test-payment-provider";
import type { Order, OrderItem, OrderLine, OrderPayment, OrderStatus } from "./order";
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
  status: OrderStatus;
  total_cents: number | string;
  created_at: Date | string;
  contact_email: string | null;
  payment_status: OrderPayment["status"] | null;
  failure_reason: string | null;
  authorisation_id: string | null;
}

/** How a placement pays: the provider's token and the address to notify (the token's verified email claim). */
export interface PlaceOptions {
  paymentToken?: string;
  email?: string;
}

const ORDER_COLUMNS =
  "o.id, o.user_id, o.request_hash, o.status, o.total_cents, o.created_at, o.contact_email, p.status AS payment_status, p.failure_reason, p.authorisation_id";
const ORDER_FROM = "orders o LEFT JOIN payments p ON p.order_id = o.id";

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

export type { StockChange };

/** A cancel whose order changed between the provider call and the locked re-check starts over, this many times at most. */
const MAX_CANCEL_ROUNDS = 3;
const CHANGED = Symbol("changed");

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
    private readonly payments: PaymentProvider = new TestPaymentProvider(),
  ) {}

  /**
   * Places an order exactly once per (user, Idempotency-Key). The order, its lines, the stock
   * reservation and the order.placed outbox event commit together or not at all; then the payment is authorised
   * (outside any transaction: no product row stays locked while the provider answers) and settled in a second
   * transaction with its payments event. A crash or provider outage between the two leaves the order
   * pending_payment with its stock reserved; the client's retry with the same Idempotency-Key resumes the payment,
   * and the provider's idempotency on the order id means it is never charged twice.
   */
  async place(userId: string, idempotencyKey: string, lines: OrderLine[], options: PlaceOptions = {}): Promise<PlacedOrder> {
    const requestHash = fingerprintOrderRequest(lines);
    const changes: StockChange[] = [];
    const placed = await this.db.transaction(async (tx): Promise<PlacedOrder & { contactEmail: string | null }> => {
      const orderId = randomUUID();
      // A concurrent request with the same key blocks here until the first commits, then sees its row.
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO orders (id, user_id, idempotency_key, request_hash, status, total_cents, contact_email)
         VALUES ($1, $2, $3, $4, 'pending_payment', 0, $5)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
        [orderId, userId, idempotencyKey, requestHash, options.email ?? null],
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
        status: "pending_payment",
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
      return { order, replayed: false, contactEmail: options.email ?? null };
    });
    if (changes.length > 0) await this.stockChanged(changes);
    // A replay answers as the first request did: a declined payment stays declined (a new attempt needs a new key).
    if (placed.order.status === "payment_failed") throw declined(placed.order);
    if (placed.order.status !== "pending_payment") return { order: placed.order, replayed: placed.replayed };
    const customer = { userId, email: placed.contactEmail };
    return { order: await this.settlePayment(placed.order, customer, options.paymentToken), replayed: placed.replayed };
  }

  /** Authorises a pending order and records the outcome; the order as it stands afterwards. */
  private async settlePayment(order: Order, customer: Customer, paymentToken: string | undefined): Promise<Order> {
    const outcome = await authoriseWith(this.payments, order, paymentToken);
    const released: StockChange[] = [];
    const recorded = await this.db.transaction((tx) => recordAuthorisation(tx, this.payments.name, order, customer, outcome, released));
    if (released.length > 0) await this.stockChanged(released);
    const settled = (await this.load(this.db, order.id, customer.userId)) ?? order;
    // Cancelled while the provider was still answering: the cancel voided first, and an authorisation that went
    // through after that void must not stand. The void is idempotent on the order id.
    if (!recorded && outcome.status === "authorised" && settled.status === "cancelled" && !settled.payment) await voidAtProvider(this.payments, order);
    if (settled.status === "payment_failed") throw declined(settled);
    return settled;
  }

  /**
   * Cancels the customer's order, paid (`placed`: refunded) or not settled (`pending_payment`, e.g. after a provider
   * time-out: voided), gives the stock back and writes the events once. Cancelling a cancelled order returns it
   * unchanged. The provider is called outside any transaction, as for the authorisation: no row stays locked and no
   * writer deadline runs while it answers. Then, with the row locked, the order must still be as it was when the
   * provider was asked; a concurrent cancel that got there first is returned as it left the order, and any other
   * change (a concurrent payment settled it) starts over from the new state. Refund and void are idempotent on the
   * order id, so asking again never refunds twice.
   */
  async cancel(orderId: string, userId: string): Promise<Order | undefined> {
    for (let round = 1; round <= MAX_CANCEL_ROUNDS; round += 1) {
      const seen = await this.loadRow(this.db, orderId, userId);
      if (!seen) return undefined;
      if (seen.order.status === "cancelled") return seen.order;
      const record = await this.cancelAtProvider(seen.order, seen.row);
      const changes: StockChange[] = [];
      const outcome = await this.db.transaction(async (tx) => {
        const locked = await tx.query<{ status: OrderStatus }>("SELECT status FROM orders WHERE id = $1 AND user_id = $2 FOR UPDATE", [orderId, userId]);
        const status = locked.rows[0]?.status;
        if (status === "cancelled") return this.load(tx, orderId, userId);
        if (status !== seen.order.status) return CHANGED;
        await record(tx, changes);
        return this.load(tx, orderId, userId);
      });
      if (changes.length > 0) await this.stockChanged(changes);
      if (outcome !== CHANGED) return outcome;
    }
    throw problem("payment-unavailable", "the order kept changing while it was being cancelled; retry");
  }

  /** Refunds or voids at the provider; what to record, with the order row locked and unchanged, afterwards. */
  private async cancelAtProvider(order: Order, row: OrderRow): Promise<(tx: Queryable, changes: StockChange[]) => Promise<void>> {
    const customer = { userId: row.user_id, email: row.contact_email };
    if (order.status === "placed" && row.authorisation_id) {
      const refundId = await refundAtProvider(this.payments, order, row.authorisation_id);
      return (tx, changes) => recordRefund(tx, this.payments.name, order, customer, refundId, changes);
    }
    if (order.status === "pending_payment") {
      await voidAtProvider(this.payments, order);
      return (tx, changes) => recordUnpaidCancellation(tx, order, customer, changes);
    }
    throw problem("order-not-cancellable", `order ${order.id} is ${order.status}: only a paid or unsettled order can be cancelled`);
  }

  /** Writer: read-your-own-writes. */
  async findOwned(orderId: string, userId: string): Promise<Order | undefined> {
    return this.load(this.ownReads, orderId, userId);
  }

  /** The customer's orders, newest first (ties by id), one page at a time. Writer: read-your-own-writes. */
  async listOwned(userId: string, limit: number, after: OrderPosition | undefined): Promise<OrderPage> {
    const columns = `${ORDER_COLUMNS}, (extract(epoch FROM o.created_at) * 1000000)::bigint AS created_micros`;
    // One extra row tells whether another page exists. The microsecond key is exact (a JS Date keeps milliseconds only).
    const result = after
      ? await this.ownReads.query<OrderRow & { created_micros: number }>(
          `SELECT ${columns} FROM ${ORDER_FROM}
            WHERE o.user_id = $1 AND (o.created_at, o.id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)
            ORDER BY o.created_at DESC, o.id DESC LIMIT $4`,
          [userId, after.createdMicros, after.id, limit + 1],
        )
      : await this.ownReads.query<OrderRow & { created_micros: number }>(
          `SELECT ${columns} FROM ${ORDER_FROM} WHERE o.user_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
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

  private async replay(tx: Queryable, userId: string, idempotencyKey: string, requestHash: string): Promise<PlacedOrder & { contactEmail: string | null }> {
    const existing = await tx.query<OrderRow>(
      "SELECT id, request_hash, contact_email FROM orders WHERE user_id = $1 AND idempotency_key = $2",
      [userId, idempotencyKey],
    );
    const row = existing.rows[0];
    if (!row) throw problem("idempotency-key-in-progress", "a request with this Idempotency-Key is still in progress; retry");
    if (row.request_hash !== requestHash) {
      throw problem("idempotency-key-reused", "Idempotency-Key was already used with a different request body");
    }
    const order = await this.load(tx, row.id, userId);
    if (!order) throw problem("idempotency-key-in-progress", "a request with this Idempotency-Key is still in progress; retry");
    return { order, replayed: true, contactEmail: row.contact_email };
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
    return (await this.loadRow(session, orderId, userId))?.order;
  }

  private async loadRow(session: ReadDb, orderId: string, userId: string): Promise<{ order: Order; row: OrderRow } | undefined> {
    const orders = await session.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ${ORDER_FROM} WHERE o.id = $1 AND o.user_id = $2`,
      [orderId, userId],
    );
    const row = orders.rows[0];
    if (!row) return undefined;
    return { order: toOrder(row, (await this.itemsOf(session, [row.id])).get(row.id) ?? []), row };
  }
}

function declined(order: Order) {
  return problem("payment-declined", `payment for order ${order.id} was declined: ${order.payment?.reason ?? "no reason given"}`);
}

function toOrder(row: OrderRow, items: OrderItem[]): Order {
  return {
    id: row.id,
    status: row.status,
    ...(row.payment_status ? { payment: { status: row.payment_status, ...(row.failure_reason ? { reason: row.failure_reason } : {}) } } : {}),
    totalCents: Number(row.total_cents),
    items,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
