import type { BaseLogger } from "pino";
import { ConfigError } from "./config";

/**
 * The life of a long-running process (the API, the notifications worker): on SIGTERM or SIGINT run `stop` once, flush
 * the traces and the logs and exit 0; exit 1, logged, when `stop` outlasts `timeoutMs`, before Kubernetes' SIGKILL.
 */
export function exitOnSignal(
  { log, flush, timeoutMs, flushTraces }: { log: BaseLogger; flush: () => void; timeoutMs: number; flushTraces: () => Promise<void> },
  stop: (signal: NodeJS.Signals) => Promise<void>,
): void {
  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    setTimeout(() => {
      log.error("shutdown timed out; exiting");
      flush();
      process.exit(1);
    }, timeoutMs).unref();
    await stop(signal);
    await flushTraces().catch((error: unknown) => log.warn({ err: error }, "trace flush failed"));
    log.info("shutdown complete");
    flush();
    process.exit(0);
  };
  process.once("SIGTERM", (signal) => void shutdown(signal));
  process.once("SIGINT", (signal) => void shutdown(signal));
}

/**
 * Runs a process's `main`; a failure to start exits 1. Configuration mistakes are printed plainly (a human fixing a
 * Deployment reads them), anything else as one JSON log line; `flushLogs` first, so the logger's buffer is not lost.
 */
export function runMain(main: () => Promise<void>, flushLogs: () => void): void {
  main().catch((error: unknown) => {
    flushLogs();
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(JSON.stringify({ level: 60, msg: "startup failed", err: String(error instanceof Error ? error.stack : error) }));
    process.exit(1);
  });
}
