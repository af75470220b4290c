import { ConfigError, loadConfig, type AppConfig } from "./config";
import { createLogger } from "./logger";
import { startNotificationsWorker, workerPartsFromConfig } from "./notifications/notifications-worker";
import { exitOnSignal, runMain } from "./process-lifecycle";
import { startTracing } from "./tracing";

/**
 * The notifications worker: `node dist/notifications-worker.js` (same image as the API, its own Deployment).
 * With no settings it consumes an in-process transport and writes mail and messages to the console.
 */

/** In production a console stand-in would swallow every notification: refuse to start instead. */
function productionProblems(config: AppConfig): string[] {
  if (!config.production) return [];
  const problems: string[] = [];
  if (!config.kafka) problems.push("NODE_ENV=production needs KAFKA_BROKERS for the notifications worker");
  if (!config.notifications.fromAddress) problems.push("NODE_ENV=production needs NOTIFY_FROM_ADDRESS for the notifications worker (mail would go to the console)");
  if (!config.notifications.snsTopicArn) problems.push("NODE_ENV=production needs SNS_TOPIC_ARN for the notifications worker (messages would go to the console)");
  if (!config.redisUrl) problems.push("NODE_ENV=production needs REDIS_URL for the notifications worker (replicas must share the dedupe store)");
  return problems;
}

async function main(): Promise<void> {
  const tracing = startTracing("notifications-worker");
  const config = loadConfig();
  const problems = productionProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const { log, flush } = createLogger(config.logLevel, "notifications-worker");
  flushLogs = flush;
  const n = config.notifications;
  const worker = await startNotificationsWorker(
    workerPartsFromConfig(config, log),
    {
      port: config.port,
      host: config.host,
      maxAttempts: n.maxAttempts,
      retryBaseMs: n.retryBaseMs,
      retryMaxMs: n.retryMaxMs,
      claimTtlMs: n.claimTtlMs,
      sentTtlMs: n.dedupeTtlHours * 3_600_000,
    },
    log,
  );
  log.info({ group: n.group, kafka: config.kafka !== undefined, ses: n.fromAddress !== undefined, sns: n.snsTopicArn !== undefined, tracing: tracing.enabled ? tracing.instrumented : false }, "notifications worker running");

  exitOnSignal({ log, flush, timeoutMs: config.shutdownTimeoutMs, flushTraces: () => tracing.shutdown() }, async (signal) => {
    log.info({ signal }, "shutting down: committing handled events");
    await worker.stop();
  });
}

let flushLogs: () => void = () => undefined;

runMain(main, () => flushLogs());
