import type { Queryable } from "../db/db";
import { problem } from "../http/http-error";
import type { Order } from "../orders/order";
import { appendEvent } from "../outbox/outbox-writer";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../outbox/topics";
import type { AuthorisationOutcome, PaymentProvider } from "./payment-provider";

/** Prices in the catalogue carry no currency; the shop sells in one. */
export const ORDER_CURRENCY = "USD";

/** Who gets told about an order: the owner (token subject) and the address the token carried, if any. */
export interface Customer {
  userId: string;
  email: string | null;
}

/** A product whose stock changed, at its new version. */
export interface StockChange {
  id: string;
  version: number;
}

/**
 * A provider call that failed, as the client's 503 with a fixed reason: the provider's own error text (hosts, account
 * ids, internals) never reaches the client; it stays on the error as its cause, for the log.
 */
function providerUnavailable(reason: string, cause: unknown) {
  return Object.assign(problem("payment-unavailable", reason), { cause });
}

/** Asks the provider; a provider that cannot be reached is the client's 503 (a retry with the same key resumes). */
export async function authoriseWith(provider: PaymentProvider, order: Order, paymentToken: string | undefined): Promise<AuthorisationOutcome> {
  try {
    return await provider.authorise({ orderId: order.id, amountCents: order.totalCents, currency: ORDER_CURRENCY, paymentToken: paymentToken ?? "" });
  } catch (error) {
    throw providerUnavailable("the payment provider did not answer; retry with the same Idempotency-Key", error);
  }
}

/** Refunds a paid order at the provider (idempotent on the order id). Called outside any transaction. */
export async function refundAtProvider(provider: PaymentProvider, order: Order, authorisationId: string): Promise<string> {
  try {
    return (await provider.refund({ orderId: order.id, authorisationId, amountCents: order.totalCents })).refundId;
  } catch (error) {
    throw providerUnavailable("the refund did not go through; retry", error);
  }
}

/** Voids whatever the provider holds for an unsettled order (idempotent on the order id). Outside any transaction. */
export async function voidAtProvider(provider: PaymentProvider, order: Order): Promise<void> {
  try {
    await provider.voidAuthorisation({ orderId: order.id, amountCents: order.totalCents });
  } catch (error) {
    throw providerUnavailable("the payment could not be voided; retry", error);
  }
}

/**
 * Settles a pending order with the provider's answer, in the caller's transaction: the order's status, its payment row,
 * the released stock (when declined) and the payments/orders events commit together. Returns false when the order
 * was no longer pending (a concurrent retry settled it first): nothing is written.
 */
export async function recordAuthorisation(
  tx: Queryable,
  provider: string,
  order: Order,
  customer: Customer,
  outcome: AuthorisationOutcome,
  changes: StockChange[],
): Promise<boolean> {
  const authorised = outcome.status === "authorised";
  const moved = await tx.query("UPDATE orders SET status = $2 WHERE id = $1 AND status = 'pending_payment' RETURNING id", [
    order.id,
    authorised ? "placed" : "payment_failed",
  ]);
  if (moved.rows.length === 0) return false;
  const payment = { orderId: order.id, amountCents: order.totalCents, currency: ORDER_CURRENCY, provider, customer };
  if (outcome.status === "authorised") {
    await tx.query(
      "INSERT INTO payments (order_id, provider, status, amount_cents, currency, authorisation_id) VALUES ($1, $2, 'authorised', $3, $4, $5)",
      [order.id, provider, order.totalCents, ORDER_CURRENCY, outcome.authorisationId],
    );
    await appendEvent(tx, { topic: PAYMENTS_TOPIC, key: order.id, type: "payment.authorised", payload: { ...payment, authorisationId: outcome.authorisationId } });
    const confirmed: Order = { ...order, status: "placed", payment: { status: "authorised" } };
    await appendEvent(tx, { topic: ORDERS_TOPIC, key: order.id, type: "order.confirmed", payload: { order: { ...confirmed, userId: customer.userId }, customer } });
  } else {
    await tx.query(
      "INSERT INTO payments (order_id, provider, status, amount_cents, currency, failure_reason) VALUES ($1, $2, 'failed', $3, $4, $5)",
      [order.id, provider, order.totalCents, ORDER_CURRENCY, outcome.reason],
    );
    await releaseStock(tx, order, changes);
    await appendEvent(tx, { topic: PAYMENTS_TOPIC, key: order.id, type: "payment.failed", payload: { ...payment, reason: outcome.reason } });
  }
  return true;
}

/**
 * Records a refund the provider made (refundAtProvider) for a paid order whose row the caller locked and found still
 * `placed`: the order becomes cancelled, the payment refunded, the stock is released, and payment.refunded and
 * order.cancelled are written, all in the caller's transaction.
 */
export async function recordRefund(
  tx: Queryable,
  provider: string,
  order: Order,
  customer: Customer,
  refundId: string,
  changes: StockChange[],
): Promise<void> {
  await tx.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [order.id]);
  await tx.query("UPDATE payments SET status = 'refunded', refund_id = $2, updated_at = now() WHERE order_id = $1", [order.id, refundId]);
  await releaseStock(tx, order, changes);
  const payment = { orderId: order.id, amountCents: order.totalCents, currency: ORDER_CURRENCY, provider, customer };
  await appendEvent(tx, { topic: PAYMENTS_TOPIC, key: order.id, type: "payment.refunded", payload: { ...payment, refundId } });
  await appendEvent(tx, { topic: ORDERS_TOPIC, key: order.id, type: "order.cancelled", payload: { orderId: order.id, customer } });
}

/**
 * Records the cancellation of an order whose payment never settled (voided at the provider by voidAtProvider), its
 * row locked by the caller and found still `pending_payment`: the order becomes cancelled, the stock is released and
 * order.cancelled is written. No payment was taken, so there is no payment row and no payments event.
 */
export async function recordUnpaidCancellation(tx: Queryable, order: Order, customer: Customer, changes: StockChange[]): Promise<void> {
  await tx.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [order.id]);
  await releaseStock(tx, order, changes);
  await appendEvent(tx, { topic: ORDERS_TOPIC, key: order.id, type: "order.cancelled", payload: { orderId: order.id, customer } });
}

/** Gives an order's stock back, product rows in id order (the order in which orders lock them: no deadlock). */
async function releaseStock(tx: Queryable, order: Order, changes: StockChange[]): Promise<void> {
  for (const item of [...order.items].sort((a, b) => a.productId.localeCompare(b.productId))) {
    const released = await tx.query<{ version: string | number }>(
      "UPDATE products SET stock = stock + $2, version = version + 1 WHERE id = $1 RETURNING version",
      [item.productId, item.quantity],
    );
    const row = released.rows[0];
    if (row) changes.push({ id: item.productId, version: Number(row.version) });
  }
}
