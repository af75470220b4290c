import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { Kafka, logLevel, type Message, type Producer, type SASLOptions } from "kafkajs";
import type { KafkaConfig } from "../config";
import { contextOf } from "../tracing";
import { BrokerUnavailableError, type OutboxMessage, type Publisher } from "./publisher";

const tracer = trace.getTracer("shop-api/outbox");

/** The slice of a kafkajs producer the publisher needs; tests substitute a fake broker. */
export type ProducerLike = Pick<Producer, "connect" | "disconnect" | "sendBatch">;

export function toKafkaMessage(message: OutboxMessage): Message {
  return {
    key: message.key,
    value: JSON.stringify(message.payload),
    headers: { "event-id": message.id, "event-type": message.type, ...(message.traceparent ? { traceparent: message.traceparent } : {}) },
  };
}

/** kafkajs errors that say the cluster is unreachable, not that a message or topic is refused. */
const UNREACHABLE = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSSASLAuthenticationError",
  "KafkaJSTimeout",
]);

/**
 * Tells a broker outage from a refused message. kafkajs wraps the last failure of its retries in
 * KafkaJSNumberOfRetriesExceeded (itself marked non-retriable), so the cause is what counts.
 */
export function classifyKafkaError(error: unknown): unknown {
  let root = error;
  while (root instanceof Error && root.name === "KafkaJSNumberOfRetriesExceeded" && root.cause !== undefined) root = root.cause;
  if (root instanceof Error && UNREACHABLE.has(root.name)) return new BrokerUnavailableError(root.message, { cause: error });
  return error;
}

/** kafkajs types each mechanism separately; the narrowing happens here. */
export function saslOptions(sasl: NonNullable<KafkaConfig["sasl"]>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case "plain":
      return { mechanism: "plain", username, password };
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", username, password };
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", username, password };
  }
}

/** A kafkajs client for the configured cluster: SCRAM over TLS in the platform (Strimzi), the CA from NODE_EXTRA_CA_CERTS. */
export function createKafka(config: KafkaConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    ...(config.sasl ? { sasl: saslOptions(config.sasl) } : {}),
    logLevel: logLevel.WARN,
    retry: { retries: 3 },
  });
}

/**
 * Publishes through an idempotent kafkajs producer with acks from all in-sync replicas: the promise
 * resolves only once Kafka has durably accepted every message of the batch.
 */
export class KafkaPublisher implements Publisher {
  private connected: Promise<void> | undefined;

  constructor(private readonly producer: ProducerLike) {}

  static fromConfig(config: KafkaConfig): KafkaPublisher {
    return new KafkaPublisher(createKafka(config).producer({ idempotent: true, maxInFlightRequests: 1 }));
  }

  async publish(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // A failed connect is forgotten so the next relay round tries again.
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw new BrokerUnavailableError(`cannot connect to Kafka: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    await this.connected;
    // One sendBatch for all the messages: split per trace, a refused later send followed sends Kafka had acknowledged,
    // and the relay, seeing publish() fail, sent those again. (kafkajs still produces per partition leader, so a
    // failure on one broker can follow another's ack: at least once stays the contract, the event id the dedupe.)
    // Each message still continues the trace of the request that wrote it: its
    // produce span is started here as a child of the stored traceparent, and its traceparent header names that span.
    // kafkajs' instrumentation would start its produce spans under one context for the whole batch and overwrite
    // every header with them; sending with tracing suppressed keeps it from doing either.
    const spans: Span[] = [];
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const kafkaMessage = toKafkaMessage(message);
      const span = tracer.startSpan(
        `send ${message.topic}`,
        { kind: SpanKind.PRODUCER, attributes: { "messaging.system": "kafka", "messaging.destination.name": message.topic, "messaging.operation.type": "send", "messaging.operation.name": "send", "messaging.kafka.message.key": message.key } },
        contextOf(message.traceparent),
      );
      spans.push(span);
      // Without a tracing SDK the propagator injects nothing and the stored traceparent stays.
      propagation.inject(trace.setSpan(ROOT_CONTEXT, span), kafkaMessage.headers);
      byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), kafkaMessage]);
    }
    try {
      await context.with(suppressTracing(ROOT_CONTEXT), () =>
        this.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, topicMessages]) => ({ topic, messages: topicMessages })),
        }),
      );
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw classifyKafkaError(error);
    } finally {
      for (const span of spans) span.end();
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
