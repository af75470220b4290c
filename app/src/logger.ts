import pino, { type Logger } from "pino";
import { tracedPino } from "./tracing";

export interface ServiceLogger {
  log: Logger;
  /** Writes out buffered lines; call before process.exit or they are lost. */
  flush(): void;
}

/**
 * JSON lines on stdout, one object per event; the log pipeline (Fluent Bit) ships them as-is.
 * Written asynchronously: a synchronous write(2) per line cost about a third of the API's
 * throughput in the benchmark. Under load sonic-boom coalesces pending lines into one write.
 */
export function createLogger(level: string, service = "shop-api"): ServiceLogger {
  const destination = pino.destination({ dest: 1, sync: false });
  // The instrumented factory when tracing runs: lines logged inside a span carry trace_id and span_id.
  const log = tracedPino()(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
    },
    destination,
  );
  return {
    log,
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered yet (sonic-boom not ready): nothing to lose.
      }
    },
  };
}
