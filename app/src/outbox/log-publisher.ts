import type { BaseLogger } from "pino";
import type { OutboxMessage, Publisher } from "./publisher";

/**
 * The publisher used when no KAFKA_BROKERS is configured: logs each event and keeps the most recent
 * ones in memory, so the embedded mode still drains its outbox and the events can be inspected.
 */
export class LogPublisher implements Publisher {
  private readonly recent: OutboxMessage[] = [];

  constructor(
    private readonly log: BaseLogger,
    private readonly keep = 1000,
  ) {}

  async publish(messages: OutboxMessage[]): Promise<void> {
    for (const message of messages) {
      this.log.info({ eventId: message.id, topic: message.topic, type: message.type }, "event published (log only)");
      this.recent.push(message);
    }
    this.recent.splice(0, Math.max(0, this.recent.length - this.keep));
  }

  published(): readonly OutboxMessage[] {
    return this.recent;
  }

  async close(): Promise<void> {}
}
