import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/db";
import { currentTraceparent } from "../tracing";

export interface NewEvent {
  topic: string;
  /** Partition key: events with the same key keep their order in Kafka. */
  key: string;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Records an event in the outbox inside the caller's transaction, so the event exists if and only if
 * the business change committed. The id is generated once here and travels with every redelivery,
 * which is what lets consumers deduplicate.
 */
export async function appendEvent(tx: Queryable, event: NewEvent): Promise<string> {
  const id = randomUUID();
  await tx.query(
    // The trace of the request writing the event: the relay publishes later, in its own loop, and continues it.
    "INSERT INTO outbox (id, topic, message_key, event_type, payload, traceparent) VALUES ($1, $2, $3, $4, $5, $6)",
    [id, event.topic, event.key, event.type, JSON.stringify({ ...event.payload, eventId: id, type: event.type }), currentTraceparent() ?? null],
  );
  return id;
}
