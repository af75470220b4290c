import { Gauge, type Registry } from "prom-client";
import type { Queryable } from "../db/db";

/**
 * Backlog gauges, read from the outbox at scrape time (indexed partial scans over pending and dead rows only):
 * the age of the oldest unpublished row says the relay is stuck long before a consumer notices, whatever the cause
 * (Kafka down, ACLs, a relay crash loop); dead rows need an operator.
 */
export function registerOutboxGauges(registry: Registry, db: Queryable): void {
  // A failed read (database down) leaves the gauges as they were rather than failing the whole scrape.
  const read = async () => {
    const result = await db.query<{ oldest_age_seconds: number | null; dead: number }>(
      `SELECT (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE published_at IS NULL AND dead_at IS NULL) AS oldest_age_seconds,
              (SELECT count(*)::int FROM outbox WHERE dead_at IS NOT NULL) AS dead`,
    );
    return result.rows[0];
  };
  const safeRead = () => read().catch(() => undefined);
  let pending: ReturnType<typeof safeRead> | undefined;
  // Both gauges are collected in one scrape: one query serves them.
  const once = () => (pending ??= safeRead().finally(() => setImmediate(() => (pending = undefined))));

  new Gauge({
    name: "outbox_oldest_unpublished_age_seconds",
    help: "Age of the oldest outbox event not yet published (0 when none is pending)",
    registers: [registry],
    async collect() {
      const row = await once();
      if (row) this.set(Number(row.oldest_age_seconds ?? 0));
    },
  });
  new Gauge({
    name: "outbox_dead_events",
    help: "Outbox events set aside after repeated failures, waiting for an operator",
    registers: [registry],
    async collect() {
      const row = await once();
      if (row) this.set(Number(row.dead));
    },
  });
}
