import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import type { AppConfig } from "../config";
import { createKafka } from "../outbox/kafka-publisher";
import { closeRedis, connectRedis, type RedisClient } from "../redis-client";
import { ConsoleMailer, ConsoleMessenger, type Mailer, type Messenger } from "./channels";
import { KafkaTransport } from "./kafka-transport";
import { NotificationProcessor } from "./notification-processor";
import { MemoryKeyValueStore, RedisKeyValueStore, SendOnce, type KeyValueStore } from "./send-once";
import { SesMailer } from "./ses-mailer";
import { SnsMessenger } from "./sns-messenger";
import { InProcessTransport, type ConsumerTransport, type DeadLetterSink } from "./transport";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics";

/** What the worker runs on; every part has a local stand-in, so `node dist/notifications-worker.js` works with no settings. */
export interface WorkerParts {
  transport: ConsumerTransport;
  deadLetters: DeadLetterSink;
  mailer: Mailer;
  messenger: Messenger;
  store: KeyValueStore;
  metrics: WorkerMetrics;
  /** Closes what the parts opened (Redis). */
  close?: () => Promise<void>;
}

/** The worker's parts from its configuration: Kafka/SES/SNS/Redis where set, in-process stand-ins where not. */
export function workerPartsFromConfig(config: AppConfig, log: Logger): WorkerParts {
  const { notifications: n } = config;
  const metrics = createWorkerMetrics({ processMetrics: true });
  let transport: ConsumerTransport & DeadLetterSink;
  if (config.kafka) {
    const kafka = createKafka(config.kafka);
    transport = new KafkaTransport(kafka.consumer({ groupId: n.group }), kafka.producer({ idempotent: true, maxInFlightRequests: 1 }), log);
  } else {
    log.warn("no KAFKA_BROKERS: consuming from the in-process transport (nothing arrives unless published in this process)");
    transport = new InProcessTransport();
  }
  const mailer = n.fromAddress && n.awsRegion ? SesMailer.create(n.awsRegion, n.fromAddress, n.sesConfigurationSet) : new ConsoleMailer(log);
  const messenger = n.snsTopicArn && n.awsRegion ? SnsMessenger.create(n.awsRegion, n.snsTopicArn) : new ConsoleMessenger(log);
  let redis: RedisClient | undefined;
  if (config.redisUrl) {
    redis = connectRedis(config.redisUrl, config.redisCluster);
    redis.on("error", (error: Error) => log.warn({ err: error }, "redis connection error"));
  }
  return {
    transport,
    deadLetters: transport,
    mailer,
    messenger,
    store: redis ? new RedisKeyValueStore(redis) : new MemoryKeyValueStore(),
    metrics,
    close: async () => {
      if (redis) await closeRedis(redis);
    },
  };
}

export interface NotificationsWorkerOptions {
  port: number;
  host?: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  claimTtlMs: number;
  sentTtlMs: number;
}

export interface RunningWorker {
  server: Server;
  processor: NotificationProcessor;
  /** Stops retries, commits what was handled, leaves the group, closes the HTTP server. */
  stop(): Promise<void>;
}

/**
 * Starts the HTTP side (GET /healthz: alive; /readyz: consuming and the dedupe store answers; /metrics: Prometheus)
 * and then consumption.
 */
export async function startNotificationsWorker(parts: WorkerParts, options: NotificationsWorkerOptions, log: Logger): Promise<RunningWorker> {
  const processor = new NotificationProcessor({
    mailer: parts.mailer,
    messenger: parts.messenger,
    sendOnce: new SendOnce(parts.store, { claimTtlMs: options.claimTtlMs, sentTtlMs: options.sentTtlMs }),
    deadLetters: parts.deadLetters,
    metrics: parts.metrics,
    log,
    maxAttempts: options.maxAttempts,
    backoff: { baseMs: options.retryBaseMs, maxMs: options.retryMaxMs },
  });
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (request.url === "/healthz") {
      const failure = parts.transport.failure();
      return failure === undefined ? answer(200, { status: "ok" }) : answer(503, { status: "failed", reason: failure });
    }
    if (request.url === "/readyz") {
      if (!parts.transport.isRunning()) return answer(503, { status: "not-ready", reason: "not consuming" });
      parts.store.ping().then(
        () => answer(200, { status: "ready" }),
        () => answer(503, { status: "not-ready", reason: "dedupe store unreachable" }),
      );
      return;
    }
    if (request.url === "/metrics") {
      parts.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": parts.metrics.registry.contentType }).end(text),
        () => answer(500, { status: "metrics failed" }),
      );
      return;
    }
    answer(404, { error: "not_found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", resolve);
  });
  await parts.transport.start((message) => processor.handle(message));
  return {
    server,
    processor,
    async stop() {
      processor.stop();
      await parts.transport.stop();
      await parts.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
