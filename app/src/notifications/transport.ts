/** A consumed event as the worker sees it, whatever carried it (Kafka, or the in-process transport). */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
}

/**
 * Delivers events at least once. `handle` resolving means the event is done (its offset may be committed); rejecting
 * means it is not (the transport stops that partition, commits nothing past it, and redelivers it later).
 */
export interface ConsumerTransport {
  start(handle: (message: InboundMessage) => Promise<void>): Promise<void>;
  /** Stops consuming: the event in hand is abandoned uncommitted, every handled one is committed. */
  stop(): Promise<void>;
  /** True once consuming (Kafka: joined the group); readiness. */
  isRunning(): boolean;
  /** Why consuming stopped for good (kafkajs gave up restarting); liveness fails so the kubelet restarts the pod. */
  failure(): string | undefined;
}

/** Where events that cannot be handled go, with the reason (Kafka: the notifications-dlq topic). */
export interface DeadLetterSink {
  send(message: InboundMessage, reason: string, attempts: number): Promise<void>;
}

/** Headers of a dead-lettered event: the original's, plus where it came from and why it was set aside. */
export function deadLetterHeaders(message: InboundMessage, reason: string, attempts: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = value;
  return {
    ...headers,
    "dlq-reason": reason.slice(0, 1000),
    "dlq-attempts": String(attempts),
    "dlq-original-topic": message.topic,
    "dlq-original-partition": String(message.partition),
    "dlq-original-offset": message.offset,
    "dlq-failed-at": new Date().toISOString(),
  };
}

interface Pending {
  message: InboundMessage;
}

/**
 * No Kafka (local runs): events published in the process are handled in order, one at a time, at least once; a
 * failed handling is redelivered after a pause, as Kafka would after a restart. Dead letters are kept in memory.
 */
export class InProcessTransport implements ConsumerTransport, DeadLetterSink {
  readonly deadLetters: Array<{ message: InboundMessage; headers: Record<string, string> }> = [];
  private readonly queue: Pending[] = [];
  private handler: ((message: InboundMessage) => Promise<void>) | undefined;
  private running = false;
  private draining: Promise<void> | undefined;
  private offset = 0;

  constructor(private readonly redeliveryDelayMs = 1000) {}

  publish(topic: string, value: unknown, headers: Record<string, string> = {}, key: string | null = null): void {
    const message: InboundMessage = { topic, partition: 0, offset: String(this.offset++), key, value: Buffer.from(JSON.stringify(value)), headers };
    this.queue.push({ message });
    this.kick();
  }

  async start(handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.handler = handle;
    this.running = true;
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.draining;
  }

  isRunning(): boolean {
    return this.running;
  }

  failure(): string | undefined {
    return undefined;
  }

  async send(message: InboundMessage, reason: string, attempts: number): Promise<void> {
    this.deadLetters.push({ message, headers: deadLetterHeaders(message, reason, attempts) });
  }

  /** Resolves when every published event has been handled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (!this.running || this.draining || this.queue.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.running && this.queue.length > 0) {
      const next = this.queue[0]!;
      try {
        await this.handler!(next.message);
        this.queue.shift();
      } catch {
        if (!this.running) return;
        await new Promise((resolve) => setTimeout(resolve, this.redeliveryDelayMs));
      }
    }
  }
}
