import type { BaseLogger } from "pino";
import type { Db } from "../db/db";
import type { ServiceMetrics } from "../http/metrics";
import { backoffDelayMs, type BackoffPolicy } from "./backoff";
import { BrokerUnavailableError, type OutboxMessage, type Publisher } from "./publisher";

export interface RelayOptions {
  batchSize: number;
  pollIntervalMs: number;
  /** Pause of the whole relay after a round in which nothing could be published (broker down); also each failed row's retry delay. */
  backoff: BackoffPolicy;
  /** How long a claimed row belongs to this relay; above the longest publish (kafkajs retries included). Default 120 s. */
  leaseMs?: number;
  /** Delivery attempts after which a row Kafka keeps refusing is set aside (dead_at, last_error). Default 10. */
  maxAttempts?: number;
  /** Published rows older than this are deleted. Default 7 days. */
  retentionMs?: number;
  /** Time between purges. Default 10 min. */
  purgeIntervalMs?: number;
}

const DEFAULT_LEASE_MS = 120_000;
const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;
const DEFAULT_PURGE_INTERVAL_MS = 10 * 60_000;
const PURGE_BATCH = 5000;

interface ClaimedRow {
  id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  created_at: Date | string;
  traceparent: string | null;
}

interface Claimed extends OutboxMessage {
  attempts: number;
}

export interface RoundOutcome {
  claimed: number;
  published: number;
  failed: number;
  setAside: number;
}


function reason(error: unknown): string {
  return String(error instanceof Error ? error.message : error).slice(0, 500);
}

/** The row is ours: claimed by `claim` with its attempt counted, and only we settle it. */
const CLAIM_SQL = `
  UPDATE outbox SET lease_until = now() + ($2::bigint * interval '1 millisecond'), attempts = attempts + 1
   WHERE id IN (
     SELECT o.id FROM outbox o
      WHERE o.published_at IS NULL AND o.dead_at IS NULL AND (o.lease_until IS NULL OR o.lease_until < now())
        AND NOT EXISTS (
          SELECT 1 FROM outbox older
           WHERE older.topic = o.topic AND older.message_key = o.message_key
             AND older.published_at IS NULL AND older.dead_at IS NULL
             AND (older.created_at, older.id) < (o.created_at, o.id))
      ORDER BY o.created_at, o.id LIMIT $1
      FOR UPDATE SKIP LOCKED)
  RETURNING id, topic, message_key, event_type, payload, attempts, created_at, traceparent`;

/**
 * Moves committed outbox rows to the broker, at least once, in order per (topic, key).
 *
 * A round claims the oldest pending rows with a lease in one short statement (FOR UPDATE SKIP LOCKED inside an UPDATE
 * that sets lease_until and counts the attempt), so replicas share the work and no transaction stays open while
 * Kafka is called. A row whose older sibling (same topic and key) is still pending is not claimed: per-key order
 * holds across replicas. Rows are published per topic; a topic batch that fails is retried row by row (fewest
 * attempts first) to isolate the rows Kafka refuses from the rest. Acknowledged rows are marked published; a failed
 * row is released with a retry delay, and after `maxAttempts` it is set aside (dead_at, last_error), so one message
 * Kafka always refuses cannot stop its key or topic. A broker that cannot be reached (BrokerUnavailableError) sets
 * nothing aside; after two such failures in a round the rest of the round is left unsent (its claims not counted),
 * and a round where nothing went through backs the relay off. A crash before marking leaves the rows claimed until
 * the lease expires; they are then sent again.
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private consecutiveFailures = 0;
  private lastPurgeAt = 0;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly retentionMs: number;
  private readonly purgeIntervalMs: number;

  constructor(
    private readonly db: Db,
    private readonly publisher: Publisher,
    private readonly options: RelayOptions,
    private readonly log: BaseLogger,
    private readonly metrics?: ServiceMetrics,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.purgeIntervalMs = options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  }

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

  /** One round; returns how many events were published. Throws when rows were claimed and none could be published. */
  async relayOnce(): Promise<number> {
    const outcome = await this.round();
    return outcome.published;
  }

  /** One round with its full outcome (tests and the loop). */
  async round(): Promise<RoundOutcome> {
    const claimed = await this.claim();
    if (claimed.length === 0) return { claimed: 0, published: 0, failed: 0, setAside: 0 };
    const { published, failures, untried } = await this.deliver(claimed);
    const outage = published.length === 0;

    if (published.length > 0) {
      await this.db.query("UPDATE outbox SET published_at = now(), lease_until = NULL WHERE id = ANY($1::uuid[])", [published.map((m) => m.id)]);
    }
    // Claimed but never sent (the broker was plainly down): the claim does not count as an attempt.
    if (untried.length > 0) {
      await this.db.query("UPDATE outbox SET lease_until = NULL, attempts = attempts - 1 WHERE id = ANY($1::uuid[])", [untried.map((m) => m.id)]);
    }
    let setAside = 0;
    for (const [message, error] of failures) {
      if (message.attempts >= this.maxAttempts && !(error instanceof BrokerUnavailableError)) {
        await this.db.query("UPDATE outbox SET dead_at = now(), lease_until = NULL, last_error = $2 WHERE id = $1", [message.id, reason(error)]);
        this.metrics?.outboxSetAside.inc({ topic: message.topic });
        this.log.error({ eventId: message.id, topic: message.topic, attempts: message.attempts, err: error }, "outbox event set aside after repeated failures");
        setAside += 1;
      } else {
        const retryMs = backoffDelayMs(message.attempts, this.options.backoff);
        await this.db.query(
          "UPDATE outbox SET lease_until = now() + ($2::bigint * interval '1 millisecond'), last_error = $3 WHERE id = $1",
          [message.id, retryMs, reason(error)],
        );
      }
      this.metrics?.outboxFailures.inc({ topic: message.topic });
    }
    for (const message of published) this.metrics?.outboxPublished.inc({ topic: message.topic });
    if (outage) throw failures[0]?.[1] ?? new Error("outbox publish failed");
    return { claimed: claimed.length, published: published.length, failed: failures.length, setAside };
  }

  /** Deletes published rows older than the retention, in batches; returns how many. */
  async purgePublished(): Promise<number> {
    let purged = 0;
    for (;;) {
      const deleted = await this.db.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE published_at < now() - ($1::bigint * interval '1 millisecond') LIMIT $2)`,
        [this.retentionMs, PURGE_BATCH],
      );
      purged += deleted.rowCount;
      if (deleted.rowCount < PURGE_BATCH) return purged;
    }
  }

  private async claim(): Promise<Claimed[]> {
    const result = await this.db.query<ClaimedRow>(CLAIM_SQL, [this.options.batchSize, this.leaseMs]);
    // RETURNING has no order: restore the outbox's.
    const rows = result.rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id));
    return rows.map((row) => ({
      id: row.id,
      topic: row.topic,
      key: row.message_key,
      type: row.event_type,
      payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
      attempts: row.attempts,
    }));
  }

  /** Publishes per topic; a failed topic batch is retried message by message until the broker looks down. */
  private async deliver(claimed: Claimed[]) {
    const published: Claimed[] = [];
    const failures: [Claimed, unknown][] = [];
    const untried: Claimed[] = [];
    let failuresInARow = 0;
    const byTopic = new Map<string, Claimed[]>();
    for (const message of claimed) byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);

    const send = async (messages: Claimed[]): Promise<unknown> => {
      try {
        await this.publisher.publish(messages.map(({ attempts: _attempts, ...message }) => message));
        published.push(...messages);
        failuresInARow = 0;
        return undefined;
      } catch (error) {
        failuresInARow += 1;
        return error ?? new Error("publish failed");
      }
    };
    // Two failures in a row before anything went through: the broker is down, not one message bad.
    const brokerLooksDown = () => published.length === 0 && failuresInARow >= 2;

    for (const batch of byTopic.values()) {
      if (brokerLooksDown()) {
        untried.push(...batch);
        continue;
      }
      const batchError = await send(batch);
      if (batchError === undefined) continue;
      if (batch.length === 1) {
        failures.push([batch[0]!, batchError]);
        continue;
      }
      // Fresh rows first: a row that has failed before is the likelier culprit.
      for (const message of [...batch].sort((a, b) => a.attempts - b.attempts)) {
        if (brokerLooksDown()) {
          untried.push(message);
          continue;
        }
        const error = await send([message]);
        if (error !== undefined) failures.push([message, error]);
      }
    }
    return { published, failures, untried };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let delayMs = this.options.pollIntervalMs;
      try {
        const outcome = await this.round();
        this.consecutiveFailures = 0;
        // Rows went through: more may be waiting (per-key order releases one row per key per round).
        if (outcome.published > 0) delayMs = 0;
      } catch (error) {
        this.consecutiveFailures += 1;
        delayMs = backoffDelayMs(this.consecutiveFailures, this.options.backoff);
        this.log.warn({ err: error, failures: this.consecutiveFailures, retryInMs: delayMs }, "outbox publish failed");
      }
      await this.purgeWhenDue();
      if (delayMs > 0 && !this.stopping) await this.sleep(delayMs);
    }
  }

  private async purgeWhenDue(): Promise<void> {
    if (Date.now() - this.lastPurgeAt < this.purgeIntervalMs) return;
    this.lastPurgeAt = Date.now();
    try {
      const purged = await this.purgePublished();
      if (purged > 0) this.log.info({ purged }, "purged published outbox rows past retention");
    } catch (error) {
      this.log.warn({ err: error }, "outbox purge failed");
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
