import pino, { type Logger } from "pino";

/** JSON lines on stdout, one object per event; the log pipeline (Fluent Bit) ships them as-is. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "shop-api" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
  });
}
