import { buildApp } from "./app";
import { loadConfig } from "./config";
import { createLogger } from "./logger";
import { exitOnSignal, runMain } from "./process-lifecycle";
import { createRuntime } from "./runtime";
import { startTracing } from "./tracing";

async function main(): Promise<void> {
  // Before anything connects: the instrumented classes must be patched before their first instance.
  const tracing = startTracing("shop-api");
  const config = loadConfig();
  const { log, flush } = createLogger(config.logLevel);
  flushLogs = flush;
  const runtime = await createRuntime(config, log);
  const app = buildApp(runtime.services, { bodyLimitBytes: config.bodyLimitBytes, logger: log, corsAllowedOrigins: config.corsAllowedOrigins });
  await app.listen({ port: config.port, host: config.host });
  // OUTBOX_RELAY=disabled in regions without the writer: their events land in the primary's outbox, published there once.
  if (config.outboxRelay) runtime.relay.start();
  else log.info("outbox relay disabled (OUTBOX_RELAY=disabled): the writer region's relay publishes this region's events");
  // Only the built-in test provider exists so far: say so where operators look, rather than pretend to take money.
  if (config.production) log.warn("payments: the built-in test payment provider authorises every order (no money moves); plug a real PaymentProvider in before taking payments");
  log.info({ database: runtime.db.kind, search: runtime.services.search.name, tracing: tracing.enabled ? tracing.instrumented : false }, "shop-api ready");

  exitOnSignal({ log, flush, timeoutMs: config.shutdownTimeoutMs, flushTraces: () => tracing.shutdown() }, async (signal) => {
    log.info({ signal }, "shutting down: draining in-flight requests");
    runtime.startDraining();
    if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    // Stops accepting connections and resolves once every in-flight request has been answered.
    await app.close();
    await runtime.close();
  });
}

let flushLogs: () => void = () => undefined;

runMain(main, () => flushLogs());
