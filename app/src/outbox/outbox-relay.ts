import type { BaseLogger } from "pino";
import type { Db } from "../db/db";
import type { ServiceMetrics } from "../http/metrics";
import { backoffDelayMs, type BackoffPolicy } from "./backoff";
import type { OutboxMessage, Publisher } from "./publisher";

export interface RelayOptions {
  batchSize: number;
  pollIntervalMs: number;
  backoff: BackoffPolicy;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: unknown;
}

/**
 * Moves committed outbox rows to the broker: at least once, oldest first. Per-key order holds for
 * one relay; with several replicas relaying, consumers must not rely on cross-batch order.
 *
 * A round locks the oldest unpublished rows (FOR UPDATE SKIP LOCKED, so replicas share the work
 * without sending the same row twice concurrently), publishes them, and marks them published in the
 * same transaction only after the broker acknowledged. A crash anywhere before that commit leaves
 * the rows unpublished and they are sent again: duplicates are possible, losses are not. A failed
 * publish pauses the relay with exponential backoff rather than skipping ahead, which keeps events
 * in order.
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private consecutiveFailures = 0;

  constructor(
    private readonly db: Db,
    private readonly publisher: Publisher,
    private readonly options: RelayOptions,
    private readonly log: BaseLogger,
    private readonly metrics?: ServiceMetrics,
  ) {}

  start(): void {
    this.stopping = false;
    this.running ??= this.loop();
  }

  /** Finishes the round in progress (so nothing is left half-done), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /** One round; returns how many events were published. Throws when the publisher failed. */
  async relayOnce(): Promise<number> {
    const outcome = await this.db.transaction(async (tx) => {
      const claimed = await tx.query<OutboxRow>(
        `SELECT id, topic, message_key, event_type, payload FROM outbox
          WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize],
      );
      const messages: OutboxMessage[] = claimed.rows.map((row) => ({
        id: row.id,
        topic: row.topic,
        key: row.message_key,
        type: row.event_type,
        payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
      }));
      if (messages.length === 0) return { published: messages };
      const ids = messages.map((message) => message.id);
      try {
        await this.publisher.publish(messages);
      } catch (error) {
        // Committed (not rolled back) so the attempt count and reason survive for operators.
        await tx.query("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])", [
          ids,
          String(error instanceof Error ? error.message : error).slice(0, 500),
        ]);
        return { published: [], failed: messages, error };
      }
      await tx.query("UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])", [ids]);
      return { published: messages };
    });
    for (const message of outcome.published) this.metrics?.outboxPublished.inc({ topic: message.topic });
    if (outcome.failed) {
      for (const message of outcome.failed) this.metrics?.outboxFailures.inc({ topic: message.topic });
      throw outcome.error;
    }
    return outcome.published.length;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let delayMs = this.options.pollIntervalMs;
      try {
        const published = await this.relayOnce();
        this.consecutiveFailures = 0;
        // A full batch means more may be waiting: go again at once.
        if (published === this.options.batchSize) delayMs = 0;
      } catch (error) {
        this.consecutiveFailures += 1;
        delayMs = backoffDelayMs(this.consecutiveFailures, this.options.backoff);
        this.log.warn({ err: error, failures: this.consecutiveFailures, retryInMs: delayMs }, "outbox publish failed");
      }
      if (delayMs > 0 && !this.stopping) await this.sleep(delayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
