import type { Consumer, EachBatchPayload, IHeaders, Producer } from "kafkajs";
import type { Logger } from "pino";
import { NOTIFICATIONS_DLQ_TOPIC, NOTIFICATIONS_TOPIC, ORDERS_TOPIC, PAYMENTS_TOPIC } from "../outbox/topics";
import { deadLetterHeaders, type ConsumerTransport, type DeadLetterSink, type InboundMessage } from "./transport";

/** The topics the worker consumes; the platform's KafkaUser grants Read on exactly these (and Write on the DLQ). */
export const CONSUMED_TOPICS = [ORDERS_TOPIC, PAYMENTS_TOPIC, NOTIFICATIONS_TOPIC] as const;

export type WorkerConsumer = Pick<Consumer, "connect" | "subscribe" | "run" | "stop" | "disconnect" | "on" | "events">;
export type WorkerProducer = Pick<Producer, "connect" | "send" | "disconnect">;

function headersOf(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? undefined : first.toString();
  }
  return out;
}

/**
 * The worker's Kafka side: one consumer group over orders, payments and notifications, with autoCommit off and
 * offsets resolved only for handled events, committed after each one (a restart redelivers at most the event in
 * hand). On stop the partition loop ends before its next event, the handled offsets are committed, and the event
 * being retried stays uncommitted. Dead letters go to notifications-dlq with acks from all in-sync replicas.
 */
export class KafkaTransport implements ConsumerTransport, DeadLetterSink {
  private running = false;
  private crashed: string | undefined;
  private producerConnected: Promise<void> | undefined;

  constructor(
    private readonly consumer: WorkerConsumer,
    private readonly producer: WorkerProducer,
    private readonly log: Logger,
  ) {}

  async start(handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.running = true));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.log.error({ err: event.payload.error, restart: event.payload.restart }, "notifications consumer crashed");
      if (!event.payload.restart) {
        this.running = false;
        this.crashed = event.payload.error.message;
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...CONSUMED_TOPICS], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload, handle),
    });
  }

  private async eachBatch(payload: EachBatchPayload, handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets } = payload;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      // A rejection (stopping, or the DLQ refused) leaves this offset unresolved: kafkajs redelivers from it.
      await handle({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers: headersOf(message.headers) });
      resolveOffset(message.offset);
      // With autoCommit off, commitOffsetsIfNecessary() alone commits nothing: pass the resolved offsets explicitly.
      await commitOffsetsIfNecessary(uncommittedOffsets());
      await heartbeat();
    }
  }

  async send(message: InboundMessage, reason: string, attempts: number): Promise<void> {
    this.producerConnected ??= this.producer.connect().catch((error: unknown) => {
      this.producerConnected = undefined;
      throw error;
    });
    await this.producerConnected;
    await this.producer.send({
      topic: NOTIFICATIONS_DLQ_TOPIC,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers: deadLetterHeaders(message, reason, attempts) }],
    });
  }

  isRunning(): boolean {
    return this.running;
  }

  failure(): string | undefined {
    return this.crashed;
  }

  async stop(): Promise<void> {
    this.running = false;
    // disconnect() stops the runner (it waits for the batch in hand, which ends at its next isRunning() check) and
    // leaves the group; what was committed is exactly what was handled.
    await this.consumer.disconnect();
    if (this.producerConnected) await this.producer.disconnect();
  }
}
