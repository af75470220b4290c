import type { OutboxMessage, Publisher } from "../../src/outbox/publisher";

/**
 * A broker stand-in that fails the first `failures` publish calls. With `deliverBeforeFailing`, a
 * failing call still hands the messages to the consumer first, like a broker whose ack was lost on
 * the way back: the relay must resend, and the consumer sees duplicates.
 */
export class FlakyPublisher implements Publisher {
  readonly delivered: OutboxMessage[] = [];
  calls = 0;

  constructor(
    private failures: number,
    private readonly deliverBeforeFailing = false,
  ) {}

  async publish(messages: OutboxMessage[]): Promise<void> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      if (this.deliverBeforeFailing) this.delivered.push(...messages);
      throw new Error("broker unavailable");
    }
    this.delivered.push(...messages);
  }

  async close(): Promise<void> {}
}
