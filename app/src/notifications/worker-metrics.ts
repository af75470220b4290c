import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface WorkerMetrics {
  registry: Registry;
  /** Events handled (sent, or nothing to send), by topic and outcome. */
  handled: Counter<"topic" | "outcome">;
  /** Failed handling attempts (each retried with backoff until the attempt limit). */
  failed: Counter<"topic">;
  deadLettered: Counter<"topic">;
  /** Sends skipped because the dedupe store said they had been sent. */
  duplicates: Counter<"kind">;
  handlingSeconds: Histogram<"topic">;
}

export function createWorkerMetrics(options: { processMetrics: boolean }): WorkerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    handled: new Counter({ name: "notifications_events_handled_total", help: "Events handled, by topic and outcome (sent, nothing-to-send)", labelNames: ["topic", "outcome"], registers: [registry] }),
    failed: new Counter({ name: "notifications_handling_failures_total", help: "Failed handling attempts (retried with backoff)", labelNames: ["topic"], registers: [registry] }),
    deadLettered: new Counter({ name: "notifications_events_dead_lettered_total", help: "Events sent to notifications-dlq", labelNames: ["topic"], registers: [registry] }),
    duplicates: new Counter({ name: "notifications_duplicates_skipped_total", help: "Sends skipped as already sent (redeliveries)", labelNames: ["kind"], registers: [registry] }),
    handlingSeconds: new Histogram({
      name: "notifications_handling_duration_seconds",
      help: "Time from receiving an event to having handled it (retries included)",
      labelNames: ["topic"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
