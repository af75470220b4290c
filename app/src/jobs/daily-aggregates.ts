import type { Db } from "../db/db";

export interface TopProduct {
  productId: string;
  sku: string;
  units: number;
  revenueCents: number;
}

export interface DailyAggregate {
  day: string;
  orders: number;
  revenueCents: number;
  topProducts: TopProduct[];
}

const TOP_PRODUCTS = 5;

// Days are UTC days: the same order always lands in the same partition whatever the pod's timezone.
const DAY_RANGE = "o.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND o.created_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'";

// Only orders paid and kept are sales: declined (payment_failed), not yet paid (pending_payment) and cancelled orders
// (cancellation refunds the payment) took no money.
const SOLD = "o.status = 'placed'";

/** Computes one day's figures and stores them (replacing an earlier run for that day: reruns are safe). */
export async function computeDailyAggregate(db: Db, day: string): Promise<DailyAggregate> {
  const totals = await db.query<{ orders: number; revenue: number | string }>(
    `SELECT count(*)::int AS orders, coalesce(sum(o.total_cents), 0)::bigint AS revenue FROM orders o WHERE ${DAY_RANGE} AND ${SOLD}`,
    [day],
  );
  const top = await db.query<{ product_id: string; sku: string; units: number | string; revenue: number | string }>(
    `SELECT i.product_id, i.sku, sum(i.quantity)::bigint AS units, sum(i.quantity * i.unit_price_cents)::bigint AS revenue
       FROM order_items i JOIN orders o ON o.id = i.order_id
      WHERE ${DAY_RANGE} AND ${SOLD}
      GROUP BY i.product_id, i.sku
      ORDER BY units DESC, revenue DESC, i.sku
      LIMIT ${TOP_PRODUCTS}`,
    [day],
  );
  const aggregate: DailyAggregate = {
    day,
    orders: totals.rows[0]?.orders ?? 0,
    revenueCents: Number(totals.rows[0]?.revenue ?? 0),
    topProducts: top.rows.map((row) => ({
      productId: row.product_id,
      sku: row.sku,
      units: Number(row.units),
      revenueCents: Number(row.revenue),
    })),
  };
  await db.query(
    `INSERT INTO daily_aggregates (day, orders, revenue_cents, top_products) VALUES ($1, $2, $3, $4)
     ON CONFLICT (day) DO UPDATE SET orders = EXCLUDED.orders, revenue_cents = EXCLUDED.revenue_cents,
       top_products = EXCLUDED.top_products, computed_at = now()`,
    [day, aggregate.orders, aggregate.revenueCents, JSON.stringify(aggregate.topProducts)],
  );
  return aggregate;
}

/** The UTC calendar day before `now`, as YYYY-MM-DD: the last complete day. */
export function previousUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)).toISOString().slice(0, 10);
}
