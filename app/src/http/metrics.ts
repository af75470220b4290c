import type { FastifyInstance } from "fastify";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status_code">;
  outboxPublished: Counter<"topic">;
  outboxFailures: Counter<"topic">;
  outboxSetAside: Counter<"topic">;
  cacheLookups: Counter<"result">;
}

/** A registry per service instance (not prom-client's global one) so tests can build many apps. */
export function createMetrics(options: { processMetrics: boolean }): ServiceMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by route template",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: "outbox_events_published_total",
      help: "Outbox events acknowledged by the broker",
      labelNames: ["topic"],
      registers: [registry],
    }),
    outboxFailures: new Counter({
      name: "outbox_publish_failures_total",
      help: "Failed outbox publish attempts (each is retried with backoff)",
      labelNames: ["topic"],
      registers: [registry],
    }),
    outboxSetAside: new Counter({
      name: "outbox_events_set_aside_total",
      help: "Outbox events set aside (dead_at) after repeated failures; they need an operator",
      labelNames: ["topic"],
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: "product_cache_lookups_total",
      help: "Product cache lookups by result",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}

export function installRequestMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    // The route template (not the raw URL) keeps label cardinality bounded under hostile traffic.
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
