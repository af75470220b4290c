import { buildApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
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

  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, "shutting down: draining in-flight requests");
    // If something hangs, exit anyway before Kubernetes' SIGKILL so the exit is at least logged.
    setTimeout(() => {
      log.error("shutdown timed out; exiting");
      flush();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    runtime.startDraining();
    if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    // Stops accepting connections and resolves once every in-flight request has been answered.
    await app.close();
    await runtime.close();
    await tracing.shutdown().catch((error: unknown) => log.warn({ err: error }, "trace flush failed"));
    log.info("shutdown complete");
    flush();
    process.exit(0);
  };
  process.once("SIGTERM", (signal) => void shutdown(signal));
  process.once("SIGINT", (signal) => void shutdown(signal));
}

let flushLogs: () => void = () => undefined;

main().catch((error: unknown) => {
  flushLogs();
  // Configuration mistakes are printed plainly: they are read by a human fixing a Deployment.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(JSON.stringify({ level: 60, msg: "startup failed", err: String(error instanceof Error ? error.stack : error) }));
  process.exit(1);
});
