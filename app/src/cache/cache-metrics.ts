import { Counter, Gauge, type Registry } from "prom-client";
import type { CacheOperation } from "../products/product-cache";
import type { CircuitState } from "./circuit-breaker";

export const STATE_VALUES: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export interface CacheMetrics {
  cacheError(operation: CacheOperation): void;
  circuitState(state: CircuitState): void;
}

/** The cache's failures and its circuit breaker, on the service's registry. */
export function createCacheMetrics(registry: Registry): CacheMetrics {
  const errors = new Counter({
    name: "product_cache_errors_total",
    help: "Failed product cache operations (each fell back to the database or was skipped), by operation",
    labelNames: ["operation"],
    registers: [registry],
  });
  const state = new Gauge({
    name: "redis_circuit_state",
    help: "Circuit breaker in front of Redis: 0 closed, 1 half-open (probing), 2 open (Redis is skipped)",
    registers: [registry],
  });
  const opened = new Counter({
    name: "redis_circuit_opened_total",
    help: "Times the circuit breaker in front of Redis opened",
    registers: [registry],
  });
  state.set(0);
  return {
    cacheError: (operation) => errors.inc({ operation }),
    circuitState: (next) => {
      state.set(STATE_VALUES[next]);
      if (next === "open") opened.inc();
    },
  };
}
