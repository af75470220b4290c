import type { Db, Queryable } from "../db/db";

/**
 * Consumer-side deduplication. The relay delivers at least once, so a consumer can see an event id
 * twice; running its side effect through `processOnce` makes the effect happen once.
 *
 * The id is recorded in the same transaction as the consumer's own writes: if the handler fails,
 * neither the effect nor the "processed" mark commits, and the redelivery tries again.
 */
export async function processOnce<T>(
  db: Db,
  consumer: string,
  eventId: string,
  handler: (tx: Queryable) => Promise<T>,
): Promise<{ processed: true; result: T } | { processed: false }> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id",
      [consumer, eventId],
    );
    if (claimed.rows.length === 0) return { processed: false as const };
    return { processed: true as const, result: await handler(tx) };
  });
}

/**
 * For consumers without a database (or side effects outside it): remembers the last `capacity` ids
 * seen. Suitable when redeliveries arrive close together, as they do after a relay retry.
 */
export class RecentEventIds {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** Returns true the first time an id is offered, false for every repeat. */
  firstSighting(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
